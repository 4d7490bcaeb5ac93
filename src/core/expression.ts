/**
 * Expressions of derived channels, such as `sqrt(x^2 + y^2 + z^2)`: parsed by a small
 * grammar of our own into a tree of closures, never evaluated as JavaScript. Names are
 * other channels of the same spacecraft; a name with characters that are operators here
 * (`-`, `/`) is written between backticks, as in `` `pos-x` * 2 ``.
 *
 *   sum     = product { ("+" | "-") product }
 *   product = unary { ("*" | "/" | "%") unary }
 *   unary   = ("-" | "+") unary | power
 *   power   = atom [ "^" unary ]              right-associative: -x^2 is -(x^2), 2^3^2 is 2^9
 *   atom    = number | name | name "(" [ sum { "," sum } ] ")" | "(" sum ")"
 */

/** Why an expression cannot be used, and where (0-based offset into it). */
export class ExpressionError extends Error {
  readonly at: number;
  constructor(message: string, at: number) {
    super(`${message} at position ${at + 1}`);
    this.name = 'ExpressionError';
    this.at = at;
  }
}

export interface Compiled {
  /** The channels it reads, each once, in order of first use. */
  inputs: string[];
  /** The value for the inputs' values, in the order of `inputs`. */
  evaluate(values: ArrayLike<number>): number;
}

const FUNCTIONS: Readonly<Record<string, { arity: number | 'some'; fn: (...x: number[]) => number }>> = {
  abs: { arity: 1, fn: Math.abs }, sqrt: { arity: 1, fn: Math.sqrt }, cbrt: { arity: 1, fn: Math.cbrt },
  exp: { arity: 1, fn: Math.exp }, log: { arity: 1, fn: Math.log }, log10: { arity: 1, fn: Math.log10 }, log2: { arity: 1, fn: Math.log2 },
  sin: { arity: 1, fn: Math.sin }, cos: { arity: 1, fn: Math.cos }, tan: { arity: 1, fn: Math.tan },
  asin: { arity: 1, fn: Math.asin }, acos: { arity: 1, fn: Math.acos }, atan: { arity: 1, fn: Math.atan },
  sinh: { arity: 1, fn: Math.sinh }, cosh: { arity: 1, fn: Math.cosh }, tanh: { arity: 1, fn: Math.tanh },
  floor: { arity: 1, fn: Math.floor }, ceil: { arity: 1, fn: Math.ceil }, round: { arity: 1, fn: Math.round }, sign: { arity: 1, fn: Math.sign },
  deg: { arity: 1, fn: (x) => (x * 180) / Math.PI }, rad: { arity: 1, fn: (x) => (x * Math.PI) / 180 },
  atan2: { arity: 2, fn: Math.atan2 }, pow: { arity: 2, fn: Math.pow },
  min: { arity: 'some', fn: Math.min }, max: { arity: 'some', fn: Math.max }, hypot: { arity: 'some', fn: Math.hypot },
};
const CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI, e: Math.E };

type Node = (values: ArrayLike<number>) => number;
type Token = { kind: 'number'; value: number; at: number } | { kind: 'name'; value: string; at: number } | { kind: 'op'; value: string; at: number } | { kind: 'end'; at: number };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const number = /\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?/y;
  const name = /[A-Za-z_][A-Za-z0-9_.:]*/y;
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '`') {
      const end = source.indexOf('`', i + 1);
      if (end < 0) throw new ExpressionError('unclosed `', i);
      if (end === i + 1) throw new ExpressionError('empty name', i);
      tokens.push({ kind: 'name', value: source.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    number.lastIndex = i;
    name.lastIndex = i;
    const n = number.exec(source);
    if (n) {
      tokens.push({ kind: 'number', value: Number(n[0]), at: i });
      i += n[0].length;
      continue;
    }
    const id = name.exec(source);
    if (id) {
      tokens.push({ kind: 'name', value: id[0], at: i });
      i += id[0].length;
      continue;
    }
    if ('+-*/%^(),'.includes(c)) {
      tokens.push({ kind: 'op', value: c, at: i });
      i++;
      continue;
    }
    throw new ExpressionError(`unexpected "${c}"`, i);
  }
  tokens.push({ kind: 'end', at: source.length });
  return tokens;
}

/** Parses and compiles an expression; throws ExpressionError naming what is wrong and where. */
export function compileExpression(source: string): Compiled {
  const tokens = tokenize(source);
  const inputs: string[] = [];
  let k = 0;
  const peek = () => tokens[k]!;
  const isOp = (value: string) => {
    const t = peek();
    return t.kind === 'op' && t.value === value;
  };
  const expect = (value: string) => {
    if (!isOp(value)) throw new ExpressionError(`expected "${value}"`, peek().at);
    k++;
  };

  const sum = (): Node => {
    let left = product();
    while (isOp('+') || isOp('-')) {
      const op = (tokens[k++] as { value: string }).value;
      const a = left;
      const b = product();
      left = op === '+' ? (v) => a(v) + b(v) : (v) => a(v) - b(v);
    }
    return left;
  };
  const product = (): Node => {
    let left = unary();
    while (isOp('*') || isOp('/') || isOp('%')) {
      const op = (tokens[k++] as { value: string }).value;
      const a = left;
      const b = unary();
      left = op === '*' ? (v) => a(v) * b(v) : op === '/' ? (v) => a(v) / b(v) : (v) => a(v) % b(v);
    }
    return left;
  };
  const unary = (): Node => {
    if (isOp('-')) {
      k++;
      const a = unary();
      return (v) => -a(v);
    }
    if (isOp('+')) {
      k++;
      return unary();
    }
    return power();
  };
  const power = (): Node => {
    const base = atom();
    if (!isOp('^')) return base;
    k++;
    const exponent = unary();
    return (v) => base(v) ** exponent(v);
  };
  const atom = (): Node => {
    const t = tokens[k++]!;
    if (t.kind === 'number') return () => t.value;
    if (t.kind === 'op' && t.value === '(') {
      const inner = sum();
      expect(')');
      return inner;
    }
    if (t.kind === 'name') {
      if (isOp('(')) return call(t.value, t.at);
      if (t.value in CONSTANTS) {
        const c = CONSTANTS[t.value]!;
        return () => c;
      }
      let index = inputs.indexOf(t.value);
      if (index < 0) index = inputs.push(t.value) - 1;
      return (v) => v[index]!;
    }
    throw new ExpressionError(t.kind === 'end' ? 'unexpected end' : `unexpected "${t.value}"`, t.at);
  };
  const call = (name: string, at: number): Node => {
    const f = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name]! : undefined;
    if (!f) throw new ExpressionError(`unknown function "${name}" (known: ${Object.keys(FUNCTIONS).join(', ')})`, at);
    expect('(');
    const args: Node[] = [];
    if (!isOp(')')) {
      args.push(sum());
      while (isOp(',')) {
        k++;
        args.push(sum());
      }
    }
    expect(')');
    if (f.arity === 'some' ? args.length === 0 : args.length !== f.arity) {
      throw new ExpressionError(`${name}() takes ${f.arity === 'some' ? 'one or more arguments' : `${f.arity} argument${f.arity === 1 ? '' : 's'}`}, got ${args.length}`, at);
    }
    const fn = f.fn;
    if (args.length === 1) {
      const [a] = args as [Node];
      return (v) => fn(a(v));
    }
    if (args.length === 2) {
      const [a, b] = args as [Node, Node];
      return (v) => fn(a(v), b(v));
    }
    return (v) => fn(...args.map((a) => a(v)));
  };

  if (peek().kind === 'end') throw new ExpressionError('empty expression', 0);
  const root = sum();
  if (peek().kind !== 'end') throw new ExpressionError(`unexpected "${(peek() as { value: unknown }).value}"`, peek().at);
  if (!inputs.length) throw new ExpressionError('reads no channel', 0);
  return { inputs, evaluate: root };
}
