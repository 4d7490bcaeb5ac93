/**
 * The two hot transcendental operations of SGP4, written so that V8 keeps them inline:
 * Math.sin and Math.cos each call out of generated code and reduce the argument again,
 * and `%` on doubles calls fmod. Both replacements agree with the library functions to
 * an ulp of the result, far below SGP4's millimetre.
 */
import { TWO_PI } from './constants.ts';

/**
 * Writes sin(x) to out[0] and cos(x) to out[1], with one argument reduction for both.
 *
 * The numbers are written in place because V8 inlines by bytecode size: x is reduced
 * by k * pi/2, k the nearest integer (adding and subtracting 1.5 * 2^52 rounds), with
 * pi/2 in two parts whose first has 33 significant bits, so k times it is exact below
 * |x| = 1e5 (SGP4's angles stay far below; beyond, the library functions are used);
 * the polynomials are the minimax ones of fdlibm's kernels on [-pi/4, pi/4].
 */
export function sincos(x: number, out: Float64Array): void {
  if (!(x < 1e5 && x > -1e5)) {
    librarySincos(x, out);
    return;
  }
  const k = x * 0.6366197723675814 + 6755399441055744.0 - 6755399441055744.0;
  const y = x - k * 1.5707963267341256 - k * 6.077100506506192e-11;
  const z = y * y;
  const s = y + y * z * (-0.16666666666666632 + z * (0.00833333333332249 + z * (-0.0001984126982985795 + z * (0.0000027557313707070068 + z * (-2.5050760253406863e-8 + z * 1.58969099521155e-10)))));
  const c = 1 - 0.5 * z + z * z * (0.0416666666666666 + z * (-0.001388888888887411 + z * (0.00002480158728947673 + z * (-2.7557314351390663e-7 + z * (2.087572321298175e-9 + z * -1.1359647557788195e-11)))));
  // Quadrant k mod 4: odd quadrants swap sine and cosine, the sign pattern follows.
  const odd = k & 1;
  const sine = odd ? c : s;
  const cosine = odd ? s : c;
  out[0] = k & 2 ? -sine : sine;
  out[1] = (k + 1) & 2 ? -cosine : cosine;
}

/** Kept apart so that the hot function stays small enough for V8 to inline. */
function librarySincos(x: number, out: Float64Array): void {
  out[0] = Math.sin(x);
  out[1] = Math.cos(x);
}

// 2*pi (the double) split in halves of 26 significant bits (Veltkamp), so that
// k * TWO_PI_HI is exact for |k| < 2^27.
const SPLIT = 134217729 * TWO_PI;
const TWO_PI_HI = SPLIT - (SPLIT - TWO_PI);
const TWO_PI_LO = TWO_PI - TWO_PI_HI;

/**
 * fmod(x, 2*pi) as C and the reference code compute it (the result has the sign of x),
 * without the runtime call of the `%` operator. The product is split so the subtraction
 * stays exact: the result is the library's to an ulp.
 */
export function fmod2pi(x: number): number {
  if (x < TWO_PI && x > -TWO_PI) return x;
  const k = Math.trunc(x / TWO_PI);
  let r = x - k * TWO_PI_HI - k * TWO_PI_LO;
  // The quotient can round to the next integer; fmod never changes sign.
  if (x > 0 && r < 0) r += TWO_PI;
  else if (x < 0 && r > 0) r -= TWO_PI;
  return r;
}

/**
 * sincos of out[0], in place: where V8 does not inline sincos, a double argument would be
 * boxed on the heap at every call; a typed-array slot carries it unboxed.
 */
export function sincosInPlace(out: Float64Array): void {
  sincos(out[0], out);
}
