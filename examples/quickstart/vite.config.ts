import { defineConfig } from 'vite';

export default defineConfig({
  // The dev server serves molt as it is (its worker finds sql.js's wasm that way) and pre-bundles only
  // sql.js, which is CommonJS. Without this line it discovers molt/worker when the worker starts and
  // reloads the page in the middle of opening the database. `vite build` does not need it.
  optimizeDeps: { exclude: ['molt'], include: ['molt > sql.js'] },
});
