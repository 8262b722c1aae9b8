/**
 * Durability in real Chromium: writes made without `save()` survive a reload and a browser restart;
 * `relaxed` loses nothing when the page is left (`pagehide`) and, when the page crashes, at most the
 * writes of its last window; a persist that runs out of quota rejects exactly the writes it carried.
 * The persisted database is read back as the next start reads it (the head, verified).
 */
import type { Page } from 'playwright-core';
import { afterEach, expect, it } from 'vitest';
import { callPage, describeBrowser } from './harness.ts';
import { call, openReady, pageReady, uniqueName } from './worker-calls.ts';

const opened: Page[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((page) => page.close().catch(() => undefined)));
});

async function ready(page: Page): Promise<Page> {
  opened.push(page);
  return pageReady(page);
}

const insert = (page: Page, key: string, body: string) =>
  call(page, key, 'exec', 'INSERT INTO notes (body) VALUES (?)', [body]);

/** A body of the quota test without its 800,000 hex digits. */
const label = (body: string) => (body.startsWith('big ') ? body.slice(0, -800_000) : body);

/** The bodies in the persisted head of `name`, read on `page` as the next start reads them. */
async function stored(page: Page, name: string): Promise<string[]> {
  const found = await callPage<{ rows: { notes: { body: string }[] }; verified: string[] } | null>(
    page,
    'inspectStored',
    name,
    { notes: 'SELECT body FROM notes ORDER BY id' },
  );
  if (!found) return [];
  expect(found.verified.every((kind) => kind === 'verified')).toBe(true);
  return found.rows.notes.map((r) => r.body);
}

describeBrowser('durability in Chromium', (browser) => {
  it('keeps writes made without save() across a reload and a browser restart', async () => {
    const name = uniqueName('restart');
    const persistent = await browser.openPersistent();
    let page = await ready(await persistent.openPage('/worker-page.html'));
    await openReady(page, 'a', { name, app: 'notes-v1' });
    await insert(page, 'a', 'before the reload');
    await page.reload();
    await ready(page);
    await openReady(page, 'b', { name, app: 'notes-v1' });
    expect(await call(page, 'b', 'query', 'SELECT body FROM notes')).toEqual([{ body: 'before the reload' }]);
    await insert(page, 'b', 'before the restart');
    // No close(), no save(): the browser goes away with the page open.
    await persistent.reopen();
    page = await ready(await persistent.openPage('/worker-page.html'));
    await openReady(page, 'c', { name, app: 'notes-v1' });
    expect(await call(page, 'c', 'query', 'SELECT body FROM notes ORDER BY id')).toEqual([
      { body: 'before the reload' },
      { body: 'before the restart' },
    ]);
  });

  it('relaxed: loses nothing when the page is closed or left (pagehide)', async () => {
    const name = uniqueName('pagehide');
    const observer = await ready(await browser.openPage('/worker-page.html'));
    const bodies: string[] = [];
    for (const [round, leave] of [
      [1, 'close'],
      [2, 'navigate'],
      [3, 'close'],
    ] as const) {
      const page = await ready(await browser.openPage('/worker-page.html'));
      // A delay far beyond the test: only leaving the page can have persisted these writes.
      await openReady(page, 'db', { name, app: 'notes-v1', durability: 'relaxed', relaxedDelayMs: 600_000 });
      for (let i = 1; i <= 5; i++) {
        await insert(page, 'db', `round ${round} row ${i}`);
        bodies.push(`round ${round} row ${i}`);
      }
      if (leave === 'close') await page.close();
      else await page.goto('about:blank');
      expect(await stored(observer, name)).toEqual(bodies);
    }
  });

  it('relaxed: a crashed page loses at most the writes of its last window', async () => {
    const name = uniqueName('crash');
    const delayMs = 300;
    const page = await ready(await browser.openPage('/worker-page.html'));
    await openReady(page, 'db', { name, app: 'notes-v1', durability: 'relaxed', relaxedDelayMs: delayMs });
    void callPage(page, 'writeLoop', 'db', 'row', 100_000).catch(() => undefined);
    // Where the writes were, as seen from here, every 50 ms.
    const seen: { at: number; acknowledged: number }[] = [];
    const started = Date.now();
    while (Date.now() - started < 2500) {
      seen.push({ at: Date.now(), acknowledged: await callPage<number>(page, 'written', 'db') });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const crashedAt = Date.now();
    const cdp = await page.context().newCDPSession(page);
    void cdp.send('Page.crash').catch(() => undefined);
    await page.waitForEvent('crash').catch(() => undefined);

    const observer = await ready(await browser.openPage('/worker-page.html'));
    const kept = await stored(observer, name);
    // Every write acknowledged a window (plus a persist's time) before the crash is there, in order,
    // without a gap: what is lost is only the tail.
    const window = delayMs + 1000;
    const safe = Math.max(0, ...seen.filter((s) => s.at <= crashedAt - window).map((s) => s.acknowledged));
    expect(safe).toBeGreaterThan(0);
    expect(kept.length).toBeGreaterThanOrEqual(safe);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => `row ${i + 1}`));
  });

  it('rejects exactly the writes a persist carried when the quota runs out, and keeps none of them', async () => {
    const name = uniqueName('quota');
    // Chromium applies a quota override only when it comes before the origin stores anything.
    const context = await browser.newContext();
    const blank = await context.newPage();
    const cdp = await context.newCDPSession(blank);
    const origin = browser.url;
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 3_000_000 });
    await blank.goto(`${browser.url}/worker-page.html`);
    const page = await ready(blank);
    await openReady(page, 'db', { name, app: 'notes-v1' });
    await insert(page, 'db', 'before');
    try {
      // Twelve writes at once, each with 800 KB that no chunk stored so far holds: the first persist
      // carries one, the next the other eleven, which do not fit.
      const rows = Array.from({ length: 12 }, (_, i) => [`big ${i + 1}`, 400_000]);
      const outcomes = await callPage<string[]>(
        page,
        'writeTogether',
        'db',
        'INSERT INTO notes (body) SELECT ? || hex(randomblob(?)) WHERE 1',
        rows,
      );
      expect(outcomes.every((o) => o === 'ok' || o === 'quota-exceeded')).toBe(true);
      const rejected = outcomes.filter((o) => o === 'quota-exceeded').length;
      expect(rejected).toBeGreaterThan(0);
      const events = await callPage<{ kind: string; writes: number; code?: string }[]>(
        page,
        'persists',
        'db',
      );
      const failed = events.filter((e) => e.kind === 'persist-failed');
      expect(failed.every((e) => e.code === 'quota-exceeded')).toBe(true);
      expect(failed.reduce((sum, e) => sum + e.writes, 0)).toBe(rejected);

      // The rows in the live database, then in the persisted head: the acknowledged ones, no other.
      const accepted = rows.filter((_, i) => outcomes[i] === 'ok').map(([body]) => body as string);
      const live = await call<{ body: string }[]>(page, 'db', 'query', 'SELECT body FROM notes ORDER BY id');
      expect(live.map((r) => label(r.body))).toEqual(['before', ...accepted]);
      expect((await stored(page, name)).map(label)).toEqual(['before', ...accepted]);
    } finally {
      await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1_000_000_000 });
    }
    // With room again, writing works and the head holds exactly the acknowledged rows plus the new one.
    await insert(page, 'db', 'after');
    const heads = (await stored(page, name)).map(label);
    expect(heads).toEqual(['before', ...heads.slice(1, -1), 'after']);
    expect(heads.length - 2).toBe(
      12 -
        (await callPage<{ kind: string; writes: number }[]>(page, 'persists', 'db'))
          .filter((e) => e.kind === 'persist-failed')
          .reduce((sum, e) => sum + e.writes, 0),
    );
  });
});
