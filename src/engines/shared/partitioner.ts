/**
 * Which partition a key goes to: Kafka's default (Java) partitioner, murmur2 of the key's
 * bytes made positive, mod the partition count. The embedded event log and the Kafka
 * producer both use it, so a key lands on the same partition number in either, and on
 * the same one as other Kafka clients that keep Java's default.
 */

/** Kafka's murmur2 (seed 0x9747b28c), as a signed 32-bit integer like Java's. */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= data[whole + 2] << 16;
  if (rest >= 2) h ^= data[whole + 1] << 8;
  if (rest >= 1) h = Math.imul(h ^ data[whole], m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The positive part of murmur2 of the key (a string as UTF-8), before the modulo. Java's
 * `toPositive` masks the sign bit: `>>> 0` would land keys on other partitions whenever
 * the count is not a power of two.
 */
export function keyHash(key: string | Uint8Array): number {
  return murmur2(typeof key === 'string' ? Buffer.from(key, 'utf8') : key) & 0x7fffffff;
}

export function partitionForKey(key: string | Uint8Array, partitions: number): number {
  return keyHash(key) % partitions;
}
