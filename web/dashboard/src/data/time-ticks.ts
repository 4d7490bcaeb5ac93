/**
 * Time-axis labels in UTC, 24-hour, as flight operations read them: seconds only when the
 * ticks are under a minute apart, and the date where it changes (and on the first tick).
 */
export function timeTickLabels(ticks: readonly number[]): string[] {
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : 60_000;
  let lastDay = '';
  return ticks.map((t) => {
    const iso = new Date(t).toISOString();
    const day = iso.slice(5, 10);
    const time = step < 60_000 ? iso.slice(11, 19) : iso.slice(11, 16);
    const newDay = day !== lastDay;
    lastDay = day;
    if (step >= 86_400_000) return day;
    return newDay ? `${day} ${time}` : time;
  });
}
