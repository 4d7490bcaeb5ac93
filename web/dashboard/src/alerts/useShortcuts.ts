/**
 * Single-key shortcuts for the whole page, and two-key ones ("g f") whose keys come within
 * a second of each other. Keys typed into a field, or pressed with a modifier, are left alone.
 */
import { useEffect, useRef } from 'react';

/** Key (or "first second") → action. */
type Shortcuts = Record<string, () => void>;

const SEQUENCE_MS = 1000;

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.matches('input, textarea, select');
}

export function useShortcuts(shortcuts: Shortcuts): void {
  const ref = useRef(shortcuts);
  useEffect(() => {
    ref.current = shortcuts;
  });

  useEffect(() => {
    let pending: { key: string; at: number } | undefined;
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      // A modal dialog handles its own keys.
      if (document.querySelector('dialog[open]')) return;
      const actions = ref.current;
      const sequence = pending && event.timeStamp - pending.at < SEQUENCE_MS ? `${pending.key} ${event.key}` : undefined;
      pending = undefined;
      const action = (sequence && actions[sequence]) || actions[event.key];
      if (action) {
        event.preventDefault();
        action();
      } else if (Object.keys(actions).some((k) => k.startsWith(`${event.key} `))) {
        pending = { key: event.key, at: event.timeStamp };
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}
