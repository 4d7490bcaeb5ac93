/**
 * Power spectral density by Welch's method and normalised cross-correlation, on a
 * uniformly sampled series, with fft.js (radix-4, power-of-two sizes).
 */
import FFT from 'fft.js';

export const WINDOWS = ['hann', 'hamming', 'rectangular'] as const;
export type WindowName = (typeof WINDOWS)[number];
export const DETRENDS = ['none', 'mean', 'linear'] as const;
export type Detrend = (typeof DETRENDS)[number];

export const isPowerOfTwo = (n: number) => Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0;

/** The largest power of two not above n (n >= 2). */
export const powerOfTwoBelow = (n: number) => 2 ** Math.floor(Math.log2(n));

export function windowOf(name: WindowName, length: number): Float64Array {
  const w = new Float64Array(length);
  // Periodic (not symmetric) windows: the right choice for spectral analysis, and what SciPy's welch uses.
  for (let i = 0; i < length; i++) {
    const phase = (2 * Math.PI * i) / length;
    w[i] = name === 'hann' ? 0.5 - 0.5 * Math.cos(phase) : name === 'hamming' ? 0.54 - 0.46 * Math.cos(phase) : 1;
  }
  return w;
}

/** Removes the mean or the least-squares line from `segment`, in place. */
export function detrend(segment: Float64Array, how: Detrend): void {
  const n = segment.length;
  if (how === 'none' || n === 0) return;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += segment[i]!;
  mean /= n;
  if (how === 'mean') {
    for (let i = 0; i < n; i++) segment[i]! -= mean;
    return;
  }
  const xMean = (n - 1) / 2;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (i - xMean) * (segment[i]! - mean);
    sxx += (i - xMean) ** 2;
  }
  const slope = sxx ? sxy / sxx : 0;
  for (let i = 0; i < n; i++) segment[i]! -= mean + slope * (i - xMean);
}

export interface WelchOptions {
  sampleRateHz: number;
  segmentLength: number;
  /** Fraction of a segment shared with the next, 0 <= overlap < 1. */
  overlap: number;
  window: WindowName;
  detrend: Detrend;
}

export interface Psd {
  /** One-sided density at k * sampleRateHz / segmentLength, k = 0 .. segmentLength / 2, in unit^2/Hz. */
  density: Float64Array;
  segments: number;
}

/**
 * Welch's averaged periodogram, one-sided and scaled as a density: the sum of
 * density * (sampleRateHz / segmentLength) over the bins is the mean square of the
 * (detrended) series, i.e. its variance when the mean is removed.
 */
export function welch(values: Float64Array, o: WelchOptions): Psd {
  const L = o.segmentLength;
  if (!isPowerOfTwo(L)) throw new RangeError(`segment length must be a power of two, got ${L}`);
  if (values.length < L) throw new RangeError(`${values.length} samples are fewer than one segment of ${L}`);
  const step = Math.max(1, Math.round(L * (1 - o.overlap)));
  const w = windowOf(o.window, L);
  let windowPower = 0;
  for (let i = 0; i < L; i++) windowPower += w[i]! * w[i]!;
  const fft = new FFT(L);
  const spectrum = new Float64Array(2 * L);
  const segment = new Float64Array(L);
  const density = new Float64Array(L / 2 + 1);
  let segments = 0;
  for (let start = 0; start + L <= values.length; start += step) {
    segment.set(values.subarray(start, start + L));
    detrend(segment, o.detrend);
    for (let i = 0; i < L; i++) segment[i]! *= w[i]!;
    fft.realTransform(spectrum, segment);
    for (let k = 0; k <= L / 2; k++) density[k]! += spectrum[2 * k]! ** 2 + spectrum[2 * k + 1]! ** 2;
    segments++;
  }
  const scale = 1 / (o.sampleRateHz * windowPower * segments);
  for (let k = 0; k <= L / 2; k++) {
    // One-sided: every bin but DC and Nyquist also stands for its negative frequency.
    density[k]! *= k === 0 || k === L / 2 ? scale : 2 * scale;
  }
  return { density, segments };
}

/** Index of the largest density above DC (the mean, or what detrending left of it, is not a vibration). */
export function peakBin(density: ArrayLike<number>): number {
  let best = density.length > 1 ? 1 : 0;
  for (let k = 2; k < density.length; k++) if (density[k]! > density[best]!) best = k;
  return best;
}

/**
 * Normalised cross-correlation r(lag) = sum (x[n] - mean x)(y[n + lag] - mean y) / (N sd(x) sd(y))
 * for lag = -maxLag .. maxLag samples (index maxLag + lag): a positive lag at the peak means
 * y follows x by that many samples. Computed through the FFT, zero-padded so it is linear,
 * not circular. Zero where either series is constant.
 */
export function crossCorrelation(x: Float64Array, y: Float64Array, maxLag: number): Float64Array {
  const n = Math.min(x.length, y.length);
  const lags = Math.min(maxLag, n - 1);
  const out = new Float64Array(2 * maxLag + 1);
  if (n < 2) return out;
  const size = 2 ** Math.ceil(Math.log2(2 * n));
  const fft = new FFT(size);
  const centred = (s: Float64Array) => {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += s[i]!;
    mean /= n;
    const padded = new Float64Array(size);
    let power = 0;
    for (let i = 0; i < n; i++) {
      padded[i] = s[i]! - mean;
      power += padded[i]! ** 2;
    }
    const spectrum = new Float64Array(2 * size);
    fft.realTransform(spectrum, padded);
    fft.completeSpectrum(spectrum);
    return { spectrum, sd: Math.sqrt(power / n) };
  };
  const a = centred(x);
  const b = centred(y);
  if (a.sd === 0 || b.sd === 0) return out;
  // conj(X) * Y transforms back to sum x[n] y[n + lag], lag >= 0 at the front, negative lags wrapped to the back.
  const product = new Float64Array(2 * size);
  for (let k = 0; k < size; k++) {
    const xr = a.spectrum[2 * k]!, xi = a.spectrum[2 * k + 1]!, yr = b.spectrum[2 * k]!, yi = b.spectrum[2 * k + 1]!;
    product[2 * k] = xr * yr + xi * yi;
    product[2 * k + 1] = xr * yi - xi * yr;
  }
  const sums = new Float64Array(2 * size);
  fft.inverseTransform(sums, product);
  const norm = n * a.sd * b.sd;
  for (let lag = -lags; lag <= lags; lag++) {
    const at = lag >= 0 ? lag : size + lag;
    out[maxLag + lag] = sums[2 * at]! / norm;
  }
  return out;
}
