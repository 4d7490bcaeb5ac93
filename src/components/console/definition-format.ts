/**
 * A mission definition as a file: pretty JSON or YAML, the same keys in the same order,
 * so an exported file can be edited by hand, compared and imported again.
 */
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { MissionDefinition } from '../../core/schemas.ts';

export const DEFINITION_FORMATS = ['json', 'yaml'] as const;
export type DefinitionFormat = (typeof DEFINITION_FORMATS)[number];

/** Media types a YAML document may come as. */
export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

export function definitionDocument(doc: MissionDefinition, format: DefinitionFormat): { body: string; type: string; extension: string } {
  return format === 'yaml'
    // TLE lines keep their spacing only when quoted; lineWidth 0: never folded.
    ? { body: toYaml(doc, { lineWidth: 0 }), type: 'application/yaml; charset=utf-8', extension: 'yaml' }
    : { body: `${JSON.stringify(doc, null, 2)}\n`, type: 'application/json; charset=utf-8', extension: 'json' };
}

/** A document pasted or uploaded into the console: JSON when it looks like JSON, YAML otherwise (JSON is YAML, but its errors read better as JSON's). */
export function parseDefinitionText(text: string): unknown {
  return text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text);
}
