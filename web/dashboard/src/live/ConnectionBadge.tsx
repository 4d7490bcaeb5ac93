/** The stream's state, always on screen: an operator must know whether what they see is live. */
import { useEffect, useState } from 'react';
import { useConnectionState } from './hooks.ts';
import { live } from './stream.ts';

const LABEL = { live: 'Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…' } as const;

/** Seconds since the connection was lost, counted while it is. */
function useOfflineSeconds(down: boolean): number | undefined {
  const [seconds, setSeconds] = useState<number>();
  useEffect(() => {
    if (!down) return;
    const update = () => setSeconds(live.lostAt === undefined ? undefined : Math.round((Date.now() - live.lostAt) / 1000));
    const timer = setInterval(update, 1000);
    return () => {
      clearInterval(timer);
      setSeconds(undefined);
    };
  }, [down]);
  return seconds;
}

export function ConnectionBadge() {
  const state = useConnectionState();
  const offline = useOfflineSeconds(state === 'reconnecting');
  return (
    <span className={`connection connection-${state}`} role="status" aria-live="polite" data-state={state}>
      <span className="dot" aria-hidden="true" />
      {LABEL[state]}
      {offline !== undefined && ` (offline ${offline} s)`}
    </span>
  );
}
