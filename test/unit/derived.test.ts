import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { derivations, deriveReadings, expressionProblems, type Definition } from '../../src/core/derived.ts';

const channels = (...defs: Definition[]) => new Map(defs.map((d) => [d.name, d]));
const number = (name: string, expression?: string): Definition => ({ name, type: 'number', ...(expression && { expression }) });

describe('derived channels', () => {
  const base = channels(number('x'), number('y'), { name: 'mode', type: 'string' }, number('r', 'hypot(x, y)'));

  it('accepts an expression over number channels of the spacecraft', () => {
    assert.deepEqual(expressionProblems('speed', { type: 'number', expression: 'r * 2 + x' }, base), []);
    assert.deepEqual(expressionProblems('plain', { type: 'string' }, base), [], 'no expression, nothing to check');
  });

  it('names every problem with its field', () => {
    assert.deepEqual(expressionProblems('s', { type: 'string', expression: 'x', calibration: { polynomial: [0, 1] } }, base).map((p) => p.pointer), ['/type', '/calibration']);
    assert.match(expressionProblems('s', { type: 'number', expression: 'x +' }, base)[0]!.detail, /unexpected end/);
    assert.deepEqual(expressionProblems('s', { type: 'number', expression: 'z + mode + s' }, base).map((p) => p.detail), [
      'reads "z", which is not a channel of this spacecraft',
      'reads "mode", a string channel; only number channels can be read',
      'reads the channel it defines ("s")',
    ]);
  });

  it('refuses derived channels that would read each other in a circle', () => {
    const defs = channels(number('x'), number('a', 'b + 1'), number('b', 'c * 2'), number('c', 'x'));
    assert.deepEqual(expressionProblems('c', { type: 'number', expression: 'a - x' }, defs), [
      { pointer: '/expression', detail: 'derived channels would read each other in a circle: c -> a -> b -> c' },
    ]);
    assert.deepEqual(expressionProblems('c', { type: 'number', expression: 'x * 3' }, defs), []);
  });

  it('computes each derived channel after the derived channels it reads, at each time all inputs have a reading', () => {
    const defs = channels(number('twice', 'r * 2'), number('x'), number('y'), number('r', 'hypot(x, y)'));
    assert.deepEqual(derivations(defs).map((d) => d.channel), ['r', 'twice']);
    const readings = [
      { channel: 'x', time: 1, value: 3 }, { channel: 'y', time: 1, value: 4 },
      { channel: 'x', time: 2, value: 6 },
      { channel: 'y', time: 3, value: 1 }, { channel: 'x', time: 3, value: 0 },
    ];
    assert.deepEqual(deriveReadings(derivations(defs), readings), [
      { channel: 'r', time: 1, value: 5 }, { channel: 'r', time: 3, value: 1 },
      { channel: 'twice', time: 1, value: 10 }, { channel: 'twice', time: 3, value: 2 },
    ]);
  });

  it('gives no reading for a result that is not a finite number, and leaves out definitions that no longer hold', () => {
    const defs = channels(number('x'), number('root', 'sqrt(x)'), number('gone', 'missing + x'), number('broken', 'x +'));
    assert.deepEqual(derivations(defs).map((d) => d.channel), ['root']);
    assert.deepEqual(deriveReadings(derivations(defs), [{ channel: 'x', time: 1, value: -4 }, { channel: 'x', time: 2, value: 9 }]), [{ channel: 'root', time: 2, value: 3 }]);
  });
});
