import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The portal's browser UI. Built to web/portal/dist, which the portal server serves.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  oxc: { jsx: { runtime: 'automatic' } },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 4000 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
