/** One alert: what, where, how far past its limit, since when; and acknowledging it. */
import { useId } from 'react';
import type { Alert } from '../api.ts';
import { formatAge, formatValue } from '../data/readings.ts';
import { AcknowledgeForm } from './AcknowledgeForm.tsx';
import { ACKNOWLEDGEABLE } from './model.ts';

const STATE_LABEL: Record<Alert['state'], string> = {
  open: 'Open',
  'rtn-unacknowledged': 'Back to normal, unacknowledged',
  acknowledged: 'Acknowledged',
  shelved: 'Shelved',
  resolved: 'Resolved',
};

function Reading({ alert }: { alert: Alert }) {
  if (alert.rule === 'anomaly' && alert.score !== undefined && alert.threshold !== null) {
    return <>score {formatValue(alert.score)} vs {formatValue(alert.threshold)}</>;
  }
  if (alert.value === null) return null;
  return <>{formatValue(alert.value)}{alert.threshold !== null && <> vs limit {formatValue(alert.threshold)}</>}</>;
}

/** Who put the alert in its state, when a person did. */
const byWhom = (alert: Alert) => (alert.state === 'acknowledged' ? alert.acknowledgedBy : alert.state === 'shelved' ? alert.shelvedBy : undefined);

/** The moment the row's age counts from: when it was resolved, for a resolved alert. */
const since = (alert: Alert) => Date.parse(alert.state === 'resolved' ? (alert.resolvedAt ?? alert.updatedAt) : alert.openedAt);

interface Props {
  alert: Alert;
  now: number;
  selected: boolean;
  acknowledging: boolean;
  onSelect: () => void;
  onAcknowledge: () => void;
  onAcknowledgeDone: () => void;
}

export function AlertRow({ alert, now, selected, acknowledging, onSelect, onAcknowledge, onAcknowledgeDone }: Props) {
  const titleId = useId();
  const canAcknowledge = ACKNOWLEDGEABLE.has(alert.state);
  return (
    <li
      tabIndex={-1}
      className={`alert-row alert-${alert.severity}${selected ? ' selected' : ''}`}
      data-alert-id={alert.id}
      data-state={alert.state}
      data-severity={alert.severity}
      aria-labelledby={titleId}
      onFocus={onSelect}
    >
      <div className="alert-head" id={titleId}>
        <span className={`severity severity-${alert.severity}`}>{alert.severity === 'critical' ? 'Critical' : 'Warning'}</span>{' '}
        <span className="alert-where">{alert.spacecraft} · {alert.channel}</span>
      </div>
      <div className="alert-message">{alert.message}</div>
      <div className="alert-meta">
        <span className="alert-reading"><Reading alert={alert} /></span>
        <span className="muted">
          {alert.state !== 'open' && `${STATE_LABEL[alert.state]}${byWhom(alert) ? ` by ${byWhom(alert)}` : ''} · `}
          {formatAge(now - since(alert))} ago
        </span>
      </div>
      {canAcknowledge && !acknowledging && (
        <button type="button" className="ack-button" onClick={onAcknowledge} aria-describedby={titleId}>Acknowledge</button>
      )}
      {acknowledging && <AcknowledgeForm alert={alert} onDone={onAcknowledgeDone} />}
    </li>
  );
}
