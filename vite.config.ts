import { defineConfig } from 'vite';

export default defineConfig({
  root: 'src/playground',
  publicDir: '../../public',
  base: './',
  build: { outDir: '../../site', emptyOutDir: true, target: 'es2022' },
  worker: { format: 'es' },
  // Vite does not crawl the worker when it scans for dependencies: without this list it discovers them
  // on the first visit and reloads the page in the middle of its first start.
  optimizeDeps: {
    include: [
      'comlink',
      'sql.js',
      'idb-keyval',
      '@noble/hashes/sha2.js',
      '@noble/hashes/utils.js',
      'codemirror',
      '@codemirror/lang-sql',
      '@codemirror/state',
      '@codemirror/view',
      '@codemirror/theme-one-dark',
    ],
  },
  server: { port: 5173, host: '127.0.0.1' },
  preview: { port: 4173, host: '127.0.0.1' },
});
