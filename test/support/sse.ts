/**
 * A minimal Server-Sent Events reader over fetch, for tests.
 */
export interface SseEvent {
  event: string;
  data: unknown;
}

export interface SseClient {
  events: SseEvent[];
  /** Resolves with the first event (already received or future) that matches. */
  waitFor(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Calls listener for every event from now on. */
  on(listener: (e: SseEvent) => void): void;
  close(): void;
}

/** `headers`: an Authorization header, say, for a server that checks keys. */
export async function openStream(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal, headers: { accept: 'text/event-stream', ...headers } });
  if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
  const events: SseEvent[] = [];
  const listeners: ((e: SseEvent) => void)[] = [];
  const waiters = new Set<{ match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }>();
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body!) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of frame.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (!data.length) continue;
          const e = { event, data: JSON.parse(data.join('\n')) };
          events.push(e);
          for (const l of listeners) l(e);
          for (const w of waiters) if (w.match(e)) { waiters.delete(w); w.resolve(e); }
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    waitFor(match, timeoutMs = 5000) {
      const found = events.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (e: SseEvent) => { clearTimeout(timer); resolve(e); } };
        const timer = setTimeout(() => { waiters.delete(waiter); reject(new Error(`no matching stream event within ${timeoutMs} ms`)); }, timeoutMs);
        waiters.add(waiter);
      });
    },
    on: (listener) => listeners.push(listener),
    close: () => controller.abort(),
  };
}
