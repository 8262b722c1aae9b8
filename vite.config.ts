import { defineConfig } from 'vite';

export default defineConfig({
  root: 'src/playground',
  publicDir: '../../public',
  base: './',
  build: { outDir: '../../dist', emptyOutDir: true, target: 'es2022' },
  worker: { format: 'es' },
  server: { port: 5173, host: '127.0.0.1' },
  preview: { port: 4173, host: '127.0.0.1' },
});
