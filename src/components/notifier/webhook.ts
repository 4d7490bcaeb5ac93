/**
 * One try of a delivery: POST the body, signed, to the route's URL. Never throws: every
 * way a receiver can fail (refused, timed out, an answer other than 2xx) comes back as
 * an outcome, so a bad receiver costs a try and nothing else.
 */
import { DELIVERY_HEADER, SIGNATURE_HEADER, signature, TIMESTAMP_HEADER } from './signature.ts';

export interface WebhookOutcome {
  ok: boolean;
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** Why the try failed. */
  error?: string;
}

export interface WebhookRequest {
  url: string;
  secret: string;
  deliveryId: string;
  body: string;
  timeoutMs: number;
  now: number;
}

/** Bytes of a failing answer kept in the delivery log, to show what the receiver said. */
const ANSWER_EXCERPT_BYTES = 200;

export async function postWebhook(request: WebhookRequest, fetchImpl: typeof fetch = fetch): Promise<WebhookOutcome> {
  let response: Response;
  try {
    response = await fetchImpl(request.url, {
      method: 'POST',
      body: request.body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Orbit-Notifier',
        [SIGNATURE_HEADER]: signature(request.body, request.secret),
        [DELIVERY_HEADER]: request.deliveryId,
        [TIMESTAMP_HEADER]: new Date(request.now).toISOString(),
      },
      // A redirected POST would send the alert somewhere the route does not name.
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    return { ok: false, error: failureText(error, request.timeoutMs) };
  }
  if (response.status >= 200 && response.status < 300) {
    await response.body?.cancel().catch(() => undefined);
    return { ok: true, status: response.status };
  }
  const excerpt = await answerExcerpt(response);
  const redirect = response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : '';
  return { ok: false, status: response.status, error: `receiver answered ${response.status}${redirect}${excerpt ? `: ${excerpt}` : ''}` };
}

function failureText(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e.message ?? 'request failed'}: ${cause}` : (e?.message ?? String(error));
}

async function answerExcerpt(response: Response): Promise<string> {
  try {
    const reader = response.body?.getReader();
    if (!reader) return '';
    const chunks: Uint8Array[] = [];
    let length = 0;
    while (length < ANSWER_EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
    }
    await reader.cancel().catch(() => undefined);
    return Buffer.concat(chunks).subarray(0, ANSWER_EXCERPT_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
  } catch {
    return '';
  }
}
