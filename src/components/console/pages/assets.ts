/**
 * The console's static files: its stylesheet and htmx with its server-sent-events
 * extension, from the npm packages (nothing from a CDN). Read once, at start.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Type } from 'typebox';
import { CONSOLE_ASSETS } from '../../../platform/html/layout.ts';
import type { HttpServer } from '../../../platform/http.ts';

const resolve = createRequire(import.meta.url).resolve;
const FILES: Record<string, { file: string; type: string }> = {
  'console.css': { file: path.resolve(import.meta.dirname, '../../../platform/html/console.css'), type: 'text/css; charset=utf-8' },
  'htmx.min.js': { file: resolve('htmx.org/dist/htmx.min.js'), type: 'text/javascript; charset=utf-8' },
  'sse.min.js': { file: resolve('htmx-ext-sse/dist/sse.min.js'), type: 'text/javascript; charset=utf-8' },
};

export function assetRoutes(http: HttpServer): void {
  const loaded = new Map(Object.entries(FILES).map(([name, f]) => [name, { body: readFileSync(f.file), type: f.type }]));
  http.get(`${CONSOLE_ASSETS}/:file`, { config: { access: 'public' }, schema: { hide: true, params: Type.Object({ file: Type.String() }) } }, (request, reply) => {
    const asset = loaded.get(request.params.file);
    if (!asset) return reply.callNotFound();
    // Not content-hashed: cached briefly, so an upgrade reaches browsers within the hour.
    return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(asset.body);
  });
}
