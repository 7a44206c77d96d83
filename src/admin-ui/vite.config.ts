import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

// The tenant service serves dist/admin-ui at / (SPA fallback) and the API at /api/v1 on the same
// origin. For `vite dev`, DIRBRIDGE_API_URL points the /api proxy at a running tenant service.
const apiTarget = process.env['DIRBRIDGE_API_URL'];

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/admin-ui', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 900,
  },
  server: apiTarget ? { proxy: { '/api': { target: apiTarget, changeOrigin: false } } } : {},
});
