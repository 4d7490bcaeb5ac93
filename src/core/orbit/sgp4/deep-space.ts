/**
 * The deep-space (SDP4) part of SGP4 for periods of 225 minutes or more: lunar and
 * solar secular rates and periodics, and the resonance integrator of geosynchronous
 * (one-day) and Molniya-type (half-day) orbits. Hoots and Roehrich's Spacetrack Report
 * #3 as revised by Vallado et al. (2006), including the Lyddane choice for low
 * inclinations.
 */
import { PI, TWO_PI, X2O3, XKE } from './constants.ts';
import * as L from './layout.ts';
import { fmod2pi, sincosInPlace } from './math.ts';

const ZES = 0.01675;
const ZEL = 0.0549;
const ZNS = 1.19459e-5;
const ZNL = 1.5835218e-4;
/** Earth rotation, radians per minute. */
const RPTIM = 0.0043752690880113;

/** The coefficients one perturbing body (Sun or Moon) contributes at epoch. */
interface BodyTerms {
  s1: number; s2: number; s3: number; s4: number; s5: number; s6: number; s7: number;
  z1: number; z2: number; z3: number;
  z11: number; z12: number; z13: number;
  z21: number; z22: number; z23: number;
  z31: number; z32: number; z33: number;
}

interface Orbit {
  em: number;
  emsq: number;
  betasq: number;
  rtemsq: number;
  sinim: number;
  cosim: number;
  sinomm: number;
  cosomm: number;
  xnoi: number;
}

/** The body's orbit is given by its argument (g), inclination (i) and node (h) relative to the equator. */
function bodyTerms(o: Orbit, zcosg: number, zsing: number, zcosi: number, zsini: number, zcosh: number, zsinh: number, cc: number): BodyTerms {
  const { em, emsq, betasq, rtemsq, sinim, cosim, sinomm, cosomm, xnoi } = o;
  const a1 = zcosg * zcosh + zsing * zcosi * zsinh;
  const a3 = -zsing * zcosh + zcosg * zcosi * zsinh;
  const a7 = -zcosg * zsinh + zsing * zcosi * zcosh;
  const a8 = zsing * zsini;
  const a9 = zsing * zsinh + zcosg * zcosi * zcosh;
  const a10 = zcosg * zsini;
  const a2 = cosim * a7 + sinim * a8;
  const a4 = cosim * a9 + sinim * a10;
  const a5 = -sinim * a7 + cosim * a8;
  const a6 = -sinim * a9 + cosim * a10;
  const x1 = a1 * cosomm + a2 * sinomm;
  const x2 = a3 * cosomm + a4 * sinomm;
  const x3 = -a1 * sinomm + a2 * cosomm;
  const x4 = -a3 * sinomm + a4 * cosomm;
  const x5 = a5 * sinomm;
  const x6 = a6 * sinomm;
  const x7 = a5 * cosomm;
  const x8 = a6 * cosomm;
  const z31 = 12 * x1 * x1 - 3 * x3 * x3;
  const z32 = 24 * x1 * x2 - 6 * x3 * x4;
  const z33 = 12 * x2 * x2 - 3 * x4 * x4;
  const z1 = 3 * (a1 * a1 + a2 * a2) + z31 * emsq;
  const z2 = 6 * (a1 * a3 + a2 * a4) + z32 * emsq;
  const z3 = 3 * (a3 * a3 + a4 * a4) + z33 * emsq;
  const s3 = cc * xnoi;
  const s4 = s3 * rtemsq;
  return {
    s1: -15 * em * s4,
    s2: (-0.5 * s3) / rtemsq,
    s3,
    s4,
    s5: x1 * x3 + x2 * x4,
    s6: x2 * x3 + x1 * x4,
    s7: x2 * x4 - x1 * x3,
    z1: z1 + z1 + betasq * z31,
    z2: z2 + z2 + betasq * z32,
    z3: z3 + z3 + betasq * z33,
    z11: -6 * a1 * a5 + emsq * (-24 * x1 * x7 - 6 * x3 * x5),
    z12: -6 * (a1 * a6 + a3 * a5) + emsq * (-24 * (x2 * x7 + x1 * x8) + -6 * (x3 * x6 + x4 * x5)),
    z13: -6 * a3 * a6 + emsq * (-24 * x2 * x8 - 6 * x4 * x6),
    z21: 6 * a2 * a5 + emsq * (24 * x1 * x5 - 6 * x3 * x7),
    z22: 6 * (a4 * a5 + a2 * a6) + emsq * (24 * (x2 * x5 + x1 * x6) - 6 * (x4 * x7 + x3 * x8)),
    z23: 6 * a4 * a6 + emsq * (24 * x2 * x6 - 6 * x4 * x8),
    z31,
    z32,
    z33,
  };
}

export interface DeepSpaceEpoch {
  /** Days since 1950 January 0.0 UT. */
  epoch: number;
  ecco: number;
  inclo: number;
  nodeo: number;
  argpo: number;
  mo: number;
  /** Un-Kozai'd mean motion, radians per minute. */
  no: number;
  mdot: number;
  argpdot: number;
  nodedot: number;
  gsto: number;
}

/** dscom and dsinit of the reference: fills the deep-space coefficients of satellite i. */
export function initialiseDeepSpace(c: Float64Array, n: number, i: number, e: DeepSpaceEpoch): void {
  const set = (field: number, value: number): void => {
    c[field * n + i] = value;
  };
  const em = e.ecco;
  const emsq = em * em;
  const betasq = 1 - emsq;
  const orbit: Orbit = {
    em,
    emsq,
    betasq,
    rtemsq: Math.sqrt(betasq),
    sinim: Math.sin(e.inclo),
    cosim: Math.cos(e.inclo),
    sinomm: Math.sin(e.argpo),
    cosomm: Math.cos(e.argpo),
    xnoi: 1 / e.no,
  };
  const snodm = Math.sin(e.nodeo);
  const cnodm = Math.cos(e.nodeo);

  // The Moon's node, argument and inclination at epoch.
  const day = e.epoch + 18261.5;
  const xnodce = (4.523602 - 9.2422029e-4 * day) % TWO_PI;
  const stem = Math.sin(xnodce);
  const ctem = Math.cos(xnodce);
  const zcosil = 0.91375164 - 0.03568096 * ctem;
  const zsinil = Math.sqrt(1 - zcosil * zcosil);
  const zsinhl = (0.089683511 * stem) / zsinil;
  const zcoshl = Math.sqrt(1 - zsinhl * zsinhl);
  const gam = 5.8351514 + 0.001944368 * day;
  let zx = (0.39785416 * stem) / zsinil;
  const zy = zcoshl * ctem + 0.91744867 * zsinhl * stem;
  zx = Math.atan2(zx, zy) + (gam - xnodce);

  const sun = bodyTerms(orbit, 0.1945905, -0.98088458, 0.91744867, 0.39785416, cnodm, snodm, 2.9864797e-6);
  const moon = bodyTerms(orbit, Math.cos(zx), Math.sin(zx), zcosil, zsinil, zcoshl * cnodm + zsinhl * snodm, snodm * zcoshl - cnodm * zsinhl, 4.7968065e-7);

  set(L.ZMOL, (4.7199672 + (0.2299715 * day - gam)) % TWO_PI);
  set(L.ZMOS, (6.2565837 + 0.017201977 * day) % TWO_PI);
  set(L.SE2, 2 * sun.s1 * sun.s6);
  set(L.SE3, 2 * sun.s1 * sun.s7);
  set(L.SI2, 2 * sun.s2 * sun.z12);
  set(L.SI3, 2 * sun.s2 * (sun.z13 - sun.z11));
  set(L.SL2, -2 * sun.s3 * sun.z2);
  set(L.SL3, -2 * sun.s3 * (sun.z3 - sun.z1));
  set(L.SL4, -2 * sun.s3 * (-21 - 9 * emsq) * ZES);
  set(L.SGH2, 2 * sun.s4 * sun.z32);
  set(L.SGH3, 2 * sun.s4 * (sun.z33 - sun.z31));
  set(L.SGH4, -18 * sun.s4 * ZES);
  set(L.SH2, -2 * sun.s2 * sun.z22);
  set(L.SH3, -2 * sun.s2 * (sun.z23 - sun.z21));
  set(L.EE2, 2 * moon.s1 * moon.s6);
  set(L.E3, 2 * moon.s1 * moon.s7);
  set(L.XI2, 2 * moon.s2 * moon.z12);
  set(L.XI3, 2 * moon.s2 * (moon.z13 - moon.z11));
  set(L.XL2, -2 * moon.s3 * moon.z2);
  set(L.XL3, -2 * moon.s3 * (moon.z3 - moon.z1));
  set(L.XL4, -2 * moon.s3 * (-21 - 9 * emsq) * ZEL);
  set(L.XGH2, 2 * moon.s4 * moon.z32);
  set(L.XGH3, 2 * moon.s4 * (moon.z33 - moon.z31));
  set(L.XGH4, -18 * moon.s4 * ZEL);
  set(L.XH2, -2 * moon.s2 * moon.z22);
  set(L.XH3, -2 * moon.s2 * (moon.z23 - moon.z21));

  // Secular rates from the Sun (s) and the Moon (l).
  const { sinim, cosim } = orbit;
  const equatorial = e.inclo < 5.2359877e-2 || e.inclo > PI - 5.2359877e-2;
  const ses = sun.s1 * ZNS * sun.s5;
  const sis = sun.s2 * ZNS * (sun.z11 + sun.z13);
  const sls = -ZNS * sun.s3 * (sun.z1 + sun.z3 - 14 - 6 * emsq);
  const sghs = sun.s4 * ZNS * (sun.z31 + sun.z33 - 6);
  let shs = equatorial ? 0 : -ZNS * sun.s2 * (sun.z21 + sun.z23);
  if (sinim !== 0) shs /= sinim;
  const sgs = sghs - cosim * shs;
  const dedt = ses + moon.s1 * ZNL * moon.s5;
  const didt = sis + moon.s2 * ZNL * (moon.z11 + moon.z13);
  const dmdt = sls - ZNL * moon.s3 * (moon.z1 + moon.z3 - 14 - 6 * emsq);
  const sghl = moon.s4 * ZNL * (moon.z31 + moon.z33 - 6);
  const shll = equatorial ? 0 : -ZNL * moon.s2 * (moon.z21 + moon.z23);
  let domdt = sgs + sghl;
  let dnodt = shs;
  if (sinim !== 0) {
    domdt -= (cosim / sinim) * shll;
    dnodt += shll / sinim;
  }
  set(L.DEDT, dedt);
  set(L.DIDT, didt);
  set(L.DMDT, dmdt);
  set(L.DOMDT, domdt);
  set(L.DNODT, dnodt);

  // Resonance: one-day periods (mean motion between 0.0034906585 and 0.0052359877 rad/min)
  // and eccentric half-day periods.
  const nm = e.no;
  let irez = 0;
  if (nm < 0.0052359877 && nm > 0.0034906585) irez = 1;
  if (nm >= 8.26e-3 && nm <= 9.24e-3 && em >= 0.5) irez = 2;
  set(L.IREZ, irez);
  if (irez === 0) return;

  const theta = e.gsto % TWO_PI;
  const aonv = (nm / XKE) ** X2O3;
  let xlamo: number;
  if (irez === 2) {
    const cosisq = cosim * cosim;
    const eoc = em * emsq;
    const g201 = -0.306 - (em - 0.64) * 0.44;
    let g211: number, g310: number, g322: number, g410: number, g422: number, g520: number;
    if (em <= 0.65) {
      g211 = 3.616 - 13.247 * em + 16.29 * emsq;
      g310 = -19.302 + 117.39 * em - 228.419 * emsq + 156.591 * eoc;
      g322 = -18.9068 + 109.7927 * em - 214.6334 * emsq + 146.5816 * eoc;
      g410 = -41.122 + 242.694 * em - 471.094 * emsq + 313.953 * eoc;
      g422 = -146.407 + 841.88 * em - 1629.014 * emsq + 1083.435 * eoc;
      g520 = -532.114 + 3017.977 * em - 5740.032 * emsq + 3708.276 * eoc;
    } else {
      g211 = -72.099 + 331.819 * em - 508.738 * emsq + 266.724 * eoc;
      g310 = -346.844 + 1582.851 * em - 2415.925 * emsq + 1246.113 * eoc;
      g322 = -342.585 + 1554.908 * em - 2366.899 * emsq + 1215.972 * eoc;
      g410 = -1052.797 + 4758.686 * em - 7193.992 * emsq + 3651.957 * eoc;
      g422 = -3581.69 + 16178.11 * em - 24462.77 * emsq + 12422.52 * eoc;
      g520 = em > 0.715 ? -5149.66 + 29936.92 * em - 54087.36 * emsq + 31324.56 * eoc : 1464.74 - 4664.75 * em + 3763.64 * emsq;
    }
    let g533: number, g521: number, g532: number;
    if (em < 0.7) {
      g533 = -919.2277 + 4988.61 * em - 9064.77 * emsq + 5542.21 * eoc;
      g521 = -822.71072 + 4568.6173 * em - 8491.4146 * emsq + 5337.524 * eoc;
      g532 = -853.666 + 4690.25 * em - 8624.77 * emsq + 5341.4 * eoc;
    } else {
      g533 = -37995.78 + 161616.52 * em - 229838.2 * emsq + 109377.94 * eoc;
      g521 = -51752.104 + 218913.95 * em - 309468.16 * emsq + 146349.42 * eoc;
      g532 = -40023.88 + 170470.89 * em - 242699.48 * emsq + 115605.82 * eoc;
    }
    const sini2 = sinim * sinim;
    const f220 = 0.75 * (1 + 2 * cosim + cosisq);
    const f221 = 1.5 * sini2;
    const f321 = 1.875 * sinim * (1 - 2 * cosim - 3 * cosisq);
    const f322 = -1.875 * sinim * (1 + 2 * cosim - 3 * cosisq);
    const f441 = 35 * sini2 * f220;
    const f442 = 39.375 * sini2 * sini2;
    const f522 = 9.84375 * sinim * (sini2 * (1 - 2 * cosim - 5 * cosisq) + 0.33333333 * (-2 + 4 * cosim + 6 * cosisq));
    const f523 = sinim * (4.92187512 * sini2 * (-2 - 4 * cosim + 10 * cosisq) + 6.56250012 * (1 + 2 * cosim - 3 * cosisq));
    const f542 = 29.53125 * sinim * (2 - 8 * cosim + cosisq * (-12 + 8 * cosim + 10 * cosisq));
    const f543 = 29.53125 * sinim * (-2 - 8 * cosim + cosisq * (12 + 8 * cosim - 10 * cosisq));
    const xno2 = nm * nm;
    const ainv2 = aonv * aonv;
    let temp1 = 3 * xno2 * ainv2;
    let temp = temp1 * 1.7891679e-6;
    set(L.D2201, temp * f220 * g201);
    set(L.D2211, temp * f221 * g211);
    temp1 *= aonv;
    temp = temp1 * 3.7393792e-7;
    set(L.D3210, temp * f321 * g310);
    set(L.D3222, temp * f322 * g322);
    temp1 *= aonv;
    temp = 2 * temp1 * 7.3636953e-9;
    set(L.D4410, temp * f441 * g410);
    set(L.D4422, temp * f442 * g422);
    temp1 *= aonv;
    temp = temp1 * 1.1428639e-7;
    set(L.D5220, temp * f522 * g520);
    set(L.D5232, temp * f523 * g532);
    temp = 2 * temp1 * 2.1765803e-9;
    set(L.D5421, temp * f542 * g521);
    set(L.D5433, temp * f543 * g533);
    xlamo = (e.mo + e.nodeo + e.nodeo - (theta + theta)) % TWO_PI;
    set(L.XFACT, e.mdot + dmdt + 2 * (e.nodedot + dnodt - RPTIM) - e.no);
  } else {
    const g200 = 1 + emsq * (-2.5 + 0.8125 * emsq);
    const g310 = 1 + 2 * emsq;
    const g300 = 1 + emsq * (-6 + 6.60937 * emsq);
    const f220 = 0.75 * (1 + cosim) * (1 + cosim);
    const f311 = 0.9375 * sinim * sinim * (1 + 3 * cosim) - 0.75 * (1 + cosim);
    const f330 = 1.875 * (1 + cosim) * (1 + cosim) * (1 + cosim);
    const del1 = 3 * nm * nm * aonv * aonv;
    set(L.DEL2, 2 * del1 * f220 * g200 * 1.7891679e-6);
    set(L.DEL3, 3 * del1 * f330 * g300 * 2.2123015e-7 * aonv);
    set(L.DEL1, del1 * f311 * g310 * 2.1460748e-6 * aonv);
    xlamo = (e.mo + e.nodeo + e.argpo - theta) % TWO_PI;
    set(L.XFACT, e.mdot + (e.argpdot + e.nodedot) + dmdt + domdt + dnodt - (e.no + RPTIM));
  }
  set(L.XLAMO, xlamo);
  set(L.XLI, xlamo);
  set(L.XNI, e.no);
  set(L.ATIME, 0);
  set(L.DERIV_ATIME, Number.NaN);
}

const SC = new Float64Array(2);

// Series coefficients for sin and cos of a small angle (|d| <= 0.11 here: the first omitted
// terms, d^11/11! and d^12/12!, are below 2e-18).
const I2 = 1 / 2;
const I6 = 1 / 6;
const I12 = 1 / 12;
const I20 = 1 / 20;
const I30 = 1 / 30;
const I42 = 1 / 42;
const I56 = 1 / 56;
const I72 = 1 / 72;
const I90 = 1 / 90;

const FASX2 = 0.13130908;
const FASX4 = 2.8843198;
const FASX6 = 0.37448087;
const G22 = 5.7686396;
const G32 = 0.95240898;
const G44 = 1.8014998;
const G52 = 1.050833;
const G54 = 4.4108898;
const STEP = 720;
const STEP2 = 259200;

/**
 * Secular lunar-solar drift and, for resonant orbits, the integrated mean motion and
 * longitude at t minutes (dspace). Reads and writes mean elements in m:
 * [em, argpm, inclm, mm, nodem, nm], and reads t from m[6] (a double argument would be
 * boxed on the heap at every call).
 */
export function deepSecular(c: Float64Array, n: number, i: number, m: Float64Array): void {
  const t = m[6];
  m[0] += c[L.DEDT * n + i] * t;
  m[2] += c[L.DIDT * n + i] * t;
  m[1] += c[L.DOMDT * n + i] * t;
  m[4] += c[L.DNODT * n + i] * t;
  m[3] += c[L.DMDT * n + i] * t;
  const irez = c[L.IREZ * n + i];
  if (irez === 0) return;

  const no = c[L.NO * n + i];
  const xfact = c[L.XFACT * n + i];
  let atime = c[L.ATIME * n + i];
  let xli = c[L.XLI * n + i];
  let xni = c[L.XNI * n + i];
  if (atime === 0 || t * atime <= 0 || Math.abs(t) < Math.abs(atime)) {
    atime = 0;
    xni = no;
    xli = c[L.XLAMO * n + i];
  }
  const delt = t > 0 ? STEP : -STEP;
  let xndt: number;
  let xnddt: number;
  let xldot: number;
  let ft: number;
  for (;;) {
    if (atime === c[L.DERIV_ATIME * n + i]) {
      xndt = c[L.XNDT * n + i];
      xnddt = c[L.XNDDT * n + i];
      xldot = c[L.XLDOT * n + i];
    } else {
      if (irez !== 2) {
        const del1 = c[L.DEL1 * n + i];
        const del2 = c[L.DEL2 * n + i];
        const del3 = c[L.DEL3 * n + i];
        SC[0] = xli - FASX2;
        sincosInPlace(SC);
        const s1 = SC[0];
        const c1 = SC[1];
        SC[0] = 2 * (xli - FASX4);
        sincosInPlace(SC);
        const s2 = SC[0];
        const c2 = SC[1];
        SC[0] = 3 * (xli - FASX6);
        sincosInPlace(SC);
        xndt = del1 * s1 + del2 * s2 + del3 * SC[0];
        xldot = xni + xfact;
        xnddt = (del1 * c1 + 2 * del2 * c2 + 3 * del3 * SC[1]) * xldot;
      } else {
        const xomi = c[L.ARGPO * n + i] + c[L.ARGPDOT * n + i] * atime;
        const x2omi = xomi + xomi;
        const x2li = xli + xli;
        let sinSum = 0;
        let cosSum1 = 0;
        let cosSum2 = 0;
        SC[0] = x2omi + xli - G22;
        sincosInPlace(SC);
        sinSum += c[L.D2201 * n + i] * SC[0];
        cosSum1 += c[L.D2201 * n + i] * SC[1];
        SC[0] = xli - G22;
        sincosInPlace(SC);
        sinSum += c[L.D2211 * n + i] * SC[0];
        cosSum1 += c[L.D2211 * n + i] * SC[1];
        SC[0] = xomi + xli - G32;
        sincosInPlace(SC);
        sinSum += c[L.D3210 * n + i] * SC[0];
        cosSum1 += c[L.D3210 * n + i] * SC[1];
        SC[0] = -xomi + xli - G32;
        sincosInPlace(SC);
        sinSum += c[L.D3222 * n + i] * SC[0];
        cosSum1 += c[L.D3222 * n + i] * SC[1];
        SC[0] = x2omi + x2li - G44;
        sincosInPlace(SC);
        sinSum += c[L.D4410 * n + i] * SC[0];
        cosSum2 += c[L.D4410 * n + i] * SC[1];
        SC[0] = x2li - G44;
        sincosInPlace(SC);
        sinSum += c[L.D4422 * n + i] * SC[0];
        cosSum2 += c[L.D4422 * n + i] * SC[1];
        SC[0] = xomi + xli - G52;
        sincosInPlace(SC);
        sinSum += c[L.D5220 * n + i] * SC[0];
        cosSum1 += c[L.D5220 * n + i] * SC[1];
        SC[0] = -xomi + xli - G52;
        sincosInPlace(SC);
        sinSum += c[L.D5232 * n + i] * SC[0];
        cosSum1 += c[L.D5232 * n + i] * SC[1];
        SC[0] = xomi + x2li - G54;
        sincosInPlace(SC);
        sinSum += c[L.D5421 * n + i] * SC[0];
        cosSum2 += c[L.D5421 * n + i] * SC[1];
        SC[0] = -xomi + x2li - G54;
        sincosInPlace(SC);
        sinSum += c[L.D5433 * n + i] * SC[0];
        cosSum2 += c[L.D5433 * n + i] * SC[1];
        xndt = sinSum;
        xldot = xni + xfact;
        xnddt = (cosSum1 + 2 * cosSum2) * xldot;
      }
      c[L.DERIV_ATIME * n + i] = atime;
      c[L.XNDT * n + i] = xndt;
      c[L.XNDDT * n + i] = xnddt;
      c[L.XLDOT * n + i] = xldot;
    }
    if (Math.abs(t - atime) < STEP) {
      ft = t - atime;
      break;
    }
    xli += xldot * delt + xndt * STEP2;
    xni += xndt * delt + xnddt * STEP2;
    atime += delt;
  }
  c[L.ATIME * n + i] = atime;
  c[L.XLI * n + i] = xli;
  c[L.XNI * n + i] = xni;

  const nm = xni + xndt * ft + xnddt * ft * ft * 0.5;
  const xl = xli + xldot * ft + xndt * ft * ft * 0.5;
  const theta = fmod2pi(c[L.GSTO * n + i] + t * RPTIM);
  m[3] = irez !== 1 ? xl - 2 * m[4] + 2 * theta : xl - m[4] - m[1] + theta;
  m[5] = nm;
}

/**
 * Lunar-solar periodics at t minutes (dpper after initialisation). Reads and writes the
 * osculating elements in p: [ep, inclp, nodep, argpp, mp], adds sin and cos of inclp, and
 * reads t from p[7].
 */
export function deepPeriodics(c: Float64Array, n: number, i: number, p: Float64Array): void {
  const t = p[7];
  // zf = zm + 2 e sin(zm): its sine and cosine rotate those of zm by at most 0.11 rad.
  SC[0] = c[L.ZMOS * n + i] + ZNS * t;
  sincosInPlace(SC);
  let d = 2 * ZES * SC[0];
  let dd = d * d;
  let sd = d * (1 - dd * I6 * (1 - dd * I20 * (1 - dd * I42 * (1 - dd * I72))));
  let cd = (1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30 * (1 - dd * I56 * (1 - dd * I90)))));
  let sinzf = SC[0] * cd + SC[1] * sd;
  let f2 = 0.5 * sinzf * sinzf - 0.25;
  let f3 = -0.5 * sinzf * (SC[1] * cd - SC[0] * sd);
  const ses = c[L.SE2 * n + i] * f2 + c[L.SE3 * n + i] * f3;
  const sis = c[L.SI2 * n + i] * f2 + c[L.SI3 * n + i] * f3;
  const sls = c[L.SL2 * n + i] * f2 + c[L.SL3 * n + i] * f3 + c[L.SL4 * n + i] * sinzf;
  const sghs = c[L.SGH2 * n + i] * f2 + c[L.SGH3 * n + i] * f3 + c[L.SGH4 * n + i] * sinzf;
  const shs = c[L.SH2 * n + i] * f2 + c[L.SH3 * n + i] * f3;
  SC[0] = c[L.ZMOL * n + i] + ZNL * t;
  sincosInPlace(SC);
  d = 2 * ZEL * SC[0];
  dd = d * d;
  sd = d * (1 - dd * I6 * (1 - dd * I20 * (1 - dd * I42 * (1 - dd * I72))));
  cd = (1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30 * (1 - dd * I56 * (1 - dd * I90)))));
  sinzf = SC[0] * cd + SC[1] * sd;
  f2 = 0.5 * sinzf * sinzf - 0.25;
  f3 = -0.5 * sinzf * (SC[1] * cd - SC[0] * sd);
  const sel = c[L.EE2 * n + i] * f2 + c[L.E3 * n + i] * f3;
  const sil = c[L.XI2 * n + i] * f2 + c[L.XI3 * n + i] * f3;
  const sll = c[L.XL2 * n + i] * f2 + c[L.XL3 * n + i] * f3 + c[L.XL4 * n + i] * sinzf;
  const sghl = c[L.XGH2 * n + i] * f2 + c[L.XGH3 * n + i] * f3 + c[L.XGH4 * n + i] * sinzf;
  const shll = c[L.XH2 * n + i] * f2 + c[L.XH3 * n + i] * f3;
  const pe = ses + sel;
  const pinc = sis + sil;
  const pl = sls + sll;
  let pgh = sghs + sghl;
  let ph = shs + shll;

  const inclp = p[1] + pinc;
  p[0] += pe;
  p[1] = inclp;
  SC[0] = inclp;
  sincosInPlace(SC);
  const sinip = SC[0];
  const cosip = SC[1];
  p[5] = sinip;
  p[6] = cosip;
  if (inclp >= 0.2) {
    ph /= sinip;
    pgh -= cosip * ph;
    p[3] += pgh;
    p[2] += ph;
    p[4] += pl;
    return;
  }
  // Lyddane's modification: near-equatorial orbits are perturbed in node and argument jointly.
  let nodep = p[2];
  SC[0] = nodep;
  sincosInPlace(SC);
  const sinop = SC[0];
  const cosop = SC[1];
  const alfdp = sinip * sinop + (ph * cosop + pinc * cosip * sinop);
  const betdp = sinip * cosop + (-ph * sinop + pinc * cosip * cosop);
  nodep = fmod2pi(nodep);
  const xls = p[4] + p[3] + cosip * nodep + (pl + pgh - pinc * nodep * sinip);
  const xnoh = nodep;
  nodep = Math.atan2(alfdp, betdp);
  if (Math.abs(xnoh - nodep) > PI) nodep += nodep < xnoh ? TWO_PI : -TWO_PI;
  p[4] += pl;
  p[2] = nodep;
  p[3] = xls - p[4] - cosip * nodep;
}
