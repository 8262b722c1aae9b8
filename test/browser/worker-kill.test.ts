/**
 * A startup migration whose worker dies at each of its phases (`worker.terminate()`, as a closed tab or
 * a crash): the next start finds a consistent database that is entirely the old version or entirely
 * the new one, never half of each, and migrates again when it was old.
 */
import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import type { StartupReport } from '../../src/worker/index.ts';
import { callPage, describeBrowser } from './harness.ts';
import type { KillTrigger, OpenOptions } from './pages/worker-page.ts';
import { call, openReady, type Result, uniqueName, value } from './worker-calls.ts';

interface Facts {
  ledger: { id: string }[];
  items: { n: number; migrated: number; relabelled: number }[];
  table: { sql: string }[];
  version: { user_version: number }[];
}

interface Stored {
  snapshot: { id: string; reason: string };
  skipped: unknown[];
  quickCheck: string[];
  verified: string[];
  rows: Facts;
}

/** Enough rows that the migration and the save of the ~4 MB file each take a while. */
const ROWS = 15_000;
const BLOB_BYTES = 200;

const QUERIES = {
  ledger: 'SELECT id FROM _molt_migrations ORDER BY id',
  items: `SELECT count(*) AS n, sum(n > 1000000) AS migrated, sum(label LIKE '% v2') AS relabelled FROM items`,
  table: "SELECT sql FROM sqlite_schema WHERE name = 'items'",
  version: 'PRAGMA user_version',
};

async function createItems(page: Page, name: string): Promise<void> {
  await openReady(page, 'seed', { name, app: 'items-v1' });
  await call(
    page,
    'seed',
    'exec',
    `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${ROWS})
     INSERT INTO items (id, n, label, body) SELECT i, i, 'item ' || i, randomblob(${BLOB_BYTES}) FROM s`,
  );
  await call(page, 'seed', 'save');
  value(await callPage<Result>(page, 'close', 'seed'));
}

/** 'old' or 'new' when every fact agrees; anything else is a half-migrated database. */
function versionOf({ ledger, items, table, version }: Facts): 'old' | 'new' | 'half' {
  const ids = ledger.map((r) => r.id).join(',');
  const [counts] = items;
  const nocase = table[0]?.sql.includes('COLLATE NOCASE');
  const userVersion = version[0]?.user_version;
  if (counts?.n !== ROWS) return 'half';
  if (ids === '0001' && counts.migrated === 0 && counts.relabelled === 0 && !nocase && userVersion === 1)
    return 'old';
  if (
    ids === '0001,0002' &&
    counts.migrated === ROWS &&
    counts.relabelled === ROWS &&
    nocase &&
    userVersion === 2
  )
    return 'new';
  return 'half';
}

async function inspect(page: Page, name: string): Promise<Stored> {
  const stored = await callPage<Stored | null>(page, 'inspectStored', name, QUERIES);
  if (!stored) throw new Error(`nothing stored for ${name}`);
  expect(stored.quickCheck).toEqual(['ok']);
  expect(stored.skipped).toEqual([]);
  expect(stored.verified.every((kind) => kind === 'verified')).toBe(true);
  return stored;
}

/** The same facts, from a database open in a worker. */
async function facts(page: Page, key: string): Promise<Facts> {
  const entries = await Promise.all(
    Object.entries(QUERIES).map(
      async ([title, sql]) => [title, await call(page, key, 'query', sql)] as const,
    ),
  );
  return Object.fromEntries(entries) as unknown as Facts;
}

interface Kill {
  label: string;
  hold?: OpenOptions['hold'];
  stallMs?: number;
  trigger: (reference: StartupReport['timings']) => KillTrigger;
  /** The progress phase that must not have arrived when the worker was terminated. */
  before?: string;
  expected: ('old' | 'new')[];
}

const KILLS: Kill[] = [
  {
    label: 'after taking the lock',
    hold: 'lock',
    trigger: () => ({ phase: 'lock', delayMs: 0 }),
    before: 'load',
    expected: ['old'],
  },
  {
    label: 'after the pre-migrate snapshot',
    hold: 'migrate',
    trigger: () => ({ phase: 'migrate', delayMs: 0 }),
    before: 'migration',
    expected: ['old'],
  },
  {
    // Migration 0002 has updated half the rows and holds the transaction open.
    label: 'in the middle of the transaction',
    stallMs: 10_000,
    trigger: () => ({ phase: 'halfway', delayMs: 0 }),
    before: 'checks',
    expected: ['old'],
  },
  {
    label: 'after the commit, before the head is saved',
    hold: 'save',
    trigger: () => ({ phase: 'save', delayMs: 0 }),
    before: 'broadcast',
    expected: ['old'],
  },
  {
    // Held deterministically: from the migrate phase on, another connection's read transaction makes
    // the save's writes wait; the worker is terminated once the save has had its usual time.
    label: 'while the head is being saved (writes pending)',
    trigger: (t) => ({ phase: 'save', delayMs: Math.round(t.saveMs), holdWritesFrom: 'migrate' }),
    before: 'broadcast',
    expected: ['old'],
  },
  {
    // Wherever half of a save's usual time falls: hashing, writing chunks, or the head's commit.
    label: 'while the head is being saved (by the clock)',
    trigger: (t) => ({ phase: 'save', delayMs: Math.round(t.saveMs * 0.5) }),
    expected: ['old', 'new'],
  },
  {
    label: 'after the head is saved',
    hold: 'broadcast',
    trigger: () => ({ phase: 'broadcast', delayMs: 0 }),
    before: 'done',
    expected: ['new'],
  },
];

describeBrowser('startup migration killed at each phase', (browser) => {
  let page: Page;
  let reference: StartupReport['timings'];

  beforeAll(async () => {
    page = await browser.openPage('/worker-page.html');
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    // An uninterrupted run on the same data: the end state, and how long migrating and saving take.
    const name = uniqueName('reference');
    await createItems(page, name);
    const report = await openReady(page, 'reference', { name, app: 'items-v2' });
    expect(report.status).toBe('migrated');
    value(await callPage<Result>(page, 'close', 'reference'));
    expect(versionOf((await inspect(page, name)).rows)).toBe('new');
    reference = report.timings;
  });

  it.each(KILLS)(
    'terminated $label: consistent, old or new, and migrated on the next start',
    async (kill) => {
      const name = uniqueName('kill');
      await createItems(page, name);
      const options: OpenOptions = {
        name,
        app: 'items-v2',
        ...(kill.hold ? { hold: kill.hold } : {}),
        ...(kill.stallMs ? { stallMs: kill.stallMs } : {}),
      };
      const seen = await callPage<string[]>(page, 'killAt', 'victim', options, kill.trigger(reference));
      if (kill.before) expect(seen).not.toContain(kill.before);

      const stored = await inspect(page, name);
      const version = versionOf(stored.rows);
      expect(kill.expected).toContain(version);
      if (kill.hold === 'migrate') expect(stored.snapshot.reason).toBe('pre-migrate');

      // The lock died with the worker: the next start does not wait for it.
      const next = await openReady(page, 'next', { name, app: 'items-v2', lockTimeoutMs: 5000 });
      expect(next.status).toBe(version === 'old' ? 'migrated' : 'up-to-date');
      expect(await call(page, 'next', 'query', 'PRAGMA quick_check')).toEqual([{ quick_check: 'ok' }]);
      expect(versionOf(await facts(page, 'next'))).toBe('new');
      value(await callPage<Result>(page, 'close', 'next'));
    },
  );
});
