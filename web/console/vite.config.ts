import { defineConfig } from 'vite';

// The console is served by the signflow API under /console/; `npm run dev:console -w web` proxies
// API calls to a running `signflow up` (SIGNFLOW_API_URL, default http://127.0.0.1:8480).
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: { proxy: { '/v1': process.env['SIGNFLOW_API_URL'] ?? 'http://127.0.0.1:8480' } },
});
