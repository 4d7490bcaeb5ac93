/**
 * The dashboard's built files (web/dashboard/dist, written by `npm run build:dashboard`,
 * which `npm ci` runs), held in memory: a few hundred kilobytes. Files under assets/ have
 * content hashes in their names and are cached for good; index.html is never cached, so a
 * new build reaches browsers on their next load.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export const DIST = path.resolve(import.meta.dirname, '../../../web/dashboard/dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
};

export interface Asset {
  body: Buffer;
  /** The same body gzipped, when the build wrote one. */
  gzip?: Buffer;
  type: string;
  cacheControl: string;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** The built files by their path under /dashboard/ ('index.html', 'assets/index-1a2b.js', ...); undefined when there is no build. */
export async function loadAssets(dir = DIST): Promise<Map<string, Asset> | undefined> {
  if (!existsSync(path.join(dir, 'index.html'))) return undefined;
  const assets = new Map<string, Asset>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith('.gz')) continue;
    const file = path.join(entry.parentPath, entry.name);
    const name = path.relative(dir, file).split(path.sep).join('/');
    const gz = `${file}.gz`;
    assets.set(name, {
      body: await readFile(file),
      ...(existsSync(gz) && { gzip: await readFile(gz) }),
      type: TYPES[path.extname(name)] ?? 'application/octet-stream',
      cacheControl: name.startsWith('assets/') ? IMMUTABLE : REVALIDATE,
    });
  }
  return assets;
}

/** What answers a path under /dashboard/: the file, or the page itself for a view's deep link. */
export function resolveAsset(assets: ReadonlyMap<string, Asset>, subpath: string): Asset | undefined {
  const file = assets.get(subpath);
  if (file) return file;
  // A path with a file extension names a file, and a missing file is a 404, not the page.
  if (/\.[a-z0-9]+$/i.test(subpath)) return undefined;
  return assets.get('index.html');
}
