// Vite config of the playground: a static site (relative asset paths, so playground/dist can be
// served from any folder) that bundles the library from source. `npm run playground` serves it,
// `npm run build:playground` writes playground/dist.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  // The library lives one folder up; Vite may read it.
  server: { host: '127.0.0.1', fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] } },
  // gpu.js (about 620 KiB minified) is its own chunk, loaded only when a gpu.js backend is chosen.
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 700 },
});
