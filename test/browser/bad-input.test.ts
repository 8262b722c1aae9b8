/**
 * What an app gets wrong, in real Chromium: a wasm URL that does not serve the wasm, a worker file that
 * never calls `serve()`, `openDatabase` without a worker. Each gets one MoltError code, in time, never a
 * hang. Pages: test/browser/pages/bad-input.ts and bad-input-worker.ts.
 */
import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { DEFAULT_LOCK_TIMEOUT_MS } from '../../src/worker/index.ts';
import { callPage, describeBrowser } from './harness.ts';

interface Opened {
  ready: { status: string } | { code: string; message: string; details: Record<string, unknown> };
  ms: number;
  query: unknown;
}

let counter = 0;
const uniqueName = (prefix: string) => `${prefix}-${++counter}-${Date.now().toString(36)}`;

describeBrowser('bad input from the app', (browser) => {
  let page: Page;
  beforeAll(async () => {
    page = await browser.openPage('/bad-input.html');
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  });
  const open = (mode: string) => callPage<Opened>(page, 'open', mode, uniqueName(mode));

  it('a wasm URL that answers 404: wasm-load-failed, naming the URL and the status', async () => {
    const { ready, query } = await open('wasm-404');
    const url = `${browser.url}/no-such-file.wasm`;
    expect(ready).toMatchObject({ code: 'wasm-load-failed', details: { url, reason: 'HTTP 404' } });
    expect((ready as { message: string }).message).toContain(url);
    // The database never opened: calls after it say so rather than wait.
    expect(query).toMatchObject({ code: 'closed' });
  });

  it('a wasm URL that serves a page instead: wasm-load-failed, saying what came back', async () => {
    const { ready } = await open('wasm-html');
    expect(ready).toMatchObject({
      code: 'wasm-load-failed',
      details: { url: `${browser.url}/bad-input.html`, reason: expect.stringContaining('text/html') },
    });
  });

  it('the wasm given as bytes (sqlite.wasmBinary) opens the database', async () => {
    const { ready, query } = await open('bytes');
    expect(ready).toEqual({ status: 'created' });
    expect(query).toEqual([{ n: 0 }]);
  });

  it('a worker that calls serve() only after an await still opens', async () => {
    const { ready } = await open('late');
    expect(ready).toEqual({ status: 'created' });
  });

  it('a worker that never calls serve(): worker-unresponsive after the lock timeout, and calls fail too', async () => {
    const { ready, ms, query } = await open('silent');
    expect(ready).toMatchObject({
      code: 'worker-unresponsive',
      details: { timeoutMs: DEFAULT_LOCK_TIMEOUT_MS },
    });
    expect(ms).toBeGreaterThanOrEqual(DEFAULT_LOCK_TIMEOUT_MS - 50);
    expect(query).toMatchObject({ code: 'worker-unresponsive' });
  });

  it('openDatabase without a worker (or without a name): invalid-argument, at once', async () => {
    expect(await callPage(page, 'openWithout', { name: 'notes' })).toMatchObject({
      code: 'invalid-argument',
      details: { option: 'worker' },
    });
    expect(await callPage(page, 'openWithout', { name: 'notes', worker: {} })).toMatchObject({
      code: 'invalid-argument',
      details: { option: 'worker' },
    });
    expect(await callPage(page, 'openWithout', {})).toMatchObject({
      code: 'invalid-argument',
      details: { option: 'name' },
    });
  });
});
