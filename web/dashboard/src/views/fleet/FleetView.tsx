/** Every spacecraft on one screen: health, how fresh its data is, and its key channels. */
import { memo, useId, useMemo } from 'react';
import { Link, useSearchParams } from 'wouter';
import type { Channel, Severity, Spacecraft } from '../../api.ts';
import { worstSeverityBySpacecraft } from '../../alerts/model.ts';
import { useAlerts } from '../../alerts/store.ts';
import { limitState } from '../../data/limits.ts';
import { formatAge, formatValue } from '../../data/readings.ts';
import { useFleet } from '../../fleet/useFleet.ts';
import { useLatestReadings, type ChannelReadings } from '../../fleet/useLatestReadings.ts';
import { useNow } from '../../live/useNow.ts';
import { keyChannels, staleAfterMs } from './keyChannels.ts';

const HEALTH_LABEL = { critical: 'Critical', warning: 'Warning', ok: 'Nominal' } as const;

function HealthBadge({ severity }: { severity: Severity | undefined }) {
  const health = severity ?? 'ok';
  return <span className={`health health-${health}`}><span aria-hidden="true">{health === 'ok' ? '●' : '▲'}</span> {HEALTH_LABEL[health]}</span>;
}

function lastReadingTime(readings: ChannelReadings | undefined): number | undefined {
  if (!readings?.size) return undefined;
  let latest = '';
  for (const r of readings.values()) if (r.time > latest) latest = r.time;
  return Date.parse(latest);
}

interface RowProps {
  spacecraft: Spacecraft;
  missionName: string;
  channels: Channel[];
  readings: ChannelReadings | undefined;
  health: Severity | undefined;
  now: number;
}

const FleetRow = memo(function FleetRow({ spacecraft, missionName, channels, readings, health, now }: RowProps) {
  const key = useMemo(() => keyChannels(channels), [channels]);
  const staleMs = useMemo(() => staleAfterMs(channels), [channels]);
  const last = lastReadingTime(readings);
  const age = last === undefined ? undefined : now - last;
  const stale = age !== undefined && staleMs !== undefined && age > staleMs;
  return (
    <tr data-spacecraft={spacecraft.id} data-health={health ?? 'ok'}>
      <th scope="row">
        <Link href={`/spacecraft/${encodeURIComponent(spacecraft.id)}`}>{spacecraft.name}</Link>
        <div className="muted fleet-id">{spacecraft.id}</div>
      </th>
      <td>{missionName}</td>
      <td><HealthBadge severity={health} /></td>
      <td className={`num${stale ? ' stale' : ''}`} data-stale={stale}>
        {age === undefined ? <span className="muted">no data</span> : <>{formatAge(age)}{stale && <span className="visually-hidden"> (stale)</span>}</>}
      </td>
      <td>
        <ul className="key-channels">
          {key.map((channel) => {
            const reading = readings?.get(channel.name);
            const state = reading && typeof reading.value === 'number' ? limitState(reading.value, channel.limits) : undefined;
            return (
              <li key={channel.name}>
                <span className="muted">{channel.name}</span>{' '}
                <span className={`value${state ? ` limit-${state}` : ''}`}>
                  {reading ? `${formatValue(reading.value)}${channel.unit ? ` ${channel.unit}` : ''}` : '–'}
                </span>
              </li>
            );
          })}
        </ul>
      </td>
    </tr>
  );
});

export function FleetView() {
  const { fleet, error } = useFleet();
  const [params, setParams] = useSearchParams();
  const mission = params.get('mission') ?? '';
  const missionSelectId = useId();
  const now = useNow();
  const { alerts } = useAlerts();
  const health = useMemo(() => worstSeverityBySpacecraft(alerts.values()), [alerts]);

  const shown = useMemo(() => (fleet?.spacecraft ?? []).filter((s) => !mission || s.missionId === mission), [fleet, mission]);
  const ids = useMemo(() => shown.map((s) => s.id), [shown]);
  const readings = useLatestReadings(ids);
  const missionNames = useMemo(() => new Map(fleet?.missions.map((m) => [m.id, m.name])), [fleet]);

  return (
    <section aria-labelledby="fleet-heading">
      <div className="view-head">
        <h1 id="fleet-heading">Fleet</h1>
        <label htmlFor={missionSelectId}>Mission</label>
        <select
          id={missionSelectId}
          value={mission}
          onChange={(e) => setParams(e.target.value ? { mission: e.target.value } : {})}
        >
          <option value="">All missions</option>
          {fleet?.missions.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
        </select>
        <span className="muted" aria-live="polite">{fleet ? `${shown.length} spacecraft` : ''}</span>
      </div>
      {error && <p role="alert" className="sev-critical">Could not load the fleet: {error}</p>}
      {!fleet && !error && <p className="muted">Loading…</p>}
      {fleet && (
        <table className="fleet">
          <thead>
            <tr>
              <th scope="col">Spacecraft</th>
              <th scope="col">Mission</th>
              <th scope="col">Health</th>
              <th scope="col" className="num">Last reading</th>
              <th scope="col">Key channels</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((s) => (
              <FleetRow
                key={s.id}
                spacecraft={s}
                missionName={missionNames.get(s.missionId) ?? s.missionId}
                channels={fleet.channels.get(s.id) ?? []}
                readings={readings.get(s.id)}
                health={health.get(s.id)}
                now={now}
              />
            ))}
          </tbody>
        </table>
      )}
      {fleet && shown.length === 0 && <p className="muted">No spacecraft{mission ? ' in this mission' : ''}.</p>}
    </section>
  );
}
