import { defineConfig } from 'vitest/config';

// Two projects: fast Node suites, and suites that drive the system Chromium through playwright-core
// (they run in Node too, and talk to pages served by Vite). Browser suites skip loudly when Chromium is
// missing, except under CI=true where they are required.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The CLI suites that read and write database files, again under sql.js (the default above is
        // native SQLite through better-sqlite3, a dev dependency).
        test: {
          name: 'cli-wasm',
          include: ['test/cli/{apply,plan,migrate,check,snapshots,errors,lock}.test.ts'],
          env: { MOLT_SQLITE: 'wasm' },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
