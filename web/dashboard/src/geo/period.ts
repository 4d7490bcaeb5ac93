/** A spacecraft's orbital period, from its element set. */
import { parseTle } from '../../../../src/core/orbit/tle.ts';

const MINUTES_PER_DAY = 1440;

/** Minutes per revolution (mean motion is on line 2, columns 53-63, in rev/day); undefined for an unreadable set. */
export function orbitalPeriodMinutes(tle: readonly [string, string]): number | undefined {
  try {
    const { meanMotionRevPerDay } = parseTle(tle[0], tle[1], { checksums: false });
    return meanMotionRevPerDay > 0 ? MINUTES_PER_DAY / meanMotionRevPerDay : undefined;
  } catch {
    return undefined;
  }
}
