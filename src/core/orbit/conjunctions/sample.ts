/**
 * A sample of a catalogue where encounters are likely, for checking the screening
 * against brute force: objects that belong in it by name first (e.g. those of the
 * conjunctions a full screening found), then whole launches, largest first, among the
 * newest (objects of one launch fly close together for weeks after deployment).
 */
import type { ElementSet } from './objects.ts';

/** COSPAR launch of a set: year and launch number, columns 10-14 of line 1. */
const launchOf = (set: ElementSet): string => set.line1.slice(9, 14).trim();

/** `first` lists satellite numbers to take first, in that order (e.g. both objects of each conjunction found). */
export function crowdedSample(sets: readonly ElementSet[], size: number, first: readonly number[] = []): ElementSet[] {
  // A catalogue may hold several sets of one object (an old one left behind): take them all,
  // since a conjunction names the object, not the set.
  const bySatnum = new Map<number, ElementSet[]>();
  for (const s of sets) {
    const satnum = Number(s.line1.slice(2, 7));
    bySatnum.set(satnum, [...(bySatnum.get(satnum) ?? []), s]);
  }
  const chosen: ElementSet[] = [];
  for (const satnum of new Set(first)) {
    const same = bySatnum.get(satnum) ?? [];
    if (chosen.length + same.length <= size) chosen.push(...same);
  }
  const taken = new Set(chosen);
  const newest = [...new Set(sets.map(launchOf).filter((l) => /^\d{5}$/.test(l)))].sort((a, b) => {
    // Two-digit years: 57-99 are 1957-1999.
    const year = (l: string): number => (Number(l.slice(0, 2)) < 57 ? 2000 : 1900) + Number(l.slice(0, 2));
    return year(b) - year(a) || Number(b.slice(2)) - Number(a.slice(2));
  })[0]?.slice(0, 2);
  const launches = new Map<string, ElementSet[]>();
  for (const s of sets) {
    const launch = launchOf(s);
    if (taken.has(s) || !launch.startsWith(newest ?? '')) continue;
    const group = launches.get(launch) ?? [];
    group.push(s);
    launches.set(launch, group);
  }
  const groups = [...launches.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  for (const [, group] of groups) {
    if (chosen.length + group.length <= size) chosen.push(...group);
  }
  for (const [, group] of groups) {
    for (const s of group) if (chosen.length < size && !chosen.includes(s)) chosen.push(s);
  }
  return chosen;
}
