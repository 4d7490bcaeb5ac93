import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MissionCatalog } from '../../src/stores/missions/catalog.ts';
import { migratedSql, seedSpacecraft } from '../support/components.ts';

test('a channel is created at revision 1 and each change of its definition raises it; the same definition again does not', async () => {
  const sql = await migratedSql();
  try {
    const catalog = new MissionCatalog(sql);
    await seedSpacecraft(catalog, 'sat-1', { temp: { type: 'number', unit: 'degC' } }, { autoRegisterChannels: true });
    const revisions = async () => new Map((await catalog.channelsOf('sat-1', ['temp', 'door', 'nope'])).map((c) => [c.name, c.revision]));
    assert.deepEqual(await revisions(), new Map([['temp', 1]]), 'channels that do not exist are left out');

    await catalog.putChannel('sat-1', 'temp', { type: 'number', unit: 'degC' });
    assert.deepEqual(await revisions(), new Map([['temp', 1]]));
    await catalog.putChannel('sat-1', 'temp', { type: 'number', unit: 'degC', limits: { yellowHigh: 40 } });
    await catalog.putChannel('sat-1', 'temp', { type: 'number', unit: 'degC', limits: { yellowHigh: 45 } });
    await catalog.registerChannels('sat-1', [{ name: 'temp', type: 'number' }, { name: 'door', type: 'boolean' }]);
    assert.deepEqual(await revisions(), new Map([['temp', 3], ['door', 1]]), 'registering leaves existing channels as they are');

    const view = await catalog.spacecraft('sat-1');
    assert.equal(view?.channels.get('temp')?.revision, 3, 'the view ingest checks readings against names the revision');
    assert.deepEqual(view?.channels.get('temp')?.limits, { yellowHigh: 45 });
    assert.equal('revision' in (await catalog.listChannels('sat-1'))[0]!, false, 'the API\'s channels are as before');
    assert.deepEqual(await catalog.channelsOf('sat-1', []), []);
  } finally {
    await sql.close();
  }
});

test('an id that does not exist is not cached: a spacecraft another process creates next is found at once', async () => {
  const sql = await migratedSql();
  try {
    const ingest = new MissionCatalog(sql, { cacheTtlMs: 60_000 });
    const console = new MissionCatalog(sql);
    assert.equal(await ingest.spacecraft('late-1'), undefined);
    await seedSpacecraft(console, 'late-1', { temp: { type: 'number' } });
    assert.equal((await ingest.spacecraft('late-1'))?.channels.has('temp'), true, 'read again, not answered from the cache');
    const known = await ingest.spacecraft('late-1');
    await console.putChannel('late-1', 'temp', { type: 'number', unit: 'K' });
    assert.equal(await ingest.spacecraft('late-1'), known, 'what exists is cached for its time');
  } finally {
    await sql.close();
  }
});
