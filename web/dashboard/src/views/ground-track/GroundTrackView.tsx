/**
 * Where the fleet is: each spacecraft's position (live from its orbit.latitude and
 * orbit.longitude channels), its track one period back (dim) and ahead (bright), and the
 * night side of the Earth. The list beside the map gives the same positions as text.
 */
import { useId, useMemo } from 'react';
import { Link, useLocation } from 'wouter';
import { worstSeverityBySpacecraft } from '../../alerts/model.ts';
import { useAlerts } from '../../alerts/store.ts';
import { nightPolygon, subsolarPoint } from '../../geo/terminator.ts';
import { formatValue } from '../../data/readings.ts';
import { useFleet } from '../../fleet/useFleet.ts';
import { useLatestReadings } from '../../fleet/useLatestReadings.ts';
import { useNow } from '../../live/useNow.ts';
import type { MapScene, Marker } from './draw.ts';
import { GroundTrackMap } from './GroundTrackMap.tsx';
import { useGroundTracks } from './useGroundTracks.ts';
import { useLand } from './useLand.ts';

/** The night side moves a quarter of a degree a minute; the tracks' present point moves with it. */
const SCENE_TICK_MS = 5000;

const degrees = (value: number, positive: string, negative: string) => `${Math.abs(value).toFixed(2)}° ${value >= 0 ? positive : negative}`;

export function GroundTrackView() {
  const { fleet, error } = useFleet();
  const spacecraft = useMemo(() => fleet?.spacecraft ?? [], [fleet]);
  const ids = useMemo(() => spacecraft.map((s) => s.id), [spacecraft]);
  const readings = useLatestReadings(ids);
  const tracks = useGroundTracks(spacecraft);
  const land = useLand();
  const now = useNow(SCENE_TICK_MS);
  const { alerts } = useAlerts();
  const health = useMemo(() => worstSeverityBySpacecraft(alerts.values()), [alerts]);
  const [, navigate] = useLocation();
  const listId = useId();

  const markers = useMemo(() => {
    const list: Marker[] = [];
    for (const s of spacecraft) {
      const lat = readings.get(s.id)?.get('orbit.latitude')?.value;
      const lon = readings.get(s.id)?.get('orbit.longitude')?.value;
      if (typeof lat === 'number' && typeof lon === 'number') list.push({ id: s.id, label: s.name, lat, lon, health: health.get(s.id) });
    }
    return list;
  }, [spacecraft, readings, health]);

  const scene = useMemo((): MapScene => {
    const sun = subsolarPoint(new Date(now));
    return { land, night: nightPolygon(sun), sun, tracks, markers, now };
  }, [land, tracks, markers, now]);

  const positions = new Map(markers.map((m) => [m.id, m]));

  return (
    <section aria-labelledby="map-heading">
      <h1 id="map-heading">Ground track</h1>
      {error && <p role="alert" className="sev-critical">Could not load the fleet: {error}</p>}
      <div className="ground-track">
        <GroundTrackMap
          scene={scene}
          label={`World map: the positions of ${markers.length} spacecraft, their ground tracks one orbit back and ahead, and the night side`}
          describedBy={listId}
          onOpen={(id) => navigate(`/spacecraft/${encodeURIComponent(id)}`)}
        />
        <div className="map-side">
          <h2>Spacecraft</h2>
          <ul id={listId} className="map-list">
            {spacecraft.map((s) => {
              const p = positions.get(s.id);
              const altitude = readings.get(s.id)?.get('orbit.altitude')?.value;
              return (
                <li key={s.id} data-spacecraft={s.id}>
                  <Link href={`/spacecraft/${encodeURIComponent(s.id)}`}>{s.name}</Link>
                  <div className="map-position">
                    {p ? `${degrees(p.lat, 'N', 'S')}, ${degrees(p.lon, 'E', 'W')}` : 'position unknown'}
                    {typeof altitude === 'number' && `, ${formatValue(altitude)} km`}
                  </div>
                  {!s.tle && <div className="muted">no TLE: position only</div>}
                </li>
              );
            })}
          </ul>
          <ul className="map-legend muted" aria-label="Legend">
            <li><span className="legend-next" aria-hidden="true" /> Next orbit</li>
            <li><span className="legend-past" aria-hidden="true" /> Past orbit</li>
            <li><span className="legend-sun" aria-hidden="true" /> Sun overhead</li>
            <li><span className="legend-night" aria-hidden="true" /> Night</li>
          </ul>
        </div>
      </div>
    </section>
  );
}
