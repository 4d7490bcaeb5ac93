/**
 * Constants of SGP4 as Vallado's 2006 revision uses them: the WGS-72 gravity model
 * (the one the element sets are fitted with, not WGS-84) and Earth radii as the unit
 * of distance, minutes as the unit of time.
 */

export const PI = Math.PI;
export const TWO_PI = 2 * Math.PI;
export const DEG = Math.PI / 180;

/** Equatorial radius of WGS-72, km. */
export const EARTH_RADIUS_KM = 6378.135;
/** Gravitational parameter of WGS-72, km³/s². */
export const MU = 398600.8;
/** sqrt(GM) in Earth radii^1.5 per minute. */
export const XKE = 60 / Math.sqrt((EARTH_RADIUS_KM * EARTH_RADIUS_KM * EARTH_RADIUS_KM) / MU);
/** Earth radii per minute to km/s. */
export const VKMPERSEC = (EARTH_RADIUS_KM * XKE) / 60;
export const J2 = 0.001082616;
export const J3 = -0.00000253881;
export const J4 = -0.00000165597;
export const J3OJ2 = J3 / J2;
export const X2O3 = 2 / 3;
/** Revolutions per day to radians per minute. */
export const XPDOTP = 1440 / (2 * Math.PI);

/** Periods of this many minutes or more are propagated with the deep-space (SDP4) terms. */
export const DEEP_SPACE_PERIOD_MIN = 225;

/** Days from the Julian date 2433281.5 (1950 January 0.0 UT), SGP4's epoch origin. */
export const JD_1950 = 2433281.5;

/** Error codes of the reference implementation. */
export const SGP4_OK = 0;
export const SGP4_ECCENTRICITY = 1;
export const SGP4_MEAN_MOTION = 2;
export const SGP4_PERTURBED_ECCENTRICITY = 3;
export const SGP4_SEMI_LATUS_RECTUM = 4;
export const SGP4_DECAYED = 6;
