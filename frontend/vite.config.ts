import { defineConfig } from 'vitest/config';
import { precompressPlugin } from './scripts/precompress.mjs';

// The Go server serves dist/ at "/" and the API under /api/v1 on the same
// origin; in `npm run dev` the API is proxied to a running server instead.
const apiTarget = process.env.GRIDGIS_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // maplibre-gl alone is ~1 MB minified; that is expected for a map app.
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      output: {
        // MapLibre in a chunk of its own: it changes only with its version,
        // so a new build of the app leaves it in the browser's cache.
        codeSplitting: { groups: [{ name: 'maplibre', test: /node_modules[\\/]maplibre-gl[\\/]/ }] },
      },
    },
  },
  // .br and .gz beside each file, for the server to send (server/static.go).
  plugins: [precompressPlugin()],
  // MapLibre starts its worker as a module worker.
  worker: { format: 'es' },
  server: {
    proxy: { '/api': apiTarget },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'scripts/**/*.test.mjs'],
  },
});
