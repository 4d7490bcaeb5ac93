/**
 * The SGP4 step (sgp4 of the reference) over a run of times for one satellite of a
 * batch: the satellite's coefficients are read once into locals, then each time costs
 * arithmetic only (on near-earth runs, rotations and short series stand in for most sines
 * and cosines) and no allocation. States go to a caller's Float64Array, six numbers each
 * (TEME km and km/s), and codes to a parallel Uint8Array.
 */
import {
  EARTH_RADIUS_KM,
  J2,
  J3OJ2,
  PI,
  SGP4_DECAYED,
  SGP4_ECCENTRICITY,
  SGP4_MEAN_MOTION,
  SGP4_OK,
  SGP4_PERTURBED_ECCENTRICITY,
  SGP4_SEMI_LATUS_RECTUM,
  VKMPERSEC,
  XKE,
} from './constants.ts';
import { deepPeriodics, deepSecular } from './deep-space.ts';
import * as L from './layout.ts';
import { fmod2pi, sincosInPlace } from './math.ts';

/** Numbers per state in an output array: x, y, z (km), vx, vy, vz (km/s). */
export const STATE_WIDTH = 6;

const SC = new Float64Array(2);
const MEAN = new Float64Array(7);
/** ep, inclp, nodep, argpp, mp, sin and cos of inclp from the lunar-solar periodics, and t. */
const OSC = new Float64Array(8);
/** sin and cos of argpp, of mp + argpp and of nodep, when the series already knows them. */
const KNOWN = new Float64Array(6);
const INV_XKE = 1 / XKE;
/** Steps between exact evaluations of the angles that the series otherwise rotates forward. */
const RESYNC = 16;

// sin and cos of a small angle d by their series (written out where used: V8 inlines by
// bytecode size, and these sit in the hot loop): rotating by d replaces an atan2 or a
// sine-cosine pair. Beyond SMALL the exact functions are used; the first omitted terms,
// d^11/11! and d^12/12!, are below 3e-19 there, and d^7/7!, d^8/8! below 2e-25 when
// |d| < 1e-3, where three terms are used.
const SMALL = 0.1;
const I6 = 1 / 6;
const I20 = 1 / 20;
const I42 = 1 / 42;
const I72 = 1 / 72;
const I2 = 1 / 2;
const I12 = 1 / 12;
const I30 = 1 / 30;
const I56 = 1 / 56;
const I90 = 1 / 90;

/**
 * Propagates satellite i (of a batch of n with coefficients c) to the times
 * start + k * step minutes from its epoch, k = 0 .. count - 1. State k goes to
 * out[o + 6k ..], its code (0, or the reference's 1-6 with NaN states) to errors[e + k].
 */
export function propagateSeries(
  c: Float64Array,
  n: number,
  i: number,
  start: number,
  step: number,
  count: number,
  out: Float64Array,
  o: number,
  errors: Uint8Array,
  e: number,
): void {
  const ecco = c[L.ECCO * n + i];
  const inclo = c[L.INCLO * n + i];
  const nodeo = c[L.NODEO * n + i];
  const argpo = c[L.ARGPO * n + i];
  const mo = c[L.MO * n + i];
  const no = c[L.NO * n + i];
  const bstar = c[L.BSTAR * n + i];
  const deep = c[L.DEEP * n + i] === 1;
  const isimp = c[L.ISIMP * n + i] === 1;
  const mdot = c[L.MDOT * n + i];
  const argpdot = c[L.ARGPDOT * n + i];
  const nodedot = c[L.NODEDOT * n + i];
  const nodecf = c[L.NODECF * n + i];
  const cc1 = c[L.CC1 * n + i];
  const bcc4 = bstar * c[L.CC4 * n + i];
  const bcc5 = bstar * c[L.CC5 * n + i];
  const t2cof = c[L.T2COF * n + i];
  const t3cof = c[L.T3COF * n + i];
  const t4cof = c[L.T4COF * n + i];
  const t5cof = c[L.T5COF * n + i];
  const d2 = c[L.D2 * n + i];
  const d3 = c[L.D3 * n + i];
  const d4 = c[L.D4 * n + i];
  const omgcof = c[L.OMGCOF * n + i];
  const xmcof = c[L.XMCOF * n + i];
  const eta = c[L.ETA * n + i];
  const delmo = c[L.DELMO * n + i];
  const sinmao = c[L.SINMAO * n + i];
  const am0 = c[L.AM0 * n + i];
  const sinio = c[L.SINIO * n + i];
  const cosio = c[L.COSIO * n + i];
  let aycof = c[L.AYCOF * n + i];
  let xlcof = c[L.XLCOF * n + i];
  let con41 = c[L.CON41 * n + i];
  let x1mth2 = c[L.X1MTH2 * n + i];
  let x7thm1 = c[L.X7THM1 * n + i];

  // On a near-earth run of times, the angles linear in time (mean anomaly, argument of
  // perigee and node before drag) advance by fixed rotations, re-evaluated exactly every
  // RESYNC steps; the remaining, small parts of each angle are added by small rotations.
  const rotating = !deep && count > 1;
  const stepM = rotating ? mdot * step : 0;
  const stepW = rotating ? argpdot * step : 0;
  const stepN = rotating ? nodedot * step : 0;
  const sinStepM = Math.sin(stepM);
  const cosStepM = Math.cos(stepM);
  const sinStepW = Math.sin(stepW);
  const cosStepW = Math.cos(stepW);
  const sinStepN = Math.sin(stepN);
  const cosStepN = Math.cos(stepN);
  let sinM = 0;
  let cosM = 1;
  let sinW = 0;
  let cosW = 1;
  let sinN = 0;
  let cosN = 1;

  for (let k = 0; k < count; k++) {
    const t = start + k * step;
    const os = o + k * STATE_WIDTH;

    // Secular gravity and drag.
    const xmdf = mo + mdot * t;
    const argpdf = argpo + argpdot * t;
    const nodedf = nodeo + nodedot * t;
    let argpm = argpdf;
    let mm = xmdf;
    const t2 = t * t;
    let nodem = nodedf + nodecf * t2;
    let tempa = 1 - cc1 * t;
    let tempe = bcc4 * t;
    let templ = t2cof * t2;
    if (rotating) {
      if (k % RESYNC === 0) {
        SC[0] = xmdf;
        sincosInPlace(SC);
        sinM = SC[0];
        cosM = SC[1];
        SC[0] = argpdf;
        sincosInPlace(SC);
        sinW = SC[0];
        cosW = SC[1];
        SC[0] = nodedf;
        sincosInPlace(SC);
        sinN = SC[0];
        cosN = SC[1];
      } else {
        let r = sinM * cosStepM + cosM * sinStepM;
        cosM = cosM * cosStepM - sinM * sinStepM;
        sinM = r;
        r = sinW * cosStepW + cosW * sinStepW;
        cosW = cosW * cosStepW - sinW * sinStepW;
        sinW = r;
        r = sinN * cosStepN + cosN * sinStepN;
        cosN = cosN * cosStepN - sinN * sinStepN;
        sinN = r;
      }
    }
    let temp = 0;
    if (!isimp) {
      const delomg = omgcof * t;
      if (rotating) {
        SC[0] = sinM;
        SC[1] = cosM;
      } else {
        SC[0] = xmdf;
        sincosInPlace(SC);
      }
      const delmtemp = 1 + eta * SC[1];
      const delm = xmcof * (delmtemp * delmtemp * delmtemp - delmo);
      temp = delomg + delm;
      mm = xmdf + temp;
      argpm = argpdf - temp;
      const t3 = t2 * t;
      const t4 = t3 * t;
      tempa = tempa - d2 * t2 - d3 * t3 - d4 * t4;
      // sin(mm) by rotating sin(xmdf) through the usually small drag term.
      let sinmm: number;
      if (Math.abs(temp) < SMALL) {
        const dd = temp * temp;
        sinmm = SC[0] * (dd < 1e-6 ? 1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30)) : 1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30 * (1 - dd * I56 * (1 - dd * I90))))) + SC[1] * temp * (dd < 1e-6 ? 1 - dd * I6 * (1 - dd * I20) : 1 - dd * I6 * (1 - dd * I20 * (1 - dd * I42 * (1 - dd * I72))));
      } else {
        SC[0] = mm;
        sincosInPlace(SC);
        sinmm = SC[0];
      }
      tempe += bcc5 * (sinmm - sinmao);
      templ = templ + t3cof * t3 + t4 * (t4cof + t * t5cof);
    }
    let nm = no;
    let em = ecco;
    let inclm = inclo;
    if (deep) {
      MEAN[0] = em;
      MEAN[1] = argpm;
      MEAN[2] = inclm;
      MEAN[3] = mm;
      MEAN[4] = nodem;
      MEAN[5] = nm;
      MEAN[6] = t;
      deepSecular(c, n, i, MEAN);
      em = MEAN[0];
      argpm = MEAN[1];
      inclm = MEAN[2];
      mm = MEAN[3];
      nodem = MEAN[4];
      nm = MEAN[5];
    }
    if (nm <= 0) {
      out.fill(Number.NaN, os, os + STATE_WIDTH);
      errors[e + k] = SGP4_MEAN_MOTION;
      continue;
    }
    // Only resonant orbits change the mean motion before this; the others keep epoch's.
    const q = XKE / nm;
    // cbrt(q^2) is pow(q, 2/3) to an ulp, at a fraction of its cost.
    const am = (nm === no ? am0 : Math.cbrt(q * q)) * tempa * tempa;
    nm = XKE / (am * Math.sqrt(am));
    em -= tempe;
    if (em >= 1 || em < -0.001) {
      out.fill(Number.NaN, os, os + STATE_WIDTH);
      errors[e + k] = SGP4_ECCENTRICITY;
      continue;
    }
    if (em < 1e-6) em = 1e-6;
    mm += no * templ;
    let xlm = mm + argpm + nodem;
    nodem = fmod2pi(nodem);
    argpm = fmod2pi(argpm);
    xlm = fmod2pi(xlm);
    mm = fmod2pi(xlm - argpm - nodem);

    // Lunar-solar periodics.
    let ep = em;
    let xincp = inclm;
    let argpp = argpm;
    let nodep = nodem;
    let mp = mm;
    let sinip = sinio;
    let cosip = cosio;
    if (deep) {
      OSC[0] = ep;
      OSC[1] = xincp;
      OSC[2] = nodep;
      OSC[3] = argpp;
      OSC[4] = mp;
      OSC[7] = t;
      deepPeriodics(c, n, i, OSC);
      ep = OSC[0];
      xincp = OSC[1];
      nodep = OSC[2];
      argpp = OSC[3];
      mp = OSC[4];
      if (xincp < 0) {
        // A negative inclination: the same orbit with node and perigee turned half a revolution.
        xincp = -xincp;
        nodep += PI;
        argpp -= PI;
      }
      if (ep < 0 || ep > 1) {
        out.fill(Number.NaN, os, os + STATE_WIDTH);
        errors[e + k] = SGP4_PERTURBED_ECCENTRICITY;
        continue;
      }
      sinip = xincp === OSC[1] ? OSC[5] : -OSC[5];
      cosip = OSC[6];
      aycof = -0.5 * J3OJ2 * sinip;
      xlcof = (-0.25 * J3OJ2 * sinip * (3 + 5 * cosip)) / (Math.abs(cosip + 1) > 1.5e-12 ? 1 + cosip : 1.5e-12);
      const cosisq = cosip * cosip;
      con41 = 3 * cosisq - 1;
      x1mth2 = 1 - cosisq;
      x7thm1 = 7 * cosisq - 1;
    }

    // argpp = argpdf - temp, mp + argpp = xmdf + argpdf + no * templ and nodep = nodedf + nodecf * t2, modulo 2 pi.
    let known = false;
    const dl = no * templ;
    const dn = nodecf * t2;
    if (rotating && Math.abs(temp) < SMALL && Math.abs(dl) < SMALL && Math.abs(dn) < SMALL) {
      let dd = temp * temp;
      let sd = -temp * (dd < 1e-6 ? 1 - dd * I6 * (1 - dd * I20) : 1 - dd * I6 * (1 - dd * I20 * (1 - dd * I42 * (1 - dd * I72))));
      let cd = (dd < 1e-6 ? 1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30)) : 1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30 * (1 - dd * I56 * (1 - dd * I90)))));
      KNOWN[0] = sinW * cd + cosW * sd;
      KNOWN[1] = cosW * cd - sinW * sd;
      const sinMW = sinM * cosW + cosM * sinW;
      const cosMW = cosM * cosW - sinM * sinW;
      dd = dl * dl;
      sd = dl * (dd < 1e-6 ? 1 - dd * I6 * (1 - dd * I20) : 1 - dd * I6 * (1 - dd * I20 * (1 - dd * I42 * (1 - dd * I72))));
      cd = (dd < 1e-6 ? 1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30)) : 1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30 * (1 - dd * I56 * (1 - dd * I90)))));
      KNOWN[2] = sinMW * cd + cosMW * sd;
      KNOWN[3] = cosMW * cd - sinMW * sd;
      dd = dn * dn;
      sd = dn * (dd < 1e-6 ? 1 - dd * I6 * (1 - dd * I20) : 1 - dd * I6 * (1 - dd * I20 * (1 - dd * I42 * (1 - dd * I72))));
      cd = (dd < 1e-6 ? 1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30)) : 1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30 * (1 - dd * I56 * (1 - dd * I90)))));
      KNOWN[4] = sinN * cd + cosN * sd;
      KNOWN[5] = cosN * cd - sinN * sd;
      known = true;
    }
    {
        // Long-period periodics.
        if (known) {
          SC[0] = KNOWN[0];
          SC[1] = KNOWN[1];
        } else {
          SC[0] = argpp;
          sincosInPlace(SC);
        }
        const axnl = ep * SC[1];
        let temp = 1 / (am * (1 - ep * ep));
        const aynl = ep * SC[0] + temp * aycof;
        const dxl = temp * xlcof * axnl;
        const xl = mp + argpp + nodep + dxl;

        // Kepler's equation, as the reference iterates it (Newton steps capped at 0.95). After
        // the first step the sine and cosine follow eo1 by rotating through the step.
        const u = fmod2pi(xl - nodep);
        let eo1 = u;
        let sineo1: number;
        let coseo1: number;
        if (known && Math.abs(dxl) < SMALL) {
          const dd = dxl * dxl;
          const sd = dxl * (dd < 1e-6 ? 1 - dd * I6 * (1 - dd * I20) : 1 - dd * I6 * (1 - dd * I20 * (1 - dd * I42 * (1 - dd * I72))));
          const cd = (dd < 1e-6 ? 1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30)) : 1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30 * (1 - dd * I56 * (1 - dd * I90)))));
          sineo1 = KNOWN[2] * cd + KNOWN[3] * sd;
          coseo1 = KNOWN[3] * cd - KNOWN[2] * sd;
        } else {
          SC[0] = eo1;
          sincosInPlace(SC);
          sineo1 = SC[0];
          coseo1 = SC[1];
        }
        for (let ktr = 1; ktr <= 10; ktr++) {
          let tem5 = (u - aynl * coseo1 + axnl * sineo1 - eo1) / (1 - coseo1 * axnl - sineo1 * aynl);
          if (Math.abs(tem5) >= 0.95) tem5 = tem5 > 0 ? 0.95 : -0.95;
          eo1 += tem5;
          // The reference's loop ends here, keeping the sine and cosine from before this last step.
          if (Math.abs(tem5) < 1e-12 || ktr === 10) break;
          const dd = tem5 * tem5;
          if (dd < 1e-8) {
            // Below 1e-4 radians two terms of each series suffice (the next are under 1e-22).
            const sd = tem5 * (1 - dd * I6);
            const cd = 1 - dd * I2 * (1 - dd * I12);
            const s = sineo1 * cd + coseo1 * sd;
            coseo1 = coseo1 * cd - sineo1 * sd;
            sineo1 = s;
          } else if (dd < SMALL * SMALL) {
            const sd = tem5 * (dd < 1e-6 ? 1 - dd * I6 * (1 - dd * I20) : 1 - dd * I6 * (1 - dd * I20 * (1 - dd * I42 * (1 - dd * I72))));
            const cd = (dd < 1e-6 ? 1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30)) : 1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30 * (1 - dd * I56 * (1 - dd * I90)))));
            const s = sineo1 * cd + coseo1 * sd;
            coseo1 = coseo1 * cd - sineo1 * sd;
            sineo1 = s;
          } else {
            SC[0] = eo1;
            sincosInPlace(SC);
            sineo1 = SC[0];
            coseo1 = SC[1];
          }
        }

        // Short-period preliminaries.
        const ecose = axnl * coseo1 + aynl * sineo1;
        const esine = axnl * sineo1 - aynl * coseo1;
        const el2 = axnl * axnl + aynl * aynl;
        const pl = am * (1 - el2);
        if (pl < 0) {
          out.fill(Number.NaN, os, os + STATE_WIDTH);
          errors[e + k] = SGP4_SEMI_LATUS_RECTUM;
          continue;
        }
        const rl = am * (1 - ecose);
        const invrl = 1 / rl;
        const rdotl = Math.sqrt(am) * esine * invrl;
        const rvdotl = Math.sqrt(pl) * invrl;
        const betal = Math.sqrt(1 - el2);
        temp = esine / (1 + betal);
        const amrl = am * invrl;
        const sinu = amrl * (sineo1 - aynl - axnl * temp);
        const cosu = amrl * (coseo1 - axnl + aynl * temp);
        const sin2u = (cosu + cosu) * sinu;
        const cos2u = 1 - 2 * sinu * sinu;
        temp = 1 / pl;
        const temp1 = 0.5 * J2 * temp;
        const temp2 = temp1 * temp;

        // Short-period periodics.
        const mrt = rl * (1 - 1.5 * temp2 * betal * con41) + 0.5 * temp1 * x1mth2 * cos2u;
        if (mrt < 1) {
          out.fill(Number.NaN, os, os + STATE_WIDTH);
          errors[e + k] = SGP4_DECAYED;
          continue;
        }
        const dsu = 0.25 * temp2 * x7thm1 * sin2u;
        const dnode = 1.5 * temp2 * cosip * sin2u;
        const dinc = 1.5 * temp2 * cosip * sinip * cos2u;
        const mvt = rdotl - nm * temp1 * x1mth2 * sin2u * INV_XKE;
        const rvdot = rvdotl + nm * temp1 * (x1mth2 * cos2u + 1.5 * con41) * INV_XKE;

        if (known && Math.abs(dnode) < SMALL) {
          const dd = dnode * dnode;
          const sd = dnode * (dd < 1e-6 ? 1 - dd * I6 * (1 - dd * I20) : 1 - dd * I6 * (1 - dd * I20 * (1 - dd * I42 * (1 - dd * I72))));
          const cd = (dd < 1e-6 ? 1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30)) : 1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30 * (1 - dd * I56 * (1 - dd * I90)))));
          SC[0] = KNOWN[4] * cd + KNOWN[5] * sd;
          SC[1] = KNOWN[5] * cd - KNOWN[4] * sd;
        } else {
          SC[0] = nodep + dnode;
          sincosInPlace(SC);
        }
        const snod = SC[0];
        const cnod = SC[1];
        // Orientation: the argument of latitude is atan2(sinu, cosu) - dsu, the inclination xincp + dinc.
        let sinsu: number;
        let cossu: number;
        if (Math.abs(dsu) < SMALL) {
          // sinu and cosu are a sine and cosine to rounding: atan2 would only drop their norm.
          const s0 = sinu;
          const c0 = cosu;
          const dd = dsu * dsu;
          const sd = dsu * (dd < 1e-6 ? 1 - dd * I6 * (1 - dd * I20) : 1 - dd * I6 * (1 - dd * I20 * (1 - dd * I42 * (1 - dd * I72))));
          const cd = (dd < 1e-6 ? 1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30)) : 1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30 * (1 - dd * I56 * (1 - dd * I90)))));
          sinsu = s0 * cd - c0 * sd;
          cossu = c0 * cd + s0 * sd;
        } else {
          SC[0] = Math.atan2(sinu, cosu) - dsu;
          sincosInPlace(SC);
          sinsu = SC[0];
          cossu = SC[1];
        }
        let sini: number;
        let cosi: number;
        if (Math.abs(dinc) < SMALL) {
          const dd = dinc * dinc;
          const sd = dinc * (dd < 1e-6 ? 1 - dd * I6 * (1 - dd * I20) : 1 - dd * I6 * (1 - dd * I20 * (1 - dd * I42 * (1 - dd * I72))));
          const cd = (dd < 1e-6 ? 1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30)) : 1 - dd * I2 * (1 - dd * I12 * (1 - dd * I30 * (1 - dd * I56 * (1 - dd * I90)))));
          sini = sinip * cd + cosip * sd;
          cosi = cosip * cd - sinip * sd;
        } else {
          SC[0] = xincp + dinc;
          sincosInPlace(SC);
          sini = SC[0];
          cosi = SC[1];
        }
        const xmx = -snod * cosi;
        const xmy = cnod * cosi;
        const ux = xmx * sinsu + cnod * cossu;
        const uy = xmy * sinsu + snod * cossu;
        const uz = sini * sinsu;
        const vx = xmx * cossu - cnod * sinsu;
        const vy = xmy * cossu - snod * sinsu;
        const vz = sini * cossu;

        out[os] = mrt * ux * EARTH_RADIUS_KM;
        out[os + 1] = mrt * uy * EARTH_RADIUS_KM;
        out[os + 2] = mrt * uz * EARTH_RADIUS_KM;
        out[os + 3] = (mvt * ux + rvdot * vx) * VKMPERSEC;
        out[os + 4] = (mvt * uy + rvdot * vy) * VKMPERSEC;
        out[os + 5] = (mvt * uz + rvdot * vz) * VKMPERSEC;
        errors[e + k] = SGP4_OK;
    }
  }
}



