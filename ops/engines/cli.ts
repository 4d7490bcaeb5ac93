/**
 * `npm run engines:up [-- name...]`, `npm run engines:down [-- name...]`, `npm run engines:status`.
 * `up` ends by printing the ORBIT_* lines that point Orbit at the engines.
 */
import { down, engineVariables, status, up } from './engines.ts';

const [command, ...names] = process.argv.slice(2);

try {
  if (command === 'up') {
    for (const r of await up(names)) {
      console.error(`engines: ${r.name} ${r.version} ${r.started ? `started in ${r.seconds.toFixed(1)} s` : 'already running'}`);
    }
    for (const [name, value] of Object.entries(engineVariables())) console.log(`${name}=${value}`);
  } else if (command === 'down') {
    const stopped = await down(names);
    console.error(`engines: stopped ${stopped.length ? stopped.join(', ') : 'nothing (none was started by engines:up)'}`);
  } else if (command === 'status') {
    for (const s of await status()) console.log(`${s.name}\t${s.version}\t${s.alive ? 'running' : 'gone'}\tpids ${s.pids.join(',')}\tsince ${s.startedAt}`);
  } else {
    console.error('usage: node ops/engines/cli.ts up|down|status [engine...]');
    process.exitCode = 2;
  }
} catch (error) {
  console.error(`engines: ${(error as Error).message}`);
  process.exitCode = 1;
}
