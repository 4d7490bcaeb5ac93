/** Marks the moment the page first draws a point (`orbit:first-point`), for the UI benchmark and browser tests. */
let marked = false;

export function markFirstPoint(): void {
  if (marked) return;
  marked = true;
  performance.mark('orbit:first-point');
}
