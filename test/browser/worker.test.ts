/**
 * The worker and the client in real Chromium: app workers started by pages of one origin, the real
 * IndexedDB, Web Locks and BroadcastChannel. Pages and the app worker are in test/browser/pages
 * (worker-page.ts, worker-app.ts, worker-apps.ts).
 */
import type { Page } from 'playwright-core';
import { afterEach, expect, it } from 'vitest';
import type { StartupReport } from '../../src/worker/index.ts';
import { callPage, describeBrowser } from './harness.ts';
import type { OpenOptions } from './pages/worker-page.ts';
import { call, codeOf, openReady, pageReady, type Result, uniqueName, value } from './worker-calls.ts';

/** Pages a test opened; closed after it, with their workers. */
const opened: Page[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((page) => page.close().catch(() => undefined)));
});

async function openWorkerPage(open: () => Promise<Page>): Promise<Page> {
  const page = await open();
  opened.push(page);
  return pageReady(page);
}

const query = <T = Record<string, unknown>>(page: Page, key: string, sql: string) =>
  call<T[]>(page, key, 'query', sql);

/** `rows` rows in `items` (worker-apps.ts): n = id, a label, a blob of `blobBytes` random bytes. */
const seedItems = (rows: number, blobBytes: number) =>
  `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${rows})
   INSERT INTO items (id, n, label, body) SELECT i, i, 'item ' || i, randomblob(${blobBytes}) FROM s`;

/** Creates `name` with version 1 of the items app and `rows` rows, saved; the worker is closed after. */
async function createItems(page: Page, name: string, rows: number, blobBytes: number): Promise<void> {
  await openReady(page, 'seed', { name, app: 'items-v1' });
  await call(page, 'seed', 'exec', seedItems(rows, blobBytes));
  await call(page, 'seed', 'save');
  value(await callPage<Result>(page, 'close', 'seed'));
}

describeBrowser('worker and client in Chromium', (browser) => {
  it('opens, migrates, queries, saves, and finds data and schema again after a reload', async () => {
    const name = uniqueName('reload');
    const page = await openWorkerPage(() => browser.openPage('/worker-page.html'));
    expect((await openReady(page, 'a', { name, app: 'notes-v1' })).status).toBe('created');
    await call(page, 'a', 'exec', "INSERT INTO notes (body) VALUES ('one'), ('two'), ('three')");
    await call(page, 'a', 'save');
    await callPage(page, 'close', 'a');

    const migrated = await openReady(page, 'b', { name, app: 'notes-v2' });
    expect(migrated).toMatchObject({ status: 'migrated', skipped: [] });
    expect(migrated.migration?.plan?.steps.map((s) => s.kind)).toEqual(['add-column', 'create-index']);
    await call(page, 'b', 'exec', "UPDATE notes SET pinned = 1 WHERE body = 'two'");
    const saved = await call<{ snapshot: { id: string } }>(page, 'b', 'save');

    await page.reload();
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const reopened = await openReady(page, 'c', { name, app: 'notes-v2' });
    expect(reopened).toMatchObject({ status: 'up-to-date', skipped: [], loaded: { id: saved.snapshot.id } });
    expect(await query(page, 'c', 'SELECT body, pinned FROM notes ORDER BY id')).toEqual([
      { body: 'one', pinned: 0 },
      { body: 'two', pinned: 1 },
      { body: 'three', pinned: 0 },
    ]);
    expect(await query(page, 'c', "SELECT name FROM pragma_index_list('notes')")).toEqual([
      { name: 'notes_pinned' },
    ]);
    expect(await query(page, 'c', 'SELECT id FROM _molt_migrations')).toEqual([{ id: '0001' }]);
    const verified = await callPage<{ reason: string; kind: string }[]>(page, 'verifyAll', 'c');
    expect(verified.map((s) => s.reason)).toEqual(expect.arrayContaining(['save', 'pre-migrate']));
    expect(verified.every((s) => s.kind === 'verified')).toBe(true);
    expect((await call<{ score: number }>(page, 'c', 'health')).score).toBe(100);
  });

  // An app that reloads on `schema-changed` (as the README advises) must not reload the tab that
  // migrated: that tab's own broadcast is not an event for it.
  it('does not tell the tab that migrated about its own migration', async () => {
    const name = uniqueName('self');
    const page = await openWorkerPage(() => browser.openPage('/worker-page.html'));
    await openReady(page, 'a', { name, app: 'notes-v1' });
    await call(page, 'a', 'exec', "INSERT INTO notes (body) VALUES ('x')");
    await call(page, 'a', 'save');
    await callPage(page, 'close', 'a');
    expect((await openReady(page, 'b', { name, app: 'notes-v2' })).status).toBe('migrated');
    // The broadcast leaves the worker before `ready` resolves; give it time to arrive anyway.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await callPage(page, 'changes', 'b')).toEqual([]);
  });

  it('lets exactly one of four tabs run a pending migration; the others wait and see its result', async () => {
    const name = uniqueName('race');
    const pages = await Promise.all(
      [1, 2, 3, 4].map(() => openWorkerPage(() => browser.openPage('/worker-page.html'))),
    );
    await createItems(pages[0]!, name, 10_000, 50);
    // A tab that already has the database open, on the old version: it hears about the migration.
    await openReady(pages[0]!, 'watcher', { name, app: 'items-v1', durability: 'manual' });
    const reports = await Promise.all(
      pages.map((page) =>
        callPage<Result<StartupReport>>(page, 'openReady', 'tab', { name, app: 'items-v2' }),
      ),
    );
    const statuses = reports.map((r) => value(r).status).sort();
    expect(statuses).toEqual(['migrated', 'up-to-date', 'up-to-date', 'up-to-date']);
    const migrator = reports.map((r) => value(r)).find((r) => r.status === 'migrated')!;
    for (const report of reports.map((r) => value(r))) {
      if (report === migrator) continue;
      // They waited for the lock and loaded the head the migrating tab saved.
      expect(report.loaded?.id).toBe(migrator.saved?.id);
      expect(report.preMigrateSnapshot).toBeNull();
    }
    for (const page of pages) {
      expect(
        await query(page, 'tab', "SELECT count(*) AS n FROM _molt_migrations WHERE id = '0002'"),
      ).toEqual([{ n: 1 }]);
      expect(
        await query(page, 'tab', "SELECT count(*) AS n, min(n) AS lo FROM items WHERE label LIKE '% v2'"),
      ).toEqual([{ n: 10_000, lo: 1_000_001 }]);
      const [table] = await query<{ sql: string }>(
        page,
        'tab',
        "SELECT sql FROM sqlite_schema WHERE name = 'items'",
      );
      expect(table?.sql).toContain('COLLATE NOCASE');
    }
    await expect
      .poll(() => callPage(pages[0]!, 'changes', 'watcher'))
      .toEqual([expect.objectContaining({ type: 'schema-changed', name, reason: 'migrate' })]);
    // Its copy is stale now: saving it would overwrite the migration.
    await call(pages[0]!, 'watcher', 'exec', "UPDATE items SET label = 'stale' WHERE id = 1");
    expect(codeOf(await callPage<Result>(pages[0]!, 'call', 'watcher', 'save'))).toBe('stale-head');
  });

  it('gives the second of two writing tabs stale-head, and keeps what the first saved', async () => {
    const name = uniqueName('stale');
    const [a, b] = await Promise.all(
      [1, 2].map(() => openWorkerPage(() => browser.openPage('/worker-page.html'))),
    );
    await openReady(a!, 'db', { name, app: 'notes-v1', durability: 'manual' });
    await openReady(b!, 'db', { name, app: 'notes-v1', durability: 'manual' });
    await call(a!, 'db', 'exec', "INSERT INTO notes (body) VALUES ('from a')");
    await call(b!, 'db', 'exec', "INSERT INTO notes (body) VALUES ('from b')");
    await call(a!, 'db', 'save');
    expect(codeOf(await callPage<Result>(b!, 'call', 'db', 'save'))).toBe('stale-head');
    await callPage(a!, 'close', 'db');
    await callPage(b!, 'close', 'db');
    await openReady(b!, 'again', { name, app: 'notes-v1' });
    expect(await query(b!, 'again', 'SELECT body FROM notes')).toEqual([{ body: 'from a' }]);
  });

  it('falls back to the previous snapshot that verifies when a chunk of the head is corrupted', async () => {
    const name = uniqueName('corrupt');
    const page = await openWorkerPage(() => browser.openPage('/worker-page.html'));
    // Saved by hand, so that each save makes one snapshot of its own.
    await openReady(page, 'a', { name, app: 'notes-v1', durability: 'manual' });
    await call(page, 'a', 'exec', "INSERT INTO notes (body) VALUES ('kept')");
    const first = await call<{ snapshot: { id: string } }>(page, 'a', 'save');
    await call(page, 'a', 'exec', "INSERT INTO notes (body) VALUES ('only in the head')");
    const second = await call<{ snapshot: { id: string } }>(page, 'a', 'save');
    await callPage(page, 'close', 'a');
    const damaged = await callPage<{ headId: string }>(page, 'corruptHeadChunk', name);
    expect(damaged.headId).toBe(second.snapshot.id);

    const report = await openReady(page, 'b', { name, app: 'notes-v1' });
    expect(report.loaded?.id).toBe(first.snapshot.id);
    expect(report.skipped).toEqual([
      { id: second.snapshot.id, problems: [expect.objectContaining({ kind: 'chunk-corrupt' })] },
    ]);
    expect(await query(page, 'b', 'SELECT body FROM notes')).toEqual([{ body: 'kept' }]);
  });

  it('keeps every child row under ON DELETE CASCADE when a startup migration rebuilds the parent', async () => {
    const name = uniqueName('cascade');
    const page = await openWorkerPage(() => browser.openPage('/worker-page.html'));
    await openReady(page, 'a', { name, app: 'family-v1' });
    await call(
      page,
      'a',
      'exec',
      `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 500)
      INSERT INTO parent (id, name) SELECT i, 'parent ' || i FROM s`,
    );
    await call(
      page,
      'a',
      'exec',
      `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 3000)
      INSERT INTO child (id, parent_id, note) SELECT i, i % 500 + 1, 'child ' || i FROM s`,
    );
    await call(page, 'a', 'save');
    await callPage(page, 'close', 'a');

    const report = await openReady(page, 'b', { name, app: 'family-v2' });
    expect(report.status).toBe('migrated');
    expect(report.migration?.plan?.steps.map((s) => `${s.kind} ${s.object}`)).toContain(
      'rebuild-table parent',
    );
    expect(
      await query(page, 'b', 'SELECT count(*) AS n, count(DISTINCT parent_id) AS parents FROM child'),
    ).toEqual([{ n: 3000, parents: 500 }]);
    expect(await query(page, 'b', 'PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    expect(await query(page, 'b', 'PRAGMA foreign_key_check')).toEqual([]);
    // Foreign keys are still enforced on the connection: deleting a parent cascades.
    await call(page, 'b', 'exec', 'DELETE FROM parent WHERE id = 1');
    expect(await query(page, 'b', 'SELECT count(*) AS n FROM child')).toEqual([{ n: 2994 }]);
  });

  it('sends errors across with their codes: schema-invalid, blocked, checksum-mismatch, locked', async () => {
    const name = uniqueName('errors');
    const [page, other] = await Promise.all(
      [1, 2].map(() => openWorkerPage(() => browser.openPage('/worker-page.html'))),
    );
    const codeOnOpen = async (key: string, options: OpenOptions) =>
      codeOf(await callPage<Result>(page!, 'openReady', key, options));

    expect(await codeOnOpen('invalid', { name: uniqueName('invalid'), app: 'notes-invalid' })).toBe(
      'schema-invalid',
    );
    await openReady(page!, 'a', { name, app: 'notes-v1' });
    await call(page!, 'a', 'exec', "INSERT INTO notes (body) VALUES ('keep me')");
    await call(page!, 'a', 'save');
    await callPage(page!, 'close', 'a');

    expect(await codeOnOpen('drop', { name, app: 'notes-drop' })).toBe('blocked');
    // Blocked changes nothing, and the database stays readable.
    expect(await query(page!, 'drop', 'SELECT body FROM notes')).toEqual([{ body: 'keep me' }]);
    await callPage(page!, 'close', 'drop');

    expect(await codeOnOpen('edited', { name, app: 'notes-edited' })).toBe('checksum-mismatch');
    await callPage(page!, 'close', 'edited');

    await callPage(other!, 'holdLock', name);
    expect(await codeOnOpen('locked', { name, app: 'notes-v1', lockTimeoutMs: 300 })).toBe('locked');
    await callPage(page!, 'close', 'locked');
    await callPage(other!, 'releaseLock', name);
    expect((await openReady(page!, 'free', { name, app: 'notes-v1', lockTimeoutMs: 5000 })).status).toBe(
      'up-to-date',
    );
  });
});
