/** The list of keyboard shortcuts, as a modal dialog (Escape closes it, focus stays inside). */
import { useEffect, useRef } from 'react';

const SHORTCUTS: [keys: string, what: string][] = [
  ['j / k', 'Select the next / previous alert'],
  ['a', 'Acknowledge the selected alert'],
  ['s', 'Silence or unsilence the alarm'],
  ['g f', 'Go to the fleet'],
  ['g m', 'Go to the ground track'],
  ['?', 'Show this help'],
  ['Escape', 'Close this help, or the acknowledge form'],
];

export function ShortcutHelp({ open, onClose }: { open: boolean; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);

  return (
    <dialog ref={dialog} className="shortcut-help" aria-labelledby="shortcut-help-title" onClose={onClose}>
      <h2 id="shortcut-help-title">Keyboard shortcuts</h2>
      <dl>
        {SHORTCUTS.map(([keys, what]) => (
          <div key={keys}>
            <dt>{keys.split(' ').map((k, i) => (k === '/' ? ' / ' : <kbd key={i}>{k}</kbd>))}</dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <p className="muted">Shortcuts are off while typing in a field.</p>
      <button type="button" onClick={onClose} autoFocus>Close</button>
    </dialog>
  );
}
