/**
 * The operator dashboard's build: React + TypeScript, served by the `dashboard` target at
 * /dashboard. Assets get hashed names (cached for good); each is also written gzipped, so
 * the server sends the compressed file without compressing per request.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const OUT = path.join(import.meta.dirname, 'dist');

function precompress(): Plugin {
  return {
    name: 'orbit-precompress',
    apply: 'build',
    async closeBundle() {
      for (const entry of await readdir(OUT, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !/\.(js|css|html|json|svg)$/.test(entry.name)) continue;
        const file = path.join(entry.parentPath, entry.name);
        await writeFile(`${file}.gz`, gzipSync(await readFile(file), { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: '/dashboard/',
  plugins: [react(), precompress()],
  build: { outDir: OUT, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 600 },
  server: {
    // `npm run dev:dashboard` next to a running Orbit: the API and the stream come from it.
    proxy: { '/v1': process.env.ORBIT_URL ?? 'http://127.0.0.1:8080' },
  },
});
