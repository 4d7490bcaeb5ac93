import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { compatibilityPartitioner } from '@platformatic/kafka';
import { keyHash, murmur2, partitionForKey } from '../../src/engines/shared/partitioner.ts';
import { javaCompatiblePartition } from '../../src/engines/events/kafka-codec.ts';

describe('partitioner', () => {
  test("murmur2 gives Kafka's reference values", () => {
    // From Kafka's own tests of Utils.murmur2.
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of vectors) assert.equal(murmur2(Buffer.from(key)), hash, key);
  });

  test('a key goes to the positive hash mod the partition count, as a string or as its UTF-8 bytes', () => {
    assert.equal(keyHash('foobar'), -790332482 & 0x7fffffff);
    assert.equal(partitionForKey('foobar', 8), 6);
    assert.equal(partitionForKey('foobar', 3), 0);
    assert.equal(partitionForKey('abc', 7), 479470107 % 7);
    assert.equal(partitionForKey('SC-1 ✈ émission', 6), partitionForKey(Buffer.from('SC-1 ✈ émission', 'utf8'), 6));
    assert.equal(partitionForKey('', 5), (murmur2(new Uint8Array(0)) & 0x7fffffff) % 5);
    for (const n of [1, 2, 3, 5, 8, 12]) assert.ok(partitionForKey('any key', n) < n);
  });

  test("the Kafka producer's partitioner hashes as the Kafka client's Java-compatible one, and as the embedded log", () => {
    for (let i = 0; i < 500; i += 1) {
      const key = randomBytes(i % 40);
      const ours = javaCompatiblePartition(undefined, key);
      assert.equal(ours, compatibilityPartitioner(undefined as never, key), key.toString('hex'));
      assert.equal(ours % 6, partitionForKey(key, 6));
    }
    assert.throws(() => javaCompatiblePartition(undefined, undefined), /event key must be a string/);
  });
});
