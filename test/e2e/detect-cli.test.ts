/**
 * `orbit detect` as a child process: CSV in on stdin, CSV out on stdout, bad input named
 * by line with a non-zero exit, and a million rows streamed through without the process
 * growing with them.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { seedMission, startOrbit, tempDir } from '../support/orbit.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `orbit detect` with `input` (a string, or an iterable of chunks) on stdin. */
function detect(args: string[], input: string | Iterable<string>, onSpawn?: (pid: number) => void, env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(path.join(ROOT, 'bin/orbit'), ['detect', ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  onSpawn?.(child.pid!);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // A child that stops reading early closes stdin: that is not the test's failure.
  child.stdin.on('error', () => {});
  Readable.from(typeof input === 'string' ? [input] : input).pipe(child.stdin);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const series = (n: number, at = -1) => ['time,value', ...Array.from({ length: n }, (_, i) => `${1_700_000_000_000 + i * 60_000},${i === at ? 500 : 20 + Math.sin(i / 10)}`)].join('\n') + '\n';

describe('orbit detect', () => {
  test('writes the header and one row per input row, in order, with scores in [0, 1] and a spike flagged', async () => {
    const { code, stdout, stderr } = await detect([], series(1000, 800));
    assert.equal(code, 0, stderr);
    const lines = stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'time,score,anomaly');
    assert.equal(lines.length, 1001);
    const rows = lines.slice(1).map((l) => l.split(','));
    rows.forEach(([time, score, anomaly], i) => {
      assert.equal(Number(time), 1_700_000_000_000 + i * 60_000);
      assert.ok(Number(score) >= 0 && Number(score) <= 1, `row ${i}: ${score}`);
      assert.ok(anomaly === '0' || anomaly === '1');
    });
    assert.equal(rows[800]![2], '1', 'the spike is flagged');
    assert.deepEqual(rows.slice(200, 800).filter((r) => r[2] === '1'), [], 'nothing flagged before it');
  });

  test('takes ISO 8601 times and echoes them; --detector and --sensitivity choose the detector', async () => {
    const input = 'time,value\n2024-01-01T00:00:00Z,1\n2024-01-01T00:01:00Z,2\n2024-01-01T00:02:00.500Z,100\n';
    const { code, stdout } = await detect(['--detector', 'windowed-gaussian', '--sensitivity', '1'], input);
    assert.equal(code, 0);
    // Sensitivity 1 is threshold 0: every reading is an anomaly.
    assert.deepEqual(stdout.trimEnd().split('\n').map((l) => l.split(',')[2]), ['anomaly', '1', '1', '1']);
    assert.match(stdout, /^2024-01-01T00:02:00\.500Z,1,1$/m);
  });

  test('--spacecraft and --channel use the detector the channel configures', async () => {
    const data = await tempDir();
    try {
      const orbit = await startOrbit({ dataDir: data.dir });
      await seedMission(orbit, 'det-1', {
        temp: { type: 'number', detector: { name: 'windowed-gaussian', sensitivity: 1 } },
        volts: { type: 'number' },
      });
      await orbit.stop();
      const env = { ORBIT_DATA_DIR: data.dir, ORBIT_LOG_LEVEL: 'warn' };
      const input = series(400, 300);
      const configured = await detect(['--spacecraft', 'det-1', '--channel', 'temp'], input, undefined, env);
      assert.equal(configured.code, 0, configured.stderr);
      const explicit = await detect(['--detector', 'windowed-gaussian', '--sensitivity', '1'], input);
      assert.equal(configured.stdout, explicit.stdout, 'the same scores and flags as the configured detector named outright');
      // Sensitivity 1 flags every reading; the default flags few.
      const flagged = (out: string) => out.trimEnd().split('\n').slice(1).filter((l) => l.endsWith(',1')).length;
      assert.equal(flagged(configured.stdout), 400);
      assert.ok(flagged((await detect(['--detector', 'windowed-gaussian'], input)).stdout) < 10);
      const none = await detect(['--spacecraft', 'det-1', '--channel', 'volts'], input, undefined, env);
      assert.notEqual(none.code, 0);
      assert.match(none.stderr, /configures no detector/);
    } finally {
      await data.remove();
    }
  });

  test('a malformed row stops it with a message naming the line, and a non-zero exit', async () => {
    const { code, stderr, stdout } = await detect([], 'time,value\n1000,1\n2000,2\n3000;3\n4000,4\n');
    assert.equal(code, 1);
    assert.match(stderr, /line 4: expected two fields/);
    assert.equal(stdout, 'time,score,anomaly\n1000,0,0\n2000,0,0\n', 'the rows before the bad one are written');
    const bad = await detect([], 'time,value\n1000,abc\n');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /line 2: value "abc" is not a finite number/);
    const header = await detect([], 'timestamp,value\n1000,1\n');
    assert.equal(header.code, 1);
    assert.match(header.stderr, /line 1: expected the header "time,value"/);
  });

  test('a time going backwards stops it, naming the line', async () => {
    const { code, stderr } = await detect([], 'time,value\n2024-01-01T00:00:00Z,1\n2024-01-01T00:05:00Z,1\n2024-01-01T00:04:00Z,1\n');
    assert.equal(code, 1);
    assert.match(stderr, /line 4: time 2024-01-01T00:04:00Z is before the previous row's/);
  });

  test('refuses an unknown detector or a sensitivity outside [0, 1], and --channel without --spacecraft', async () => {
    const unknown = await detect(['--detector', 'oracle'], series(3));
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown detector "oracle"; known: context-novelty, windowed-gaussian/);
    const sensitivity = await detect(['--sensitivity', '2'], series(3));
    assert.equal(sensitivity.code, 2);
    assert.match(sensitivity.stderr, /--sensitivity must be a number from 0 to 1/);
    const half = await detect(['--channel', 'temp'], series(3));
    assert.equal(half.code, 2);
    assert.match(half.stderr, /--spacecraft and --channel together/);
  });

  test('streams a million rows without holding them: resident memory stays bounded', { timeout: 60_000 }, async () => {
    const rows = 1_000_000;
    function* chunks() {
      yield 'time,value\n';
      for (let i = 0; i < rows; i += 10_000) {
        let chunk = '';
        for (let j = i; j < i + 10_000; j++) chunk += `${j * 1000},${Math.sin(j / 50) + (j % 7) / 7}\n`;
        yield chunk;
      }
    }
    let pid = 0;
    let peakKiB = 0;
    const sampler = setInterval(() => {
      try {
        const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (rss) peakKiB = Math.max(peakKiB, Number(rss[1]));
      } catch {
        // Gone already.
      }
    }, 50);
    let outRows = 0;
    // An 80 MiB old generation holds Orbit's modules and a bounded window, not the ~25 MB of
    // input or the ~20 MB of output: a process that kept either would die of it. The cap also
    // keeps V8 from growing its heap instead of collecting when the machine is busy.
    const child = detect([], chunks(), (p) => (pid = p), { NODE_OPTIONS: '--max-old-space-size=80' });
    const { code, stdout, stderr } = await child.finally(() => clearInterval(sampler));
    assert.equal(code, 0, stderr);
    for (let k = stdout.indexOf('\n'); k >= 0; k = stdout.indexOf('\n', k + 1)) outRows++;
    assert.equal(outRows, rows + 1);
    // The input is ~25 MB and the output ~20 MB: a process holding either would show it.
    // Measured: about 200 MiB, as for ten rows (the process loads Orbit's modules).
    assert.ok(peakKiB > 0, 'RSS was sampled');
    assert.ok(peakKiB < 320 * 1024, `peak RSS ${Math.round(peakKiB / 1024)} MiB`);
  });
});
