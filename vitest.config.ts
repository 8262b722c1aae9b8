import { defineConfig } from 'vitest/config';

// Three projects: fast Node suites; suites that drive the system Chromium through playwright-core (they
// run in Node too, and talk to pages served by Vite); and consumer suites that install the packed
// tarball into fresh projects (a Vite app, a webpack app, plain Node), one at a time. Browser suites skip
// loudly when Chromium is missing, except under CI=true where they are required.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**', 'test/consumer/**'],
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
      {
        test: {
          name: 'consumer',
          include: ['test/consumer/**/*.test.ts'],
          globalSetup: ['test/consumer/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
