/** Every channel's latest reading: value, raw when calibration changed it, age, staleness and limit state. */
import { useSyncExternalStore } from 'react';
import type { Channel } from '../../api.ts';
import { limitState } from '../../data/limits.ts';
import { formatAge, formatValue, isStale } from '../../data/readings.ts';
import { useNow } from '../../live/useNow.ts';
import type { TelemetryModel } from './telemetry-model.ts';

const STATE_CLASS = { critical: 'sev-critical', warning: 'sev-warning', nominal: 'sev-ok' } as const;

export function ValueTable({ model, channels }: { model: TelemetryModel; channels: Channel[] }) {
  useSyncExternalStore(model.subscribeLatest, () => model.latestVersion);
  const now = useNow(1000);
  return (
    <table className="sc-values">
      <caption className="visually-hidden">Latest reading of each channel</caption>
      <thead>
        <tr>
          <th scope="col">Channel</th>
          <th scope="col" className="num">Value</th>
          <th scope="col" className="num">Raw</th>
          <th scope="col">Unit</th>
          <th scope="col">Time (UTC)</th>
          <th scope="col" className="num">Age</th>
          <th scope="col">State</th>
        </tr>
      </thead>
      <tbody>
        {channels.map((c) => {
          const r = model.latest.get(c.name);
          if (!r) {
            return (
              <tr key={c.name} data-channel={c.name}>
                <th scope="row">{c.name}</th>
                <td className="num muted" colSpan={5}>no reading</td>
                <td className="muted">—</td>
              </tr>
            );
          }
          const time = Date.parse(r.time);
          const stale = isStale(time, now, c.staleAfterSeconds);
          // Only a channel with limits has a limit state to show.
          const state = typeof r.value === 'number' && c.limits ? limitState(r.value, c.limits) : undefined;
          const label = state ?? '—';
          return (
            <tr key={c.name} data-channel={c.name} data-state={stale ? 'stale' : (state ?? 'none')} className={stale ? 'stale' : undefined}>
              <th scope="row">{c.name}</th>
              <td className={`num ${state ? STATE_CLASS[state] : ''}`}>{formatValue(r.value)}</td>
              <td className="num muted">{r.raw !== r.value ? formatValue(r.raw) : ''}</td>
              <td>{c.unit ?? ''}</td>
              <td className="num">{r.time.slice(0, 10) === new Date(now).toISOString().slice(0, 10) ? r.time.slice(11, 23) : r.time.slice(0, 19).replace('T', ' ')}</td>
              <td className="num">{formatAge(now - time)}</td>
              <td className={stale ? 'stale' : state && STATE_CLASS[state]}>{stale ? `stale${state ? ` (${state})` : ''}` : label}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
