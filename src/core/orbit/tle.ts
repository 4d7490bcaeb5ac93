/**
 * Two-line element sets (NORAD/Space-Track format): checksum, validation, parsing and
 * formatting. Columns below are 1-based, as the format's documentation numbers them.
 */

export interface TleElements {
  /** NORAD catalogue number; numbers from 100000 are written in Alpha-5 (A0000 = 100000). */
  satnum: number;
  /** Carried at millisecond resolution (the format holds ~0.9 ms). */
  epoch: Date;
  inclinationDeg: number;
  raanDeg: number;
  eccentricity: number;
  argPerigeeDeg: number;
  meanAnomalyDeg: number;
  meanMotionRevPerDay: number;
  /** Drag term B* in inverse Earth radii. */
  bstar: number;
  // The remaining fields do not change an SGP4 orbit; parseTle keeps them so that
  // formatTle writes a catalogue line back as it was.
  /** 'U' unclassified (the default), 'C', 'S'. */
  classification?: string;
  /** COSPAR designator as written in the TLE, e.g. '98067A'. */
  internationalDesignator?: string;
  /** The TLE's first-derivative field: half the rate of change of mean motion, rev/day². */
  meanMotionDot?: number;
  /** The TLE's second-derivative field: a sixth of the second derivative of mean motion, rev/day³. */
  meanMotionDdot?: number;
  ephemerisType?: number;
  elementSetNumber?: number;
  revolutionNumber?: number;
}

export class TleError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid TLE: ${problems.join('; ')}`);
    this.name = 'TleError';
    this.problems = problems;
  }
}

export const TLE_LINE_LENGTH = 69;

/** Mod-10 sum of the digits of columns 1-68, where each '-' counts as 1. */
export function tleChecksum(line: string): number {
  let sum = 0;
  for (const ch of line.slice(0, 68)) {
    if (ch >= '0' && ch <= '9') sum += ch.charCodeAt(0) - 48;
    else if (ch === '-') sum += 1;
  }
  return sum % 10;
}

interface Field {
  name: string;
  /** 1-based inclusive columns. */
  from: number;
  to: number;
}

const col = (line: string, f: Field): string => line.slice(f.from - 1, f.to);
const where = (f: Field): string => (f.from === f.to ? `column ${f.from}` : `columns ${f.from}-${f.to}`);

const L1 = {
  satnum: { name: 'satellite number', from: 3, to: 7 },
  classification: { name: 'classification', from: 8, to: 8 },
  designator: { name: 'international designator', from: 10, to: 17 },
  epochYear: { name: 'epoch year', from: 19, to: 20 },
  epochDay: { name: 'epoch day', from: 21, to: 32 },
  ndot: { name: 'mean motion first derivative', from: 34, to: 43 },
  nddot: { name: 'mean motion second derivative', from: 45, to: 52 },
  bstar: { name: 'B* drag term', from: 54, to: 61 },
  ephemerisType: { name: 'ephemeris type', from: 63, to: 63 },
  elementSet: { name: 'element set number', from: 65, to: 68 },
} satisfies Record<string, Field>;

const L2 = {
  satnum: { name: 'satellite number', from: 3, to: 7 },
  inclination: { name: 'inclination', from: 9, to: 16 },
  raan: { name: 'right ascension of the ascending node', from: 18, to: 25 },
  eccentricity: { name: 'eccentricity', from: 27, to: 33 },
  argPerigee: { name: 'argument of perigee', from: 35, to: 42 },
  meanAnomaly: { name: 'mean anomaly', from: 44, to: 51 },
  meanMotion: { name: 'mean motion', from: 53, to: 63 },
  revolution: { name: 'revolution number', from: 64, to: 68 },
} satisfies Record<string, Field>;

// Columns that separate fields; a character there means the fields are shifted.
const L1_BLANKS = [2, 9, 18, 33, 44, 53, 62, 64];
const L2_BLANKS = [2, 8, 17, 26, 34, 43, 52];

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;
// Implied leading decimal point and a power-of-ten exponent: ' 12345-4' = 0.12345e-4.
const EXPONENT = /^([ +-]?)(\d{5})([ +-])(\d)$/;
const ALPHA5 = 'ABCDEFGHJKLMNPQRSTUVWXYZ';

function parseSatnum(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (/^[A-HJ-NP-Z]\d{4}$/.test(t)) return (ALPHA5.indexOf(t[0]) + 10) * 10000 + Number(t.slice(1));
  return undefined;
}

function parseDecimal(text: string): number | undefined {
  const t = text.trim();
  // '-.00000000' appears in catalogues; -0 would format back with its sign.
  return DECIMAL.test(t) ? Number(t) + 0 : undefined;
}

function parseExponent(text: string): number | undefined {
  const m = EXPONENT.exec(text.trimStart().padStart(8));
  if (!m) return undefined;
  const value = Number(`0.${m[2]}e${m[3] === '-' ? '-' : ''}${m[4]}`);
  return m[1] === '-' && value !== 0 ? -value : value;
}

const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
/** Two-digit TLE years: 57-99 are 1957-1999, 00-56 are 2000-2056. */
const fullYear = (yy: number): number => (yy < 57 ? 2000 + yy : 1900 + yy);

export interface ValidateOptions {
  /**
   * Check column 69 against the computed checksum (default true). SGP4 itself ignores
   * checksums, so a propagator may accept sets whose checksums were altered on purpose.
   */
  checksums?: boolean;
}

/** Every problem found, as a sentence naming the line and columns; empty when valid. Trailing whitespace is ignored. */
export function validateTle(line1: string, line2: string, options: ValidateOptions = {}): string[] {
  const checksums = options.checksums ?? true;
  const problems: string[] = [];
  const lines = [line1.trimEnd(), line2.trimEnd()] as const;
  const wellFormed = [false, false];

  lines.forEach((line, i) => {
    const n = i + 1;
    // Past a wrong line number or length, column-by-column complaints would be noise.
    let readable = true;
    if (line[0] !== String(n)) {
      problems.push(`line ${n} must start with '${n}' (found ${JSON.stringify(line.slice(0, 1))})`);
      readable = false;
    }
    if (line.length !== TLE_LINE_LENGTH) {
      problems.push(`line ${n} is ${line.length} characters long; a TLE line has ${TLE_LINE_LENGTH}`);
      readable = false;
    }
    if (!readable) return;
    wellFormed[i] = true;
    for (const c of i === 0 ? L1_BLANKS : L2_BLANKS) {
      if (line[c - 1] !== ' ') problems.push(`line ${n} column ${c} must be a space (found '${line[c - 1]}'); the fields may be shifted`);
    }
    if (checksums) {
      const found = line[68];
      const expected = tleChecksum(line);
      if (!/\d/.test(found)) problems.push(`line ${n} checksum (column 69) must be a digit, found '${found}' (expected ${expected})`);
      else if (Number(found) !== expected) problems.push(`line ${n} checksum (column 69) is wrong: expected ${expected}, found ${found}`);
    }
  });

  const bad = (n: number, f: Field, line: string, what: string): void => {
    problems.push(`line ${n} ${f.name} (${where(f)}) ${JSON.stringify(col(line, f))} ${what}`);
  };
  const satnums: (number | undefined)[] = [undefined, undefined];

  if (wellFormed[0]) {
    const l = lines[0];
    satnums[0] = parseSatnum(col(l, L1.satnum));
    if (satnums[0] === undefined) bad(1, L1.satnum, l, 'is not a catalogue number');
    if (!/^[A-Z ]$/.test(col(l, L1.classification))) bad(1, L1.classification, l, 'must be a letter such as U');
    const yy = col(l, L1.epochYear);
    const day = parseDecimal(col(l, L1.epochDay));
    if (!/^\d\d$/.test(yy)) bad(1, L1.epochYear, l, 'must be two digits');
    if (day === undefined) bad(1, L1.epochDay, l, 'is not a number');
    else if (/^\d\d$/.test(yy)) {
      const limit = isLeap(fullYear(Number(yy))) ? 367 : 366;
      if (day < 1 || day >= limit) bad(1, L1.epochDay, l, `must be a day of the year from 1 to below ${limit}`);
    }
    if (parseDecimal(col(l, L1.ndot)) === undefined) bad(1, L1.ndot, l, 'is not a number');
    if (parseExponent(col(l, L1.nddot)) === undefined) bad(1, L1.nddot, l, "is not an exponent field like ' 12345-4'");
    if (parseExponent(col(l, L1.bstar)) === undefined) bad(1, L1.bstar, l, "is not an exponent field like ' 12345-4'");
    if (!/^[ \d]$/.test(col(l, L1.ephemerisType))) bad(1, L1.ephemerisType, l, 'must be a digit');
    if (!/^ *\d*$/.test(col(l, L1.elementSet))) bad(1, L1.elementSet, l, 'must be digits');
  }

  if (wellFormed[1]) {
    const l = lines[1];
    satnums[1] = parseSatnum(col(l, L2.satnum));
    if (satnums[1] === undefined) bad(2, L2.satnum, l, 'is not a catalogue number');
    const angle = (f: Field, max: number): void => {
      const v = parseDecimal(col(l, f));
      if (v === undefined) bad(2, f, l, 'is not a number');
      else if (v < 0 || v > max) bad(2, f, l, `must be between 0 and ${max} degrees`);
    };
    angle(L2.inclination, 180);
    angle(L2.raan, 360);
    angle(L2.argPerigee, 360);
    angle(L2.meanAnomaly, 360);
    // Seven digits after an implied decimal point can only be in [0, 1); a sign or a point is the error.
    if (!/^\d{7}$/.test(col(l, L2.eccentricity))) bad(2, L2.eccentricity, l, 'must be 7 digits after an implied decimal point (0 <= e < 1)');
    const n = parseDecimal(col(l, L2.meanMotion));
    if (n === undefined) bad(2, L2.meanMotion, l, 'is not a number');
    else if (n <= 0) bad(2, L2.meanMotion, l, 'must be greater than 0 revolutions per day');
    if (!/^ *\d*$/.test(col(l, L2.revolution))) bad(2, L2.revolution, l, 'must be digits');
  }

  if (satnums[0] !== undefined && satnums[1] !== undefined && satnums[0] !== satnums[1]) {
    problems.push(`satellite numbers differ: line 1 has ${satnums[0]}, line 2 has ${satnums[1]}`);
  }
  return problems;
}

function epochFromFields(yy: string, day: number): Date {
  const year = fullYear(Number(yy));
  return new Date(Math.round(Date.UTC(year, 0, 1) + (day - 1) * 86_400_000));
}

/** The elements of a valid set; throws TleError listing every problem otherwise. */
export function parseTle(line1: string, line2: string, options: ValidateOptions = {}): TleElements {
  const problems = validateTle(line1, line2, options);
  if (problems.length) throw new TleError(problems);
  const l1 = line1.trimEnd();
  const l2 = line2.trimEnd();
  const num = (line: string, f: Field): number => parseDecimal(col(line, f)) as number;
  const optionalInt = (line: string, f: Field): number | undefined => (col(line, f).trim() ? Number(col(line, f)) : undefined);
  return {
    satnum: parseSatnum(col(l1, L1.satnum)) as number,
    epoch: epochFromFields(col(l1, L1.epochYear), num(l1, L1.epochDay)),
    inclinationDeg: num(l2, L2.inclination),
    raanDeg: num(l2, L2.raan),
    eccentricity: Number(`0.${col(l2, L2.eccentricity)}`),
    argPerigeeDeg: num(l2, L2.argPerigee),
    meanAnomalyDeg: num(l2, L2.meanAnomaly),
    meanMotionRevPerDay: num(l2, L2.meanMotion),
    bstar: parseExponent(col(l1, L1.bstar)) as number,
    classification: col(l1, L1.classification).trim() || undefined,
    internationalDesignator: col(l1, L1.designator).trim() || undefined,
    meanMotionDot: num(l1, L1.ndot),
    meanMotionDdot: parseExponent(col(l1, L1.nddot)) as number,
    ephemerisType: optionalInt(l1, L1.ephemerisType),
    elementSetNumber: optionalInt(l1, L1.elementSet),
    revolutionNumber: optionalInt(l2, L2.revolution),
  };
}

function fail(message: string): never {
  throw new RangeError(`cannot format TLE: ${message}`);
}

function fixed(value: number, width: number, decimals: number, what: string): string {
  if (!Number.isFinite(value)) fail(`${what} ${value} is not a finite number`);
  const text = value.toFixed(decimals).padStart(width);
  if (text.length > width) fail(`${what} ${value} does not fit in ${width} columns`);
  return text;
}

/** Degrees in [0, 360) at the four decimals the format keeps. */
function angle(value: number, what: string): string {
  if (!Number.isFinite(value)) fail(`${what} ${value} is not a finite number`);
  let rounded = Math.round((((value % 360) + 360) % 360) * 1e4) / 1e4;
  if (rounded >= 360) rounded -= 360;
  return fixed(rounded, 8, 4, what);
}

/** ' 12345-4' for 0.12345e-4: sign, five mantissa digits after an implied point, signed exponent digit. */
function exponentField(value: number, what: string): string {
  if (!Number.isFinite(value)) fail(`${what} ${value} is not a finite number`);
  const sign = value < 0 ? '-' : ' ';
  const magnitude = Math.abs(value);
  if (magnitude === 0) return ' 00000-0';
  const [digits, exp] = magnitude.toExponential(4).split('e');
  const exponent = Number(exp) + 1;
  if (exponent < -9) return ' 00000-0';
  if (exponent > 9) fail(`${what} ${value} is too large for the exponent field`);
  return `${sign}${digits.replace('.', '')}${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
}

/** ' .00012345': sign and eight decimals, the leading zero dropped. */
function ndotField(value: number): string {
  const text = Math.abs(value).toFixed(8);
  if (!text.startsWith('0.')) fail(`mean motion first derivative ${value} must be between -1 and 1`);
  return (value < 0 ? '-' : ' ') + text.slice(1);
}

function satnumField(satnum: number): string {
  if (!Number.isInteger(satnum) || satnum < 0 || satnum > 339_999) fail(`satellite number ${satnum} must be an integer from 0 to 339999`);
  if (satnum < 100_000) return String(satnum).padStart(5, '0');
  return ALPHA5[Math.floor(satnum / 10_000) - 10] + String(satnum % 10_000).padStart(4, '0');
}

/** Columns 19-32: two-digit year and day of the year with eight decimals. */
function epochField(epoch: Date): string {
  const ms = epoch.getTime();
  if (!Number.isFinite(ms)) fail('epoch is not a valid date');
  const year = epoch.getUTCFullYear();
  if (year < 1957 || year > 2056) fail(`epoch year ${year} is outside 1957-2056, the years a TLE can express`);
  const day = (ms - Date.UTC(year, 0, 1)) / 86_400_000 + 1;
  return String(year % 100).padStart(2, '0') + day.toFixed(8).padStart(12, '0');
}

function withChecksum(line: string): string {
  return line + String(tleChecksum(line));
}

/** Two valid lines for the elements; throws RangeError when a value cannot be expressed. */
export function formatTle(elements: TleElements): [string, string] {
  const e = elements;
  const satnum = satnumField(e.satnum);
  if (!(e.eccentricity >= 0 && e.eccentricity < 1)) fail(`eccentricity ${e.eccentricity} must be in [0, 1)`);
  const ecc = Math.round(e.eccentricity * 1e7);
  if (ecc >= 1e7) fail(`eccentricity ${e.eccentricity} rounds to 1`);
  if (!(e.inclinationDeg >= 0 && e.inclinationDeg <= 180)) fail(`inclination ${e.inclinationDeg} must be between 0 and 180 degrees`);
  if (!(e.meanMotionRevPerDay > 0)) fail(`mean motion ${e.meanMotionRevPerDay} must be greater than 0`);
  const ndot = e.meanMotionDot ?? 0;
  const classification = (e.classification ?? 'U').slice(0, 1).toUpperCase();
  if (!/^[A-Z]$/.test(classification)) fail(`classification ${JSON.stringify(e.classification)} must be a letter`);

  const line1 = [
    '1 ',
    satnum,
    classification,
    ' ',
    (e.internationalDesignator ?? '').slice(0, 8).padEnd(8),
    ' ',
    epochField(e.epoch),
    ' ',
    ndotField(ndot),
    ' ',
    exponentField(e.meanMotionDdot ?? 0, 'mean motion second derivative'),
    ' ',
    exponentField(e.bstar, 'B*'),
    ' ',
    String((e.ephemerisType ?? 0) % 10),
    ' ',
    String((e.elementSetNumber ?? 999) % 10_000).padStart(4),
  ].join('');
  const line2 = [
    '2 ',
    satnum,
    ' ',
    fixed(e.inclinationDeg, 8, 4, 'inclination'),
    ' ',
    angle(e.raanDeg, 'right ascension of the ascending node'),
    ' ',
    String(ecc).padStart(7, '0'),
    ' ',
    angle(e.argPerigeeDeg, 'argument of perigee'),
    ' ',
    angle(e.meanAnomalyDeg, 'mean anomaly'),
    ' ',
    fixed(e.meanMotionRevPerDay, 11, 8, 'mean motion'),
    String((e.revolutionNumber ?? 0) % 100_000).padStart(5),
  ].join('');
  return [withChecksum(line1), withChecksum(line2)];
}

/**
 * The same mean elements declared at another epoch: only line 1's epoch columns (and
 * its checksum) change, so every other field is kept exactly. Lets a historical
 * catalogue object fly "now" with its real orbit shape.
 */
export function reEpochTle(line1: string, line2: string, epoch: Date): [string, string] {
  const problems = validateTle(line1, line2);
  if (problems.length) throw new TleError(problems);
  const l1 = line1.trimEnd();
  const moved = l1.slice(0, L1.epochYear.from - 1) + epochField(epoch) + l1.slice(L1.epochDay.to, 68);
  return [withChecksum(moved), line2.trimEnd()];
}

/**
 * Splits a TLE file (two- or three-line format, optional byte-order mark, any line
 * endings) into element sets. Lines that are neither '1 ', '2 ' nor a name are ignored.
 */
export function splitTleText(text: string): { name?: string; line1: string; line2: string }[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trimEnd());
  const sets: { name?: string; line1: string; line2: string }[] = [];
  let name: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('1 ') && lines[i + 1]?.startsWith('2 ')) {
      sets.push({ ...(name ? { name } : {}), line1: line, line2: lines[i + 1] });
      name = undefined;
      i++;
    } else if (line && !line.startsWith('#')) {
      name = line.replace(/^0 /, '').trim();
    }
  }
  return sets;
}
