/** Messages between the pool and its worker threads. */

export interface TaskRequest<I> {
  id: number;
  input: I;
}

export interface SerializedError {
  name: string;
  message: string;
  [detail: string]: unknown;
}

export type TaskReply<O> = { id: number; ok: true; value: O } | { id: number; ok: false; error: SerializedError };

/** Posted once by a worker when its script has loaded and it can take tasks. */
export interface ReadyMessage {
  ready: true;
}
