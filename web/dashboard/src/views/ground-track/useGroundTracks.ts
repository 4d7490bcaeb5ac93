/**
 * Each spacecraft's ground track from one orbital period ago to one ahead, computed by the
 * compute API (orbit.propagate jobs) and recomputed every few minutes, so the track ahead
 * never runs out. Spacecraft without a usable TLE get none.
 */
import { useEffect, useState } from 'react';
import { api, type Spacecraft } from '../../api.ts';
import type { Static } from 'typebox';
import type { PropagationSample } from '../../../../../src/components/compute/schemas.ts';
import { orbitalPeriodMinutes } from '../../geo/period.ts';
import type { TrackSample } from '../../geo/track.ts';

const REFRESH_MS = 5 * 60_000;
const POLL_MS = 1000;
/** Enough for a smooth curve at any period; a 95-minute orbit gets a sample every 30 s. */
const SAMPLES_PER_TRACK = 400;
const MIN_STEP_SECONDS = 30;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });

async function propagate(spacecraft: string, periodMinutes: number, signal: AbortSignal): Promise<TrackSample[]> {
  const now = Date.now();
  const halfMs = periodMinutes * 60_000;
  const stepSeconds = Math.max(MIN_STEP_SECONDS, Math.ceil((2 * halfMs) / 1000 / SAMPLES_PER_TRACK));
  const { id } = await api.submitJob('orbit.propagate', {
    spacecraft,
    from: new Date(now - halfMs).toISOString(),
    to: new Date(now + halfMs).toISOString(),
    stepSeconds,
  });
  for (;;) {
    await sleep(POLL_MS, signal);
    const job = await api.job(id, signal);
    if (job.state === 'failed' || job.state === 'cancelled') throw new Error(job.error ?? `propagation ${job.state}`);
    if (job.state === 'succeeded') {
      // At most SAMPLES_PER_TRACK + 1 samples: one page.
      const { rows } = await api.jobResult<Static<typeof PropagationSample>>(id, SAMPLES_PER_TRACK + 1, signal);
      return rows.map((s) => ({ time: Date.parse(s.time), lat: s.latitudeDeg, lon: s.longitudeDeg }));
    }
  }
}

/** Spacecraft id → its track, for those computed so far. */
export function useGroundTracks(spacecraft: readonly Spacecraft[]): ReadonlyMap<string, TrackSample[]> {
  const [tracks, setTracks] = useState<ReadonlyMap<string, TrackSample[]>>(() => new Map());

  useEffect(() => {
    const controller = new AbortController();
    const refresh = () => {
      for (const s of spacecraft) {
        const period = s.tle && orbitalPeriodMinutes(s.tle);
        if (!period) continue;
        propagate(s.id, period, controller.signal).then(
          (track) => setTracks((t) => new Map(t).set(s.id, track)),
          () => {}, // The previous track, if any, stays until the next refresh succeeds.
        );
      }
    };
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, [spacecraft]);

  return tracks;
}
