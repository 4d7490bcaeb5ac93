import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobSummary } from '../../src/components/compute/desk.ts';
import { jobLive, jobPage } from '../../src/components/compute/pages/job-page.ts';
import { CSV_HEADER, csvPieces } from '../../src/components/compute/pages/samples.ts';
import { SAMPLE_WIDTH } from '../../src/components/compute/plan.ts';

const job = (state: JobSummary['state'], progress: number): JobSummary => ({
  id: 'j1', type: 'orbit.propagate', state, progress, createdAt: '2026-01-01T00:00:00.000Z',
  params: { spacecraft: 'iss', from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T00:01:00.000Z', stepSeconds: 30, tle: ['1', '2'] },
});

/** Three samples 30 s apart; each value is its sample's index times 10 plus its column. */
const states = { fromMs: Date.parse('2026-01-01T00:00:00Z'), stepMs: 30_000, count: 3, values: Float64Array.from({ length: 3 * SAMPLE_WIDTH }, (_, i) => Math.floor(i / SAMPLE_WIDTH) * 10 + (i % SAMPLE_WIDTH)) };

test("a queued or running job's page polls its live part every 500 ms; a finished one does not", () => {
  for (const state of ['queued', 'running'] as const) assert.match(jobPage({ job: job(state, 0.42), offset: 0 }).value, /hx-get="\/console\/jobs\/j1\/live" hx-trigger="every 500ms"/);
  for (const state of ['succeeded', 'failed'] as const) assert.doesNotMatch(jobPage({ job: job(state, 1), offset: 0, states }).value, /hx-trigger/);
});

test('the live part shows the progress as a bar and a percent, and names the state for the status line', () => {
  const live = jobLive({ job: job('running', 0.426), offset: 0 }, true).value;
  assert.match(live, /<progress id="job-progress" max="100" value="42"[^>]*>42 %<\/progress>/);
  assert.match(live, /<span id="job-status" hx-swap-oob="innerHTML">running, 42 %<\/span>/);
  assert.match(jobLive({ job: { ...job('failed', 0.5), error: 'SGP4 gave up' }, offset: 0 }).value, /role="alert"[\s\S]*SGP4 gave up/);
});

test('the CSV has a header line, then one line per sample in time order', () => {
  const lines = [...csvPieces(states, 2)].join('').trimEnd().split('\n');
  assert.equal(lines[0], CSV_HEADER);
  assert.deepEqual(lines.slice(1), [
    '2026-01-01T00:00:00.000Z,6,7,8,0,1,2,3,4,5',
    '2026-01-01T00:00:30.000Z,16,17,18,10,11,12,13,14,15',
    '2026-01-01T00:01:00.000Z,26,27,28,20,21,22,23,24,25',
  ]);
});

test('a queued or running job has a Cancel button posting to its cancel route; a finished or cancelled one has none', () => {
  for (const state of ['queued', 'running'] as const) {
    assert.match(jobLive({ job: job(state, 0.2), offset: 0 }).value, /<form method="post" action="\/console\/jobs\/j1\/cancel" class="cancel-job"><button type="submit">Cancel job<\/button><\/form>/);
  }
  for (const state of ['succeeded', 'failed', 'cancelled'] as const) assert.doesNotMatch(jobLive({ job: job(state, 1), offset: 0, states }).value, /Cancel job/);
  assert.match(jobLive({ job: job('cancelled', 0.3), offset: 0 }).value, /The job was cancelled; it has no result/);
  const page = jobPage({ job: job('running', 0.2), offset: 0 }).value;
  assert.match(page, /<dt>Step \(s\)<\/dt><dd>30<\/dd>/);
  assert.doesNotMatch(page, /<dt>Tle<\/dt>/, 'the element set is left out');
});
