/**
 * Summarises a V8 CPU profile (from `npm run bench -- --cpu-prof DIR`): self time by
 * package or source file, then by function.
 *
 *   node bench/profile-summary.ts DIR
 */
import { readFileSync, readdirSync } from 'node:fs';
const dir = process.argv[2]!;
const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => `${dir}/${f}`)[0]!;
const prof = JSON.parse(readFileSync(file, 'utf8'));
const self = new Map<number, number>();
const dt = prof.timeDeltas as number[];
prof.samples.forEach((id: number, i: number) => self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0)));
const byFn = new Map<string, number>();
let total = 0;
for (const n of prof.nodes) {
  const t = self.get(n.id) ?? 0; total += t;
  const cf = n.callFrame;
  const key = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*node_modules\//, 'nm/').replace(/.*\/work\/main\//, '')}:${cf.lineNumber}`;
  byFn.set(key, (byFn.get(key) ?? 0) + t);
}
const byFile = new Map<string, number>();
for (const n of prof.nodes) {
  const t = self.get(n.id) ?? 0;
  const url = n.callFrame.url.replace(/.*node_modules\//, 'nm/').replace(/.*\/work\/main\//, '').replace(/^(nm\/(@[^/]+\/)?[^/]+).*/, '$1') || n.callFrame.functionName;
  byFile.set(url, (byFile.get(url) ?? 0) + t);
}
console.log('total s', total / 1e6);
for (const [k, v] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log((v / total * 100).toFixed(1).padStart(5), k);
console.log('---');
for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log((v / total * 100).toFixed(1).padStart(5), k);
