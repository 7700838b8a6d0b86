import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The upload app's browser UI. Built to web/upload/dist, which `buildWebServer` serves with the
// /config.json that names the gateway. Under `vite dev` this config answers /config.json itself.
const gatewayUrl = process.env.GATEWAY_URL ?? 'http://127.0.0.1:8082';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The analytics chunk (recharts), loaded by analysts only, is a little over Vite's 500 kB.
    chunkSizeWarningLimit: 800,
    rolldownOptions: {
      // React Query marks its modules "use client" for server components, which a browser-only
      // bundle has no use for.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: { port: 8083, strictPort: true },
  plugins: [
    {
      name: 'tessera-config-json',
      configureServer(server) {
        server.middlewares.use('/config.json', (_request, response) => {
          response.setHeader('content-type', 'application/json');
          response.end(JSON.stringify({ gatewayUrl }));
        });
      },
    },
  ],
});
