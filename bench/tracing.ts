/**
 * What tracing costs at full load: the all-in-one pipeline benchmark (bench/pipeline.ts)
 * with tracing off, with 10 % of traces sampled, and with every trace, exporting OTLP
 * http/protobuf to a sink in this process that takes and drops what it is sent. The modes
 * alternate run by run, so each median comes from the same machine state.
 *
 *   npm run bench:tracing [-- --runs 3 --seconds 20 --json]
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { parseArgs, promisify } from 'node:util';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
  },
});

interface PipelineFigures {
  readingsPerSecond: number;
  postToAlertMs: { p50: number; p99: number };
  peakRssBytes: number;
}

interface Mode {
  name: 'off' | 'sampled10' | 'all';
  env: Record<string, string>;
}

let exportRequests = 0;
let exportBytes = 0;
const sink = createServer((request, response) => {
  exportRequests++;
  request.on('data', (chunk: Buffer) => (exportBytes += chunk.length));
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${(sink.address() as { port: number }).port}`;

const traced = (ratio: string): Record<string, string> => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: ratio,
});
const MODES: Mode[] = [
  { name: 'off', env: {} },
  { name: 'sampled10', env: traced('0.1') },
  { name: 'all', env: traced('1') },
];

async function pipelineRun(mode: Mode): Promise<PipelineFigures & { exportedBytes: number }> {
  const bytesBefore = exportBytes;
  const { stdout } = await promisify(execFile)(process.execPath, [
    'bench/pipeline.ts', '--runs', '1', '--json', '--idle-seconds', '0', '--seconds', args.seconds!,
    ...Object.entries(mode.env).flatMap(([name, value]) => ['--env', `${name}=${value}`]),
  ], { maxBuffer: 16 * 1024 * 1024 });
  const figures = JSON.parse(stdout.trim().split('\n').at(-1)!) as PipelineFigures;
  return { ...figures, exportedBytes: exportBytes - bytesBefore };
}

const median = (values: number[]): number => {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const results = new Map<Mode['name'], (PipelineFigures & { exportedBytes: number })[]>(MODES.map((m) => [m.name, []]));
for (let run = 1; run <= Number(args.runs); run++) {
  for (const mode of MODES) {
    const figures = await pipelineRun(mode);
    results.get(mode.name)!.push(figures);
    process.stderr.write(`run ${run} ${mode.name}: ${Math.round(figures.readingsPerSecond).toLocaleString('en-US')} readings/s, POST->alert p99 ${figures.postToAlertMs.p99.toFixed(1)} ms, exported ${(figures.exportedBytes / 2 ** 20).toFixed(1)} MiB\n`);
  }
}
sink.close();

const summary = Object.fromEntries(MODES.map(({ name }) => {
  const list = results.get(name)!;
  return [name, {
    readingsPerSecond: median(list.map((r) => r.readingsPerSecond)),
    postToAlertMsP99: median(list.map((r) => r.postToAlertMs.p99)),
    peakRssBytes: median(list.map((r) => r.peakRssBytes)),
    exportedBytes: median(list.map((r) => r.exportedBytes)),
  }];
})) as Record<Mode['name'], { readingsPerSecond: number; postToAlertMsP99: number; peakRssBytes: number; exportedBytes: number }>;
const cost = (name: Mode['name']) => 1 - summary[name].readingsPerSecond / summary.off.readingsPerSecond;

if (args.json) {
  process.stdout.write(`${JSON.stringify({ runs: Number(args.runs), seconds: Number(args.seconds), ...summary, sampled10Cost: cost('sampled10'), allCost: cost('all'), exportRequests })}\n`);
} else {
  for (const { name } of MODES) {
    const s = summary[name];
    process.stdout.write(`${name.padEnd(9)} ${Math.round(s.readingsPerSecond).toLocaleString('en-US').padStart(9)} readings/s  POST->alert p99 ${s.postToAlertMsP99.toFixed(1)} ms  peak RSS ${(s.peakRssBytes / 2 ** 20).toFixed(0)} MiB${name === 'off' ? '' : `  ${(cost(name) * 100).toFixed(1)} % fewer readings/s`}\n`);
  }
}
