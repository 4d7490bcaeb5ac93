/**
 * A compute process killed with SIGKILL in the middle of a job, on the real engines: the
 * job's message was never acked, so RabbitMQ hands it to the next compute process, which
 * runs the job again from the start and stores the whole, correct result once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPropagator } from '../../src/core/orbit/sgp4.ts';
import { formatTle } from '../../src/core/orbit/tle.ts';
import { startDeployment, type Deployment } from '../support/deployment.ts';
import { eventually, expectJson } from '../support/orbit.ts';

let deployment: Deployment;

before(async () => {
  // One worker thread and one job at a time, each of 100,000 samples (about a second).
  deployment = await startDeployment({ targets: { console: 1, compute: 1 }, env: { ORBIT_COMPUTE_WORKERS: '1' } });
});
after(() => deployment?.stop());

const SAMPLES = 100_000;
const FROM = Date.parse('2026-11-27T00:00:00Z');

test('a job whose compute process is killed with SIGKILL mid-job is redelivered to another and completes with the full result', { timeout: 300_000 }, async () => {
  const epoch = new Date('2026-11-27T00:00:00Z');
  const tle = formatTle({ satnum: 90002, epoch, inclinationDeg: 97.4, raanDeg: 40, eccentricity: 0.001, argPerigeeDeg: 80, meanAnomalyDeg: 20, meanMotionRevPerDay: 15.2, bstar: 0.0001 });
  await expectJson(deployment.api('/v1/missions', { method: 'POST', json: { id: 'm-kill', name: 'Kill' } }), 201);
  await expectJson(deployment.api('/v1/spacecraft', { method: 'POST', json: { id: 'sat-kill', missionId: 'm-kill', name: 'Sat', tle } }), 201);

  // Jobs in a row, so there is one in the middle of its chunks for seconds: whichever runs when the process dies is the one under test.
  const ids: string[] = [];
  for (let k = 0; k < 8; k++) {
    const res = await expectJson(deployment.api('/v1/jobs', { method: 'POST', json: { type: 'orbit.propagate', params: { spacecraft: 'sat-kill', from: FROM + k * 1000, to: FROM + k * 1000 + (SAMPLES - 1) * 1000, stepSeconds: 1 } } }), 202);
    ids.push(res.id);
  }
  const victim = await eventually(async () => {
    for (const id of ids) {
      const job = await (await deployment.api(`/v1/jobs/${id}`)).json();
      if (job.state === 'running' && job.progress > 0 && job.progress < 0.9) return job;
    }
    return undefined;
  }, 60_000, 'a job in the middle of its chunks');

  const [dying] = deployment.processes.get('compute')!;
  dying!.child.kill('SIGKILL');
  assert.equal(await dying!.exited, 'SIGKILL');
  // The gateway sends /v1/jobs to the live compute process only.
  deployment.processes.set('compute', []);
  await deployment.add('compute');

  for (const [k, id] of ids.entries()) {
    const job = await eventually(async () => {
      const j = await (await deployment.api(`/v1/jobs/${id}`)).json();
      return j.state === 'succeeded' || j.state === 'failed' ? j : undefined;
    }, 120_000, `job ${id} finished`);
    assert.equal(job.state, 'succeeded', job.error);
    assert.equal(job.progress, 1);
    assert.deepEqual(job.result, { frame: 'TEME', rows: SAMPLES });

    if (id !== victim.id) continue;
    // Every sample of the job that was killed exactly once, in order, and right.
    const res = await deployment.api(`/v1/jobs/${id}/result?format=ndjson`);
    assert.equal(res.status, 200);
    const lines = (await res.text()).trimEnd().split('\n');
    assert.equal(lines.length, SAMPLES);
    const propagate = createPropagator(tle[0], tle[1]);
    const start = FROM + k * 1000;
    for (let i = 0; i < SAMPLES; i++) {
      const sample = JSON.parse(lines[i]!);
      const time = start + i * 1000;
      assert.equal(sample.time, new Date(time).toISOString(), `sample ${i}`);
      if (i % 997 === 0 || i === SAMPLES - 1) {
        const expected = propagate(new Date(time));
        assert.deepEqual(sample.positionKm, expected.positionKm, `position of sample ${i}`);
        assert.deepEqual(sample.velocityKmS, expected.velocityKmS, `velocity of sample ${i}`);
      }
    }
  }
  // The victim was started again by the new process (a job that had finished before the kill would not be).
  const again = await (await deployment.api(`/v1/jobs/${victim.id}`)).json();
  assert.ok(again.startedAt > victim.startedAt, 'started again by the new process');
});
