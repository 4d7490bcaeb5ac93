/**
 * The signature of a delivery: HMAC-SHA256 of the exact body bytes with the route's
 * secret, as `sha256=<hex>` in the Orbit-Signature header (the scheme GitHub's webhooks
 * use, so receivers' existing code fits).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'orbit-signature';
export const DELIVERY_HEADER = 'orbit-delivery';
export const TIMESTAMP_HEADER = 'orbit-timestamp';

export function signature(body: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Whether `header` is the signature of `body` with `secret`; compares in constant time. */
export function verifySignature(body: string | Uint8Array, secret: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signature(body, secret));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
