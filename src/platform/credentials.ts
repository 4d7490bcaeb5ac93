/**
 * API keys and session tokens: how they look, how they are hashed and compared.
 *
 * A key is `orbit_<id>_<secret>`: the id (public, what lists and the audit log show) lets
 * the server find the row without scanning; the secret is 32 random bytes (256 bits),
 * base64url. Only SHA-256 of the whole key is stored. A slow password hash (bcrypt,
 * Argon2) exists to make guessing low-entropy human passwords expensive; a 256-bit random
 * secret cannot be guessed however fast the hash, so one SHA-256 is as safe and keeps the
 * check cheap enough to run on every request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const KEY_PREFIX = 'orbit';

/** A key id: 12 base32-ish characters, enough to never collide in one installation. */
export function newKeyId(): string {
  return randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').toLowerCase().slice(0, 12);
}

/** A new key: its id, the full secret (shown once) and the hash that is stored. */
export function newKey(id: string = newKeyId()): { id: string; key: string; hash: string } {
  const key = `${KEY_PREFIX}_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, key, hash: hashSecret(key) };
}

/** The id inside a well-formed key; undefined for anything else. */
export function keyIdOf(key: string): string | undefined {
  return /^orbit_([a-z0-9]{6,40})_[A-Za-z0-9_-]{43}$/.exec(key)?.[1];
}

/** A random opaque token (browser sessions, CSRF tokens): 32 bytes, base64url. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256, hex: what is stored for a key or a session token (see the module comment). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Whether two hashes (or tokens) are equal, in time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
