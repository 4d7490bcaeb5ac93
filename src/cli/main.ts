#!/usr/bin/env node
/**
 * The orbit command: `orbit start [--target a,b]`, `orbit targets`, `orbit config`,
 * `orbit replay --from TIME [--to TIME] --target analyzer|enricher`,
 * `orbit detect [--detector NAME] [--sensitivity X] [--spacecraft ID --channel NAME]`.
 */
import { parseArgs } from 'node:util';
import { ConfigError, describeConfig, loadConfig } from '../platform/config.ts';
import { UnknownTargetError, VERSION, checkTargets, startOrbit } from '../app/orbit.ts';
import { accessModule, targets } from '../app/registry.ts';
import { routeEntries } from '../app/routes.ts';

import { keysCommand, KeysCommandError } from '../app/keys.ts';
import { REPLAY_TARGETS, replay, type ReplayTarget } from '../app/replay.ts';
import { parseTimeParam } from '../core/time.ts';
import { createLogger } from '../platform/logger.ts';
import { DEFAULT_DETECTOR, DETECTOR_NAMES } from '../core/anomaly/registry.ts';
import { banner } from './banner.ts';
import { detectorFromOptions, detectStream, InputError } from './detect.ts';
import { channelDetector, ChannelDetectorError } from '../app/channel-detector.ts';

const SHUTDOWN_BUDGET_MS = 9000;

const USAGE = `orbit ${VERSION}: spacecraft telemetry, alerts and orbital mechanics

Usage:
  orbit start [--target all|a,b,...]   run targets in this process (default: all)
  orbit targets                       list targets and the routes each serves
  orbit config [--target ...]         print the effective configuration (secrets masked)
  orbit replay --from TIME [--to TIME] --target analyzer|enricher
                                      feed stored processed telemetry to a consumer's logic again
                                      (re-run detection after a limit change, rebuild enriched data);
                                      TIME is ISO 8601 or epoch ms; on embedded engines, stop Orbit first
  orbit detect [--detector NAME] [--sensitivity X] [--spacecraft ID --channel NAME]
                                      score a series with a streaming anomaly detector: CSV "time,value"
                                      on stdin, "time,score,anomaly" on stdout; NAME: ${DETECTOR_NAMES.join(', ')}
                                      (default ${DEFAULT_DETECTOR}); X in [0, 1], default 0.5; --spacecraft and
                                      --channel use that channel's configured detector
  orbit keys create --name NAME --role viewer|operator|admin [--mission ID]...
                                      create an API key (its secret is printed once)
  orbit keys list                     every key: id, role, missions, created, revoked, last used
  orbit keys revoke ID                revoke a key
                                      (keys work on ORBIT_SQL_URL, or on the embedded store in
                                      ORBIT_DATA_DIR while no Orbit process holds it)
  orbit help

Configuration comes from ORBIT_* environment variables; see 'orbit config'.`;

function fail(message: string): never {
  process.stderr.write(`orbit: ${message}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      target: { type: 'string', short: 't' },
      from: { type: 'string' },
      to: { type: 'string' },
      detector: { type: 'string' },
      sensitivity: { type: 'string' },
      spacecraft: { type: 'string' },
      channel: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      mission: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = values.help ? 'help' : (positionals[0] ?? 'help');
  const targetList = values.target?.split(',').map((t) => t.trim()).filter(Boolean);

  switch (command) {
    case 'start': {
      const config = loadConfig(process.env, { targets: targetList });
      checkTargets(config.targets);
      const orbit = await startOrbit(config);
      if (process.stdout.isTTY) process.stdout.write(banner(config, orbit.url, VERSION));
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
      const print = async (name: string, description: string, module: (typeof targets)[number]) => {
        process.stdout.write(`${name.padEnd(10)} ${description}\n`);
        for (const r of await routeEntries(module, config)) process.stdout.write(`${''.padEnd(10)}   ${r.access.padEnd(8)} ${r.method} ${r.path}\n`);
      };
      process.stdout.write('Each route with the role it needs when ORBIT_AUTH is on (viewer < operator < admin; public: anyone).\n');
      for (const t of targets) await print(t.name, t.target!.description, t);
      await print('(every)', 'Served by every process when ORBIT_AUTH is on: keys, audit log, session, sign-in', accessModule);
      return;
    }
    case 'config': {
      const config = loadConfig(process.env, { targets: targetList });
      for (const c of describeConfig(config, process.env)) {
        process.stdout.write(`${c.name}=${c.value}${c.source === 'default' ? '  (default)' : ''}\n    ${c.description}\n`);
      }
      process.stdout.write(`# targets: ${config.targets.join(',')}; simulator: ${config.simulator ? 'on' : 'off'}; auth: ${config.auth.enabled ? 'on' : 'off'}; data: ${config.dataDir}\n`);
      return;
    }
    case 'replay': {
      const target = values.target as ReplayTarget | undefined;
      if (!target || !REPLAY_TARGETS.includes(target)) fail(`replay needs --target ${REPLAY_TARGETS.join('|')}`);
      const from = parseTimeParam(values.from);
      const to = parseTimeParam(values.to);
      if (from === undefined || Number.isNaN(from)) fail('replay needs --from TIME (ISO 8601 or epoch milliseconds)');
      if (Number.isNaN(to) || (to !== undefined && to <= from)) fail('--to must be a time after --from');
      const config = loadConfig(process.env);
      const { logger } = createLogger(config.logLevel, `replay-${target}`, process.stderr);
      const result = await replay(config, target, { from, to }, logger);
      process.stdout.write(`replayed ${result.batches} batches (${result.readings} readings) to the ${target}\n`);
      return;
    }
    case 'detect': {
      if ((values.spacecraft === undefined) !== (values.channel === undefined)) fail('detect takes --spacecraft and --channel together');
      let configured;
      if (values.spacecraft !== undefined) {
        const config = loadConfig(process.env);
        const { logger } = createLogger(config.logLevel, 'detect', process.stderr);
        try {
          configured = await channelDetector(config, values.spacecraft, values.channel!, logger);
        } catch (error) {
          if (error instanceof ChannelDetectorError) fail(error.message);
          throw error;
        }
      }
      let detector;
      try {
        detector = detectorFromOptions(values.detector, values.sensitivity, configured);
      } catch (error) {
        fail(error instanceof Error ? error.message : String(error));
      }
      try {
        await detectStream(process.stdin, process.stdout, detector);
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        process.stderr.write(`orbit detect: ${error.message}\n`);
        // Let stdout drain what was scored before the bad line, then stop reading stdin.
        process.stdin.destroy();
        process.exitCode = 1;
      }
      return;
    }
    case 'keys': {
      const config = loadConfig(process.env);
      const { logger } = createLogger('warn', 'keys', process.stderr);
      try {
        await keysCommand(config, logger, { action: positionals[1], id: positionals[2], name: values.name, role: values.role, missions: values.mission }, (line) => process.stdout.write(`${line}\n`));
      } catch (error) {
        if (error instanceof KeysCommandError) fail(error.message);
        throw error;
      }
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
