/**
 * The engine's own suites, run in Chromium against the OPFS adapter: every database they open is a file
 * in the Origin Private File System, written by the official SQLite build in a dedicated worker. The
 * suites are the very files Node runs on sql.js (test/engine, test/conformance), imported by a worker
 * page (pages/engine-suites-worker.ts) whose server rewrites `vitest`, the sql.js adapter, node:crypto
 * and node:fs to the shims in test/browser/engine-suites. Plus FTS5, which only this build has.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestResult } from './engine-suites/vitest-shim.ts';
import { callPage, describeBrowser, type PersistentBrowser, REPO_ROOT } from './harness.ts';

const SHIMS = join(REPO_ROOT, 'test/browser/engine-suites');

/**
 * Tests that need FTS3/FTS4, which the official build does not compile in (it has FTS5): each has an
 * FTS5 counterpart in engine-suites/fts5.suite.ts. They must fail for exactly that reason.
 */
const NEEDS_FTS4: Record<string, string[]> = {
  plan: ['plan > planMigration + applyPlan > recreates a changed virtual table'],
  traps: [
    'traps > rebuild traps > leaves FTS shadow tables alone and keeps the full-text rows',
    'traps > rebuild traps > recreates an external-content FTS table without data loss and rebuilds its index',
  ],
  sqldef: ['sqldef > sqldef conformance > Go:TestSQLite3defVirtualTable, its FTS4 table'],
  'real-world': [
    'real-world > real-world schema pairs > reordering columns keeps the rowids an FTS index points at',
    'real-world > real-world schema pairs > an FTS4 external-content table and its sync triggers survive a rebuild of the content table',
    'real-world > real-world schema pairs > an FTS4 table with rows whose definition changes is a data-loss blocker',
    'real-world > real-world schema pairs > an unchanged FTS4 table beside a changing table keeps its index',
    'real-world > real-world schema pairs > a column named rowid keeps the real rowids through a rebuild',
    'real-world > real-world schema pairs > renaming an FTS4 table keeps its index',
  ],
};

/** Each suite, with how long it may take (the conformance files and the property test are long). */
const SUITES: [name: string, timeoutMs: number][] = [
  ['plan', 120_000],
  ['apply', 120_000],
  ['traps', 120_000],
  ['migrate', 120_000],
  ['health', 120_000],
  ['fts5', 120_000],
  ['port', 120_000],
  ['sqldef', 300_000],
  ['real-world', 300_000],
  ['property', 600_000],
];

describeBrowser(
  'the engine suites on OPFS',
  (browser) => {
    // A profile on disk: OPFS of an in-memory (incognito) context goes through IPC and is slow.
    let persistent: PersistentBrowser;
    beforeAll(async () => {
      persistent = await browser.openPersistent();
    });
    afterAll(() => persistent.close());

    for (const [suite, timeoutMs] of SUITES) {
      it(`${suite} passes with every database in OPFS`, { timeout: timeoutMs }, async () => {
        const page = await persistent.openPage('/engine-suites.html');
        try {
          await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
          const env = {
            CI: process.env.CI ?? '',
            MOLT_PROPERTY_RUNS: process.env.CI === 'true' ? '60' : '20',
            // Shrinking a failure takes many minutes in a page: the first failure is reported as found.
            MOLT_PROPERTY_SHRINK: '0',
          };
          const results = await callPage<TestResult[]>(page, 'runSuite', suite, env);
          const needsFts4 = results.filter(
            (r) => r.status === 'failed' && /no such module: fts[34]/.test(r.error ?? ''),
          );
          const failed = results.filter((r) => r.status === 'failed' && !needsFts4.includes(r));
          const passed = results.filter((r) => r.status === 'passed');
          console.log(
            `${suite} on OPFS: ${passed.length} passed, ${failed.length} failed, ` +
              `${needsFts4.length} need FTS3/4 (not in the official build)`,
          );
          expect(failed.map((r) => `${r.name}: ${r.error}`)).toEqual([]);
          expect(needsFts4.map((r) => r.name)).toEqual(NEEDS_FTS4[suite] ?? []);
          expect(passed.length).toBeGreaterThan(0);
        } finally {
          await page.close();
        }
      });
    }
  },
  {
    server: {
      alias: [
        { find: /^vitest$/, replacement: join(SHIMS, 'vitest-shim.ts') },
        {
          find: /^\.\.\/\.\.\/src\/sqlite\/(sql-js|index)\.ts$/,
          replacement: join(SHIMS, 'sql-js-on-opfs.ts'),
        },
        { find: /^node:crypto$/, replacement: join(SHIMS, 'node-crypto.ts') },
        { find: /^node:fs$/, replacement: join(SHIMS, 'node-fs.ts') },
      ],
      optimize: ['@vitest/expect', 'fast-check'],
      cacheSuffix: 'engine-suites',
    },
  },
);
