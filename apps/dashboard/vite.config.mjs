// Vite build of the dashboard: React with the automatic JSX runtime, output in dist/ (served by the
// controller at /). Pages are split per route with React.lazy; the entry stays small (see the size budget
// in docs/ARCHITECTURE.md). No inline scripts are emitted, so the controller's CSP can forbid them.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Keep small files as files: an inlined data: URL would need a looser CSP.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: { host: '127.0.0.1' },
});
