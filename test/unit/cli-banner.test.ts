import { test } from 'node:test';
import assert from 'node:assert/strict';
import { banner } from '../../src/cli/banner.ts';

const base = { dataDir: '/srv/orbit', simulator: false, engines: {} };

test('the all-in-one banner points at the dashboard, the console and the API, and says the engines are embedded', () => {
  const text = banner({ ...base, targets: ['all'], simulator: true }, 'http://127.0.0.1:8080', '1.2.3');
  assert.match(text, /Dashboard +http:\/\/127\.0\.0\.1:8080\/dashboard\//);
  assert.match(text, /Console +http:\/\/127\.0\.0\.1:8080\/console/);
  assert.match(text, /API +http:\/\/127\.0\.0\.1:8080\/docs/);
  assert.match(text, /embedded engines \(data in \/srv\/orbit\), simulated fleet flying/);
});

test('a process shows only the pages its targets serve', () => {
  const text = banner({ ...base, targets: ['ingest', 'dashboard'], engines: { sqlUrl: 'postgres://db/orbit' } }, 'http://10.0.0.5:8080', '1.2.3');
  assert.match(text, /Dashboard/);
  assert.doesNotMatch(text, /Console/);
  assert.match(text, /on the configured engines/);
});
