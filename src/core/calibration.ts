import type { Calibration } from './schemas.ts';

/** Significant digits kept, so binary rounding noise (45.10000000000001) does not reach operators. */
const PRECISION = 12;

/** Engineering value of a raw reading: c0 + c1*x + c2*x^2 ... (Horner's rule). */
export function calibrate(raw: number, calibration: Calibration | undefined): number {
  if (!calibration) return raw;
  const c = calibration.polynomial;
  let value = 0;
  for (let i = c.length - 1; i >= 0; i--) value = value * raw + c[i]!;
  return Number(value.toPrecision(PRECISION));
}
