// Vite build of the dashboard: React with the automatic JSX runtime, output in dist/ (served by the
// controller at /). Pages are split per route with React.lazy; the entry stays small (see the size budget
// in docs/ARCHITECTURE.md). No inline scripts are emitted, so the controller's CSP can forbid them.
// Scripts and styles also get a `.gz` twin, which the controller sends to clients that accept gzip.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** gzip with the web platform's CompressionStream (global in Node >= 18), as bytes. */
async function gzip(source) {
  const stream = new Blob([source]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Adds `<file>.gz` next to each script, style and SVG that gzip shrinks by a tenth or more. */
async function compressAll(_options, bundle) {
  for (const [fileName, item] of Object.entries(bundle)) {
    if (!/\.(js|css|svg)$/.test(fileName)) continue;
    const source = item.type === 'chunk' ? item.code : item.source;
    const compressed = await gzip(source);
    if (compressed.byteLength < new Blob([source]).size * 0.9) {
      this.emitFile({ type: 'asset', fileName: `${fileName}.gz`, source: compressed });
    }
  }
}

function precompress() {
  return {
    name: 'stevedore-precompress',
    apply: 'build',
    // After every other plugin's generateBundle (Vite fills in preload lists there), so the twins match.
    generateBundle: { order: 'post', handler: compressAll },
  };
}

export default defineConfig({
  plugins: [react(), precompress()],
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
