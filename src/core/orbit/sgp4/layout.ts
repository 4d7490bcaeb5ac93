/**
 * Where each per-satellite quantity lives in a batch's one Float64Array: quantity q of
 * satellite i is at q * count + i, so every quantity is a contiguous array across the
 * satellites (structure of arrays) and a batch is a single allocation.
 */
let next = 0;
const field = (): number => next++;

// Epoch and mean elements (radians, radians per minute; the mean motion is un-Kozai'd).
export const EPOCH_MS = field();
export const ECCO = field();
export const INCLO = field();
export const NODEO = field();
export const ARGPO = field();
export const MO = field();
export const NO = field();
export const BSTAR = field();
/** 1 for the deep-space theory. */
export const DEEP = field();
/** 1 for perigees below 220 km, where the higher drag terms are dropped. */
export const ISIMP = field();
/** SGP4's code at epoch (0 when the elements initialise). */
export const INIT_ERROR = field();

// Secular rates and drag coefficients.
export const MDOT = field();
export const ARGPDOT = field();
export const NODEDOT = field();
export const NODECF = field();
export const CC1 = field();
export const CC4 = field();
export const CC5 = field();
export const T2COF = field();
export const T3COF = field();
export const T4COF = field();
export const T5COF = field();
export const D2 = field();
export const D3 = field();
export const D4 = field();
export const OMGCOF = field();
export const XMCOF = field();
export const ETA = field();
export const DELMO = field();
export const SINMAO = field();

// Long- and short-period coefficients of the near-earth theory.
export const AYCOF = field();
export const XLCOF = field();
export const CON41 = field();
export const X1MTH2 = field();
export const X7THM1 = field();
export const SINIO = field();
export const COSIO = field();
/** (XKE / no)^(2/3): constant for near-earth orbits, whose mean motion has no deep-space drift. */
export const AM0 = field();

// Deep space: Greenwich sidereal angle at epoch and resonance.
export const GSTO = field();
/** 0 none, 1 one-day (geosynchronous), 2 half-day (Molniya) resonance. */
export const IREZ = field();
export const D2201 = field();
export const D2211 = field();
export const D3210 = field();
export const D3222 = field();
export const D4410 = field();
export const D4422 = field();
export const D5220 = field();
export const D5232 = field();
export const D5421 = field();
export const D5433 = field();
export const DEDT = field();
export const DIDT = field();
export const DMDT = field();
export const DNODT = field();
export const DOMDT = field();
export const DEL1 = field();
export const DEL2 = field();
export const DEL3 = field();
export const XFACT = field();
export const XLAMO = field();

// Deep space: lunar-solar periodic coefficients.
export const E3 = field();
export const EE2 = field();
export const SE2 = field();
export const SE3 = field();
export const SGH2 = field();
export const SGH3 = field();
export const SGH4 = field();
export const SH2 = field();
export const SH3 = field();
export const SI2 = field();
export const SI3 = field();
export const SL2 = field();
export const SL3 = field();
export const SL4 = field();
export const XGH2 = field();
export const XGH3 = field();
export const XGH4 = field();
export const XH2 = field();
export const XH3 = field();
export const XI2 = field();
export const XI3 = field();
export const XL2 = field();
export const XL3 = field();
export const XL4 = field();
export const ZMOL = field();
export const ZMOS = field();

// Deep space: state of the resonance integrator, kept between calls. It steps on a fixed
// 720-minute grid from epoch, so resuming from it gives the same numbers as restarting.
export const ATIME = field();
export const XLI = field();
export const XNI = field();
// The integrator's derivatives at ATIME: they change only when it steps, every 720 minutes.
export const DERIV_ATIME = field();
export const XNDT = field();
export const XNDDT = field();
export const XLDOT = field();

export const FIELD_COUNT = next;
