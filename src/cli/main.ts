#!/usr/bin/env node
/**
 * The orbit command: `orbit start [--target a,b]`, `orbit targets`, `orbit config`.
 */
import { parseArgs } from 'node:util';
import { ConfigError, describeConfig, loadConfig } from '../platform/config.ts';
import { UnknownTargetError, VERSION, checkTargets, startOrbit } from '../app/orbit.ts';
import { targets } from '../app/registry.ts';
import { routesOf } from '../app/routes.ts';

const SHUTDOWN_BUDGET_MS = 9000;

const USAGE = `orbit ${VERSION}: spacecraft telemetry, alerts and orbital mechanics

Usage:
  orbit start [--target all|a,b,...]   run targets in this process (default: all)
  orbit targets                       list targets and the routes each serves
  orbit config [--target ...]         print the effective configuration (secrets masked)
  orbit help

Configuration comes from ORBIT_* environment variables; see 'orbit config'.`;

function fail(message: string): never {
  process.stderr.write(`orbit: ${message}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { target: { type: 'string', short: 't' }, help: { type: 'boolean', short: 'h' } } });
  const command = values.help ? 'help' : (positionals[0] ?? 'help');
  const targetList = values.target?.split(',').map((t) => t.trim()).filter(Boolean);

  switch (command) {
    case 'start': {
      const config = loadConfig(process.env, { targets: targetList });
      checkTargets(config.targets);
      const orbit = await startOrbit(config);
      let signals = 0;
      const shutdown = (signal: string) => {
        if (signals++) return;
        orbit.logger.info({ signal }, 'signal received');
        setTimeout(() => {
          orbit.logger.error('shutdown took too long; exiting');
          process.exit(1);
        }, SHUTDOWN_BUDGET_MS).unref();
        orbit.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            orbit.logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
      return;
    }
    case 'targets': {
      const config = loadConfig(process.env);
      for (const t of targets) {
        process.stdout.write(`${t.name.padEnd(10)} ${t.target!.description}\n`);
        for (const route of await routesOf(t, config)) process.stdout.write(`${''.padEnd(10)}   ${route}\n`);
      }
      return;
    }
    case 'config': {
      const config = loadConfig(process.env, { targets: targetList });
      for (const c of describeConfig(config, process.env)) {
        process.stdout.write(`${c.name}=${c.value}${c.source === 'default' ? '  (default)' : ''}\n    ${c.description}\n`);
      }
      process.stdout.write(`# targets: ${config.targets.join(',')}; simulator: ${config.simulator ? 'on' : 'off'}; data: ${config.dataDir}\n`);
      return;
    }
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      fail(`unknown command "${command}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof UnknownTargetError) fail(error.message);
  process.stderr.write(`orbit: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
