/** Acknowledging an alert from the page: who, and optionally why. The API's refusal is shown in place. */
import { useId, useState, type FormEvent } from 'react';
import { api, ApiError, type Alert } from '../api.ts';
import { putAlert } from './store.ts';
import { useStoredState } from './useStoredState.ts';

const OPERATOR_KEY = 'orbit.dashboard.operator';

function describe(error: unknown): string {
  if (error instanceof ApiError) {
    const { title, detail } = error.problem ?? {};
    return [title, detail].filter(Boolean).join(': ') || error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function AcknowledgeForm({ alert, onDone }: { alert: Alert; onDone: () => void }) {
  const [operator, setOperator] = useStoredState(OPERATOR_KEY, '');
  const [name, setName] = useState(operator);
  const [comment, setComment] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  const id = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const by = name.trim();
    if (!by || pending) return;
    setOperator(by);
    setPending(true);
    setError(undefined);
    try {
      putAlert(await api.acknowledge(alert.id, by, comment.trim() || undefined));
      onDone();
    } catch (e) {
      setError(describe(e));
      setPending(false);
    }
  }

  return (
    <form
      className="ack-form"
      aria-label={`Acknowledge ${alert.spacecraft} ${alert.channel}`}
      onSubmit={submit}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          onDone();
        }
      }}
    >
      <label htmlFor={`${id}-name`}>Your name</label>
      <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} autoComplete="name" autoFocus={!operator} />
      <label htmlFor={`${id}-comment`}>Comment</label>
      <textarea id={`${id}-comment`} value={comment} onChange={(e) => setComment(e.target.value)} rows={2} maxLength={4000} autoFocus={!!operator} />
      {error && <p role="alert" className="ack-error">{error}</p>}
      <div className="ack-actions">
        {/* Not disabled while pending: a disabled button drops the keyboard focus. */}
        <button type="submit" className="primary" aria-busy={pending}>Acknowledge alert</button>
        <button type="button" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}
