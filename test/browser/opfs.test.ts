/**
 * The OPFS adapter (src/sqlite/opfs.ts) in real Chromium: the official SQLite build on the Origin
 * Private File System, in dedicated workers (test/browser/pages/opfs-worker.ts). Files read in pieces
 * are the bytes sql.js reads and writes; the files of a database belong to one worker at a time and are
 * never deleted when another worker cannot take them; a full quota fails with `quota-exceeded` and
 * changes nothing.
 */
import type { Page } from 'playwright-core';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { callPage, describeBrowser } from './harness.ts';

type Result<T = unknown> = { ok: true; value: T } | { ok: false; code: string; message: string };

let counter = 0;
const uniqueName = (prefix: string) => `${prefix}-${++counter}-${Date.now().toString(36)}`;

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected success, got ${result.code}: ${result.message}`);
  return result.value;
}
const codeOf = (result: Result) => (result.ok ? 'no error' : result.code);

const ROWS = `CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL, body BLOB);
  WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 500)
  INSERT INTO items SELECT i, 'item ' || i, randomblob(100) FROM s;`;

describeBrowser('the OPFS adapter', (browser) => {
  let page: Page;
  const call = <T = unknown>(worker: string, method: string, ...args: unknown[]) =>
    callPage<Result<T>>(page, 'call', worker, method, ...args);
  const ok = async <T = unknown>(worker: string, method: string, ...args: unknown[]) =>
    value(await call<T>(worker, method, ...args));
  const hash = (worker: string, name: string) =>
    ok<{ sha256: string; byteLength: number; heapGrowth: number }>(worker, 'hash', name);
  const count = async (worker: string, name: string, table = 'items') =>
    Number((await ok<{ n: number }[]>(worker, 'query', name, `SELECT count(*) AS n FROM ${table}`))[0]?.n);

  beforeAll(async () => {
    page = await browser.openPage('/opfs.html');
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  });
  afterEach(async () => {
    for (const key of ['a', 'b', 'c']) await callPage(page, 'terminate', key);
  });

  it('runs in a dedicated worker and says why not on the main thread', async () => {
    expect(await callPage(page, 'call', 'a', 'support')).toEqual({ available: true });
    const main = await callPage<{ available: boolean; reason?: string }>(page, 'mainThreadSupport');
    expect(main.available).toBe(false);
    expect(main.reason).toMatch(/dedicated worker/);
  });

  it('keeps committed rows in the file: another worker opens them after the first closed', async () => {
    const name = uniqueName('persist');
    await ok('a', 'open', name);
    await ok('a', 'exec', name, ROWS);
    const before = await hash('a', name);
    await ok('a', 'close', name);
    await ok('b', 'open', name);
    expect(await count('b', name)).toBe(500);
    expect((await hash('b', name)).sha256).toBe(before.sha256);
  });

  it('gives the files to one worker at a time', async () => {
    const name = uniqueName('owner');
    await ok('a', 'open', name);
    await ok('a', 'exec', name, ROWS);
    expect(codeOf(await call('b', 'open', name, 300))).toBe('locked');
    // The first worker's database is whole, and still whole once it hands the files over.
    expect(await count('a', name)).toBe(500);
    await ok('a', 'close', name);
    await ok('b', 'open', name, 300);
    expect(await count('b', name)).toBe(500);
  });

  it('keeps the files when a worker can take only some of them', async () => {
    const name = uniqueName('partly-held');
    await ok('a', 'open', name);
    await ok('a', 'exec', name, ROWS);
    await ok('a', 'close', name);
    await ok('c', 'holdPoolFile', name);
    expect(codeOf(await call('b', 'open', name, 300))).toBe('locked');
    await ok('c', 'releasePoolFile');
    await ok('b', 'open', name, 300);
    expect(await count('b', name)).toBe(500);
  });

  it('hands the files over when the worker holding them is terminated', async () => {
    const name = uniqueName('terminated');
    await ok('a', 'open', name);
    await ok('a', 'exec', name, ROWS);
    await callPage(page, 'terminate', 'a');
    await ok('b', 'open', name, 5000);
    expect(await count('b', name)).toBe(500);
  });

  it('reads the file in pieces: the bytes sql.js opens, with the wasm heap not growing', async () => {
    const name = uniqueName('read');
    await ok('a', 'open', name);
    await ok('a', 'exec', name, ROWS.replace('randomblob(100)', 'randomblob(4000)'));
    const read = await hash('a', name);
    expect(read.byteLength).toBeGreaterThan(2_000_000);
    expect(read.heapGrowth).toBe(0);
    const rows = await ok<{ id: number; label: string }[]>('a', 'rowsViaSqlJs', name, 'items');
    expect(rows).toHaveLength(500);
    expect(rows[499]?.label).toBe('item 500');
  });

  it('refuses to mix two states in one read: a commit between pieces fails the source', async () => {
    const name = uniqueName('moving');
    await ok('a', 'open', name);
    await ok('a', 'exec', name, ROWS);
    expect(
      codeOf(await call('a', 'readAcrossCommit', name, "UPDATE items SET label = 'x' WHERE id = 1")),
    ).toBe('stale-head');
    await ok('a', 'exec', name, 'BEGIN');
    await ok('a', 'exec', name, "UPDATE items SET label = 'y' WHERE id = 2");
    expect(codeOf(await call('a', 'hash', name))).toBe('transaction-open');
    await ok('a', 'exec', name, 'ROLLBACK');
  });

  it('imports a sql.js file in pieces, byte for byte, and a broken stream leaves no database', async () => {
    const name = uniqueName('import');
    const hashes = await ok<{ sqlJs: string; opfs: string }>('a', 'importFromSqlJs', name, ROWS);
    expect(hashes.opfs).toBe(hashes.sqlJs);
    expect(await count('a', name)).toBe(500);
    expect(codeOf(await call('a', 'importFromSqlJs', name, ROWS))).toBe('invalid-argument');

    const broken = uniqueName('import-broken');
    expect(codeOf(await call('b', 'importFailing', broken))).not.toBe('no error');
    await ok('b', 'open', broken);
    expect(await ok('b', 'query', broken, 'SELECT count(*) AS n FROM sqlite_schema')).toEqual([{ n: 0 }]);
  });

  it('replaces a database in one step, or not at all', async () => {
    const name = uniqueName('replace');
    await ok('a', 'open', name);
    await ok('a', 'exec', name, ROWS);
    const before = await hash('a', name);
    const other = 'CREATE TABLE other (v); INSERT INTO other VALUES (1), (2), (3);';
    expect(codeOf(await call('a', 'replaceWith', name, other, 'stream'))).not.toBe('no error');
    expect((await hash('a', name)).sha256).toBe(before.sha256);
    expect(codeOf(await call('a', 'replaceWith', name, other, 'pages'))).toBe('corrupt-database');
    expect((await hash('a', name)).sha256).toBe(before.sha256);

    await ok('a', 'replaceWith', name, other);
    expect(await count('a', name, 'other')).toBe(3);
    expect(codeOf(await call('a', 'query', name, 'SELECT * FROM items'))).toBe('sqlite-error');
    await ok('a', 'close', name);
    await ok('b', 'open', name);
    expect(await count('b', name, 'other')).toBe(3);
  });

  it('fails with quota-exceeded when the quota is full, and the database stays as it was', async () => {
    const name = uniqueName('quota');
    await ok('a', 'open', name);
    await ok('a', 'exec', name, ROWS);
    const before = await hash('a', name);
    const cdp = await page.context().newCDPSession(page);
    const origin = new URL(page.url()).origin;
    const { usage } = (await cdp.send('Storage.getUsageAndQuota', { origin })) as { usage: number };
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 200_000 });
    try {
      const big = 'INSERT INTO items (label, body) SELECT label, randomblob(4000) FROM items';
      expect(codeOf(await call('a', 'exec', name, big))).toBe('quota-exceeded');
      expect(await count('a', name)).toBe(500);
      expect((await hash('a', name)).sha256).toBe(before.sha256);
      const replacement = `CREATE TABLE other (v); INSERT INTO other SELECT randomblob(400000) FROM (SELECT 1 UNION ALL SELECT 2);`;
      expect(codeOf(await call('a', 'replaceWith', name, replacement))).toBe('quota-exceeded');
      expect((await hash('a', name)).sha256).toBe(before.sha256);
    } finally {
      await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    }
    await ok('a', 'exec', name, "INSERT INTO items (label) VALUES ('after')");
    expect(await count('a', name)).toBe(501);
  });
});
