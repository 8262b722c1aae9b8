/**
 * The snapshot store on IndexedDB as Chromium has it: strict-durability transactions, real quota errors,
 * data on disk across a restart, and a snapshot of 200 MB.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { callPage, describeBrowser } from './harness.ts';

interface Saved {
  snapshot: { id: string; chunkCount: number; reason: string; generation: number };
  chunksWritten: number;
  bytesWritten: number;
  byteLength: number;
  sha256: string;
  error?: { code: string; details: Record<string, unknown> };
}

interface Loaded {
  snapshot: { id: string };
  generation: number;
  skipped: { id: string | null; problems: { kind: string }[] }[];
  sha256: string;
  rows: number;
}

async function openStoragePage(open: () => Promise<Page>): Promise<Page> {
  const page = await open();
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  return page;
}

describeBrowser('snapshot store on IndexedDB in Chromium', (browser) => {
  it('saves, saves a one-row change incrementally, loads verified, restores, prunes and collects', async () => {
    const page = await openStoragePage(() => browser.openPage('/storage.html'));
    const made = await callPage<{ byteLength: number }>(page, 'makeDatabase', 8);
    const first = await callPage<Saved>(page, 'save', 'lifecycle');
    expect(first.error).toBeUndefined();
    expect(first.chunksWritten).toBe(first.snapshot.chunkCount);

    await callPage(page, 'changeOneRow', 4000);
    const second = await callPage<Saved>(page, 'save', 'lifecycle');
    expect(second.chunksWritten).toBeGreaterThan(0);
    expect(second.chunksWritten).toBeLessThanOrEqual(3);
    expect(second.bytesWritten / made.byteLength).toBeLessThan(0.1);

    const head = await callPage<Loaded>(page, 'loadHead', 'lifecycle', { fresh: true });
    expect(head).toMatchObject({ sha256: second.sha256, skipped: [], generation: 2 });

    const restored = await callPage<Saved>(page, 'restore', 'lifecycle', first.snapshot.id);
    expect(restored.sha256).toBe(first.sha256);
    expect(restored.snapshot.reason).toBe('restore');
    expect((await callPage<Loaded>(page, 'loadHead', 'lifecycle')).sha256).toBe(first.sha256);

    for (const id of [10, 20, 30]) {
      await callPage(page, 'changeOneRow', id);
      await callPage(page, 'save', 'lifecycle');
    }
    const pruned = await callPage<{ deleted: string[] }>(page, 'prune', 'lifecycle', 1);
    expect(pruned.deleted.length).toBeGreaterThanOrEqual(4);
    expect(await callPage(page, 'collectGarbage', 'lifecycle')).toMatchObject({ kind: 'collected' });
    expect(await callPage(page, 'usage', 'lifecycle')).toMatchObject({ orphanChunks: 0, snapshots: 1 });
    expect(await callPage(page, 'verifyStore', 'lifecycle')).toMatchObject({ ok: true });
    expect((await callPage<Loaded>(page, 'loadHead', 'lifecycle')).sha256).toBe(
      await callPage(page, 'currentSha256'),
    );
  });

  it('finds a damaged chunk on load and falls back to the newest snapshot that verifies', async () => {
    const page = await openStoragePage(() => browser.openPage('/storage.html'));
    await callPage(page, 'makeDatabase', 2);
    const first = await callPage<Saved>(page, 'save', 'damage');
    await callPage(page, 'changeOneRow', 7);
    const second = await callPage<Saved>(page, 'save', 'damage');
    const { index, hash } = await callPage<{ index: number; hash: string }>(
      page,
      'chunkOnlyIn',
      'damage',
      second.snapshot.id,
      first.snapshot.id,
    );
    await callPage(page, 'damageChunk', 'damage', hash);
    const head = await callPage<Loaded>(page, 'loadHead', 'damage', { fresh: true });
    expect(head.snapshot.id).toBe(first.snapshot.id);
    expect(head.sha256).toBe(first.sha256);
    expect(head.skipped).toEqual([
      { id: second.snapshot.id, problems: [expect.objectContaining({ kind: 'chunk-corrupt', index })] },
    ]);
    expect(await callPage(page, 'verifyStore', 'damage')).toMatchObject({ ok: false, corruptChunks: [hash] });
  });

  it('keeps snapshots across a page reload and a browser restart', async () => {
    const persistent = await browser.openPersistent();
    let page = await openStoragePage(() => persistent.openPage('/storage.html'));
    await callPage(page, 'makeDatabase', 4);
    const saved = await callPage<Saved>(page, 'save', 'durable');
    await page.reload();
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    expect((await callPage<Loaded>(page, 'loadHead', 'durable')).sha256).toBe(saved.sha256);
    await persistent.reopen();
    page = await openStoragePage(() => persistent.openPage('/storage.html'));
    const head = await callPage<Loaded>(page, 'loadHead', 'durable');
    expect(head).toMatchObject({ sha256: saved.sha256, skipped: [], snapshot: { id: saved.snapshot.id } });
    expect(head.rows).toBeGreaterThan(3000);
  });

  it('turns QuotaExceededError into quota-exceeded with usage and quota, keeping the head', async () => {
    const context = await browser.newContext();
    const page = await openStoragePage(() => browser.openPage('/storage.html', context));
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: browser.url, quotaSize: 6 * 1024 * 1024 });
    await callPage(page, 'makeDatabase', 1);
    const small = await callPage<Saved>(page, 'save', 'quota');
    expect(small.error).toBeUndefined();
    await callPage(page, 'makeDatabase', 12);
    const big = await callPage<Saved>(page, 'save', 'quota');
    expect(big.error?.code).toBe('quota-exceeded');
    expect(big.error?.details).toMatchObject({ quota: expect.any(Number), usage: expect.any(Number) });
    expect((await callPage<Loaded>(page, 'loadHead', 'quota')).sha256).toBe(small.sha256);
  });

  it('gives the slower of two tabs stale-head instead of overwriting', async () => {
    const context = await browser.newContext();
    const tabA = await openStoragePage(() => browser.openPage('/storage.html', context));
    const tabB = await openStoragePage(() => browser.openPage('/storage.html', context));
    await callPage(tabA, 'makeDatabase', 1);
    await callPage(tabA, 'save', 'tabs');
    await callPage(tabB, 'loadHead', 'tabs');
    await callPage(tabA, 'loadHead', 'tabs');
    await callPage(tabA, 'changeOneRow', 1);
    await callPage(tabB, 'changeOneRow', 2);
    expect((await callPage<Saved>(tabA, 'save', 'tabs')).error).toBeUndefined();
    expect((await callPage<Saved>(tabB, 'save', 'tabs')).error?.code).toBe('stale-head');
  });

  it('stores, loads and verifies a snapshot of at least 200 MB on disk', async () => {
    const persistent = await browser.openPersistent();
    const page = await openStoragePage(() => persistent.openPage('/storage.html'));
    const made = await callPage<{ byteLength: number; sha256: string }>(page, 'makeDatabase', 205);
    expect(made.byteLength).toBeGreaterThanOrEqual(200 * 1024 * 1024);
    const saved = await callPage<Saved>(page, 'save', 'big');
    expect(saved.error).toBeUndefined();
    expect(saved.sha256).toBe(made.sha256);
    const head = await callPage<Loaded>(page, 'loadHead', 'big', { fresh: true, reopen: false });
    expect(head).toMatchObject({ sha256: made.sha256, skipped: [] });
    expect(await callPage(page, 'verifySnapshot', 'big', saved.snapshot.id)).toMatchObject({
      kind: 'verified',
    });
  });
});
