/**
 * The main thread stays responsive while the worker migrates a 1,000,000-row table: a PerformanceObserver
 * of type 'longtask' on the page sees no task over 50 ms from `openDatabase` until `ready`.
 */
import { expect, it } from 'vitest';
import type { StartupReport } from '../../src/worker/index.ts';
import { callPage, describeBrowser } from './harness.ts';
import { type Result, value } from './worker-calls.ts';

interface Watched {
  report: Result<StartupReport>;
  readyMs: number;
  during: { startTime: number; duration: number }[];
  control: { startTime: number; duration: number }[];
}

const ROWS = 1_000_000;

describeBrowser('main thread during a startup migration', (browser) => {
  it('sees no long task while the worker rebuilds a 1,000,000-row table', async () => {
    const name = `responsive-${Date.now().toString(36)}`;
    const page = await browser.openPage('/worker-page.html');
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    // Build the rows inside the worker (nothing crosses to the page) and save them.
    value(await callPage<Result>(page, 'openReady', 'build', { name, app: 'big-v1' }));
    value(
      await callPage<Result>(
        page,
        'call',
        'build',
        'exec',
        `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${ROWS})
         INSERT INTO big (id, a, b) SELECT i, i % 1000, 'row ' || i FROM s`,
      ),
    );
    value(await callPage<Result>(page, 'call', 'build', 'save'));
    value(await callPage<Result>(page, 'close', 'build'));

    const watched = await callPage<Watched>(page, 'longTasksDuring', 'migrate', { name, app: 'big-v2' });
    const report = value(watched.report);
    expect(report.status).toBe('migrated');
    expect(report.migration?.plan?.steps.map((s) => `${s.kind} ${s.object}`)).toContain('rebuild-table big');
    expect(report.migration?.schemaSteps?.[0]).toMatchObject({ rowsCopied: ROWS });
    expect(watched.during).toEqual([]);
    // The control: the observer does report a task the page blocks on purpose.
    expect(watched.control.some((t) => t.duration >= 100)).toBe(true);
    const rows = value(
      await callPage<Result>(page, 'call', 'migrate', 'query', 'SELECT count(*) AS n FROM big'),
    );
    expect(rows).toEqual([{ n: ROWS }]);
  });
});
