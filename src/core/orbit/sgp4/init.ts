/**
 * Element sets to SGP4 coefficients, once per set (sgp4init and initl of the reference):
 * recovers the original mean motion from the Kozai one, derives the secular rates and
 * drag coefficients, and for deep-space orbits the lunar-solar and resonance terms.
 */
import { DEEP_SPACE_PERIOD_MIN, DEG, EARTH_RADIUS_KM, J2, J3OJ2, J4, JD_1950, TWO_PI, X2O3, XKE, XPDOTP } from './constants.ts';
import { initialiseDeepSpace } from './deep-space.ts';
import { epochJulianDate, gmst } from './earth.ts';
import * as L from './layout.ts';

/** The mean elements of a TLE in the units SGP4 starts from. */
export interface MeanElements {
  /** Full year of the epoch. */
  epochYear: number;
  /** Day of the year with fraction, 1.0 = January 1 0h UTC. */
  epochDay: number;
  eccentricity: number;
  inclinationDeg: number;
  raanDeg: number;
  argPerigeeDeg: number;
  meanAnomalyDeg: number;
  meanMotionRevPerDay: number;
  bstar: number;
}

/** The epoch as epoch-milliseconds, from the year and day fields (finer than the Julian date). */
export function epochMsOf(e: MeanElements): number {
  return Date.UTC(e.epochYear, 0, 1) + (e.epochDay - 1) * 86_400_000;
}

/** Fills the coefficients of satellite i of a batch of n whose data is c. */
export function initialise(c: Float64Array, n: number, i: number, e: MeanElements): void {
  const set = (field: number, value: number): void => {
    c[field * n + i] = value;
  };
  const ecco = e.eccentricity;
  const inclo = e.inclinationDeg * DEG;
  const nodeo = e.raanDeg * DEG;
  const argpo = e.argPerigeeDeg * DEG;
  const mo = e.meanAnomalyDeg * DEG;
  const bstar = e.bstar;
  const jd = epochJulianDate(e.epochYear, e.epochDay);
  const epoch = jd - JD_1950;

  // initl: un-Kozai the mean motion.
  const eccsq = ecco * ecco;
  const omeosq = 1 - eccsq;
  const rteosq = Math.sqrt(omeosq);
  const cosio = Math.cos(inclo);
  const cosio2 = cosio * cosio;
  const kozai = e.meanMotionRevPerDay / XPDOTP;
  const ak = (XKE / kozai) ** X2O3;
  const d1 = (0.75 * J2 * (3 * cosio2 - 1)) / (rteosq * omeosq);
  let del = d1 / (ak * ak);
  const adel = ak * (1 - del * del - del * (1 / 3 + (134 * del * del) / 81));
  del = d1 / (adel * adel);
  const no = kozai / (1 + del);
  const ao = (XKE / no) ** X2O3;
  const sinio = Math.sin(inclo);
  const po = ao * omeosq;
  const con42 = 1 - 5 * cosio2;
  const con41 = -con42 - cosio2 - cosio2;
  const posq = po * po;
  const rp = ao * (1 - ecco);
  const gsto = gmst(epoch + JD_1950);

  set(L.EPOCH_MS, epochMsOf(e));
  set(L.ECCO, ecco);
  set(L.INCLO, inclo);
  set(L.NODEO, nodeo);
  set(L.ARGPO, argpo);
  set(L.MO, mo);
  set(L.NO, no);
  set(L.BSTAR, bstar);
  set(L.CON41, con41);
  set(L.GSTO, gsto);
  set(L.SINIO, sinio);
  set(L.COSIO, cosio);
  set(L.AM0, (XKE / no) ** X2O3);

  // Perigees below 220 km drop the higher-order drag terms.
  let isimp = rp < 220 / EARTH_RADIUS_KM + 1 ? 1 : 0;
  // The atmosphere's density parameter s and (q0 - s)^4, adjusted for perigees below 156 km.
  let sfour = 78 / EARTH_RADIUS_KM + 1;
  const q0 = (120 - 78) / EARTH_RADIUS_KM;
  let qzms24 = q0 * q0 * q0 * q0;
  const perige = (rp - 1) * EARTH_RADIUS_KM;
  if (perige < 156) {
    sfour = perige < 98 ? 20 : perige - 78;
    const q = (120 - sfour) / EARTH_RADIUS_KM;
    qzms24 = q * q * q * q;
    sfour = sfour / EARTH_RADIUS_KM + 1;
  }
  const pinvsq = 1 / posq;
  const tsi = 1 / (ao - sfour);
  const eta = ao * ecco * tsi;
  const etasq = eta * eta;
  const eeta = ecco * eta;
  const psisq = Math.abs(1 - etasq);
  const coef = qzms24 * tsi ** 4;
  const coef1 = coef / psisq ** 3.5;
  const cc2 = coef1 * no * (ao * (1 + 1.5 * etasq + eeta * (4 + etasq)) + ((0.375 * J2 * tsi) / psisq) * con41 * (8 + 3 * etasq * (8 + etasq)));
  const cc1 = bstar * cc2;
  const cc3 = ecco > 1e-4 ? (-2 * coef * tsi * J3OJ2 * no * sinio) / ecco : 0;
  const x1mth2 = 1 - cosio2;
  const cc4 =
    2 *
    no *
    coef1 *
    ao *
    omeosq *
    (eta * (2 + 0.5 * etasq) +
      ecco * (0.5 + 2 * etasq) -
      ((J2 * tsi) / (ao * psisq)) *
        (-3 * con41 * (1 - 2 * eeta + etasq * (1.5 - 0.5 * eeta)) + 0.75 * x1mth2 * (2 * etasq - eeta * (1 + etasq)) * Math.cos(2 * argpo)));
  const cc5 = 2 * coef1 * ao * omeosq * (1 + 2.75 * (etasq + eeta) + eeta * etasq);
  const cosio4 = cosio2 * cosio2;
  const temp1 = 1.5 * J2 * pinvsq * no;
  const temp2 = 0.5 * temp1 * J2 * pinvsq;
  const temp3 = -0.46875 * J4 * pinvsq * pinvsq * no;
  const mdot = no + 0.5 * temp1 * rteosq * con41 + 0.0625 * temp2 * rteosq * (13 - 78 * cosio2 + 137 * cosio4);
  const argpdot = -0.5 * temp1 * con42 + 0.0625 * temp2 * (7 - 114 * cosio2 + 395 * cosio4) + temp3 * (3 - 36 * cosio2 + 49 * cosio4);
  const xhdot1 = -temp1 * cosio;
  const nodedot = xhdot1 + (0.5 * temp2 * (4 - 19 * cosio2) + 2 * temp3 * (3 - 7 * cosio2)) * cosio;
  // A divisor that vanishes at 180 degrees inclination is held at 1.5e-12.
  const xlcofDivisor = Math.abs(cosio + 1) > 1.5e-12 ? 1 + cosio : 1.5e-12;
  const delmo = 1 + eta * Math.cos(mo);

  set(L.ETA, eta);
  set(L.CC1, cc1);
  set(L.CC4, cc4);
  set(L.CC5, cc5);
  set(L.X1MTH2, x1mth2);
  set(L.MDOT, mdot);
  set(L.ARGPDOT, argpdot);
  set(L.NODEDOT, nodedot);
  set(L.OMGCOF, bstar * cc3 * Math.cos(argpo));
  set(L.XMCOF, ecco > 1e-4 ? (-X2O3 * coef * bstar) / eeta : 0);
  set(L.NODECF, 3.5 * omeosq * xhdot1 * cc1);
  set(L.T2COF, 1.5 * cc1);
  set(L.XLCOF, (-0.25 * J3OJ2 * sinio * (3 + 5 * cosio)) / xlcofDivisor);
  set(L.AYCOF, -0.5 * J3OJ2 * sinio);
  set(L.DELMO, delmo * delmo * delmo);
  set(L.SINMAO, Math.sin(mo));
  set(L.X7THM1, 7 * cosio2 - 1);

  const deep = TWO_PI / no >= DEEP_SPACE_PERIOD_MIN;
  set(L.DEEP, deep ? 1 : 0);
  if (deep) {
    isimp = 1;
    initialiseDeepSpace(c, n, i, { epoch, ecco, inclo, nodeo, argpo, mo, no, mdot, argpdot, nodedot, gsto });
  }
  set(L.ISIMP, isimp);
  if (!isimp) {
    const cc1sq = cc1 * cc1;
    const d2 = 4 * ao * tsi * cc1sq;
    const temp = (d2 * tsi * cc1) / 3;
    const d3 = (17 * ao + sfour) * temp;
    const d4 = 0.5 * temp * ao * tsi * (221 * ao + 31 * sfour) * cc1;
    set(L.D2, d2);
    set(L.D3, d3);
    set(L.D4, d4);
    set(L.T3COF, d2 + 2 * cc1sq);
    set(L.T4COF, 0.25 * (3 * d3 + cc1 * (12 * d2 + 10 * cc1sq)));
    set(L.T5COF, 0.2 * (3 * d4 + 12 * cc1 * d3 + 6 * d2 * d2 + 15 * cc1sq * (2 * d2 + cc1sq)));
  }
}
