import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileExpression, ExpressionError } from '../../src/core/expression.ts';

const run = (source: string, values: Record<string, number> = {}) => {
  const c = compileExpression(source);
  return c.evaluate(c.inputs.map((i) => values[i]!));
};

describe('derived channel expressions', () => {
  it('follows the usual precedence: ^ before unary minus before * / % before + -, ^ to the right', () => {
    assert.equal(run('1 + 2 * 3 - a', { a: 4 }), 3);
    assert.equal(run('-a^2', { a: 3 }), -9);
    assert.equal(run('2^3^a', { a: 2 }), 512);
    assert.equal(run('(1 + 2) * 3 % a', { a: 4 }), 1);
    assert.equal(run('2 * -a', { a: 3 }), -6);
    assert.equal(run('1.5e3 + .5 - a', { a: 0.5 }), 1500);
  });

  it('computes functions and constants over channels, named plainly or between backticks', () => {
    assert.equal(run('sqrt(vel.x^2 + vel.y^2 + `vel-z`^2)', { 'vel.x': 2, 'vel.y': 3, 'vel-z': 6 }), 7);
    assert.equal(run('hypot(a, b)', { a: 3, b: 4 }), 5);
    assert.equal(run('max(a, 2, b) + min(a)', { a: 1, b: -1 }), 3);
    assert.equal(run('deg(atan2(a, a))', { a: 1 }), 45);
    assert.equal(run('cos(pi) + log(e) + a', { a: 2 }), 2);
  });

  it('names each channel it reads once, in order of first use', () => {
    assert.deepEqual(compileExpression('b * a + b / c').inputs, ['b', 'a', 'c']);
  });

  it('refuses what it cannot read, saying what and where, and never runs JavaScript', () => {
    const fails = (source: string, message: RegExp) => assert.throws(() => compileExpression(source), (e: unknown) => e instanceof ExpressionError && message.test(e.message), source);
    fails('', /empty expression/);
    fails('1 + 2', /reads no channel/);
    fails('a +', /unexpected end at position 4/);
    fails('(a + 1', /expected "\)" at position 7/);
    fails('a $ b', /unexpected "\$" at position 3/);
    fails('constructor(a)', /unknown function "constructor"/);
    fails('__proto__(a)', /unknown function "__proto__"/);
    fails('atan2(a)', /atan2\(\) takes 2 arguments, got 1/);
    fails('max()', /one or more arguments/);
    fails('`a', /unclosed `/);
    fails('a b', /unexpected "b" at position 3/);
    // A name that looks like code is just a channel name.
    assert.deepEqual(compileExpression('process.exit + 1').inputs, ['process.exit']);
  });
});
