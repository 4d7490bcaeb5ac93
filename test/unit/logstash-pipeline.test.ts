/**
 * The Logstash pipeline under deploy/ cannot be run here (no Logstash): these checks keep it
 * in step with what it connects, on one side the lines Orbit's forwarder sends, on the other
 * the documents and index names the Elasticsearch log index reads.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dayIndexName, templateBody } from '../../src/engines/logs/elasticsearch.ts';
import { wordsIn } from '../../src/engines/logs/entries.ts';
import { logstashLine } from '../../src/platform/log-forwarding/lines.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const conf = readFileSync(path.join(ROOT, 'deploy/logstash/pipeline/orbit.conf'), 'utf8');
const code = conf.replace(/^\s*#.*$/gm, '');

/** The `name { ... }` block of a plugin, braces balanced. */
function block(text: string, name: string): string {
  const start = new RegExp(`\\b${name}\\s*\\{`).exec(text);
  assert.ok(start, `no ${name} block`);
  let depth = 0;
  for (let i = start.index + start[0].length - 1; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(start.index + start[0].length, i);
  }
  throw new Error(`unbalanced ${name} block`);
}

/** Every `"from" => "to"` of the pipeline's rename options, in order. */
function renames(): [string, string][] {
  return [...code.matchAll(/rename\s*=>\s*\{([^}]*)\}/g)].flatMap((m) => [...m[1]!.matchAll(/"([^"]+)"\s*=>\s*"([^"]+)"/g)].map((r) => [r[1]!, r[2]!] as [string, string]));
}

const ruby = block(code, 'ruby');
const rubySets = new Set([...ruby.matchAll(/event\.set\("([^"]+)"/g)].map((m) => m[1]!));
const kept = new Set(/known = %w\[([^\]]*)\]/.exec(ruby)?.[1]!.trim().split(/\s+/));

/** What the forwarder sends for a line with every kind of field. */
const sample = JSON.parse(logstashLine(
  { time: Date.UTC(2026, 2, 4, 23, 59, 59, 999), level: 'warn', msg: 'limit crossed', service: 'all', pid: 7, hostname: 'h', module: 'analyzer', trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16), spacecraft: 'sc-1' },
  { service: 'orbit', target: 'all' },
)) as Record<string, unknown>;

/** The top-level fields of the document the pipeline writes for `line`, following its renames and ruby. */
function documentFields(line: Record<string, unknown>): Set<string> {
  const fields = new Set(Object.keys(line));
  for (const [from, to] of renames()) {
    if (!fields.delete(from)) continue;
    if (!to.startsWith('[@metadata]')) fields.add(to);
  }
  const top = new Set([...fields].filter((f) => kept.has(f)));
  if ([...fields].some((f) => !kept.has(f))) top.add('fields');
  for (const f of rubySets) top.add(f);
  top.delete('@version');
  return top;
}

describe('the Logstash pipeline', () => {
  test('takes json_lines over tcp and leaves the connection address out of the lines', () => {
    const input = block(code, 'input');
    assert.match(block(input, 'tcp'), /codec\s*=>\s*json_lines/);
    assert.match(block(input, 'tcp'), /ecs_compatibility\s*=>\s*"v8"/);
  });

  test('reads every field the forwarder sends under the name it sends it', () => {
    for (const [from] of renames()) assert.ok(from in sample, `the pipeline renames ${from}, which the forwarder never sends`);
    for (const name of ['@timestamp', 'message', 'level', 'service', 'target', 'trace_id', 'span_id', 'module']) assert.ok(name in sample, name);
  });

  test('writes every field the log index maps, and the service the index is searched by is the targets', () => {
    const mapped = Object.keys((templateBody('orbit-logs').template!.mappings!.properties!));
    const written = documentFields(sample);
    for (const field of mapped) assert.ok(written.has(field), `the log index maps ${field}, which the pipeline does not write (writes ${[...written].join(', ')})`);
    // Orbit's own shipper stores the process's targets as `service`: so must the pipeline.
    assert.deepEqual(renames().find(([, to]) => to === 'service'), ['target', 'service']);
    assert.ok(rubySets.has('time') && /"@timestamp"\)\.to_f \* 1000\)\.round/.test(ruby), 'time is epoch milliseconds, as the mapping reads it');
  });

  test('writes to the daily index the log index reads, under its template and alias', () => {
    const output = block(block(code, 'output'), 'elasticsearch');
    const index = /index\s*=>\s*"([^"]+)"/.exec(output)?.[1];
    assert.equal(index, '${ORBIT_ENGINE_NAMESPACE:orbit}-logs-%{+YYYY.MM.dd}');
    // Orbit opens the log index with the prefix <namespace or orbit>-logs.
    assert.match(readFileSync(path.join(ROOT, 'src/app/engines.ts'), 'utf8'), /indexPrefix: `\$\{namespace \?\? 'orbit'\}-logs`/);
    const time = Date.parse(String(sample['@timestamp']));
    for (const namespace of [undefined, 'staging']) {
      const prefix = `${namespace ?? 'orbit'}-logs`;
      const d = new Date(time);
      const rendered: string = index!.replace('${ORBIT_ENGINE_NAMESPACE:orbit}', namespace ?? 'orbit')
        .replace('%{+YYYY.MM.dd}', `${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${String(d.getUTCDate()).padStart(2, '0')}`);
      assert.equal(rendered, dayIndexName(prefix, time));
      const pattern = templateBody(prefix).index_patterns as string[];
      assert.ok(pattern.some((p) => new RegExp(`^${p.replace('*', '.*')}$`).test(rendered)), 'the template applies to the index');
    }
    assert.match(output, /manage_template\s*=>\s*false/, 'the template is Orbit\'s');
    assert.match(output, /data_stream\s*=>\s*"false"/);
    assert.match(output, /hosts\s*=>\s*\["\$\{ORBIT_SEARCH_URL:/);
  });

  test('splits searched words as the log index does', () => {
    const regex = /text\.scan\(\/(.+?)\/\)/.exec(ruby)?.[1];
    assert.ok(regex, 'the words regex');
    for (const text of ['telemetry.processed for sc-1', 'naïve Ärger 42_x:y', 'a/b\\c  d']) {
      assert.deepEqual(text.match(new RegExp(regex, 'gu')) ?? [], wordsIn(text), text);
    }
  });
});
