/**
 * The playground end to end in Chromium, through the page as a person uses it: the example planned and
 * applied, a file opened, migrated, downloaded and read back by the CLI, blocked plans with their
 * counts, a snapshot restored, the messages for a bad file and a bad schema, the state carried by the
 * URL, a narrow dark screen driven by the keyboard, and once the built site from a static server.
 * Screenshots land in test-results/playground/.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_CURRENT, EXAMPLE_TARGET } from '../../src/playground/example.ts';
import { loadSqlJs, openSqlJs } from '../../src/sqlite/sql-js.ts';
import { browserAvailable, CHROMIUM_PATH, launchChromium, REPO_ROOT } from './harness.ts';
import {
  ARTIFACTS,
  apply,
  expectNoProblems,
  openPlayground,
  openTab,
  plan,
  rememberedState,
  type Served,
  screenshot,
  serveBuiltPlayground,
  servePlayground,
  setEditor,
  settle,
  waitForTarget,
} from './playground-helpers.ts';

const run = promisify(execFile);
const required = process.env.CI === 'true';
if (!browserAvailable && !required)
  console.warn(`!! SKIPPED the playground suite: no Chromium at ${CHROMIUM_PATH}`);

describe.skipIf(!browserAvailable && !required)('the playground (dev server)', () => {
  let served: Served;
  let browser: Browser;
  beforeAll(async () => {
    [served, browser] = await Promise.all([servePlayground(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it('opens with the example, plans it with the rebuild named, applies it and lists the pre-migrate snapshot', async () => {
    const { page, context, problems } = await openPlayground(browser, served.url);
    await page.waitForSelector('#plan-view [data-plan="ready"]');
    const rebuild = page.locator('li.step[data-kind="rebuild-table"][data-object="todos"]');
    await expect(rebuild.locator('.badge').textContent()).resolves.toContain('rebuild');
    await expect(rebuild.textContent()).resolves.toContain('INSERT OR ABORT INTO "_molt_new_todos"');
    expect(await page.locator('li.step[data-kind="rename-column"]').textContent()).toContain(
      'users.display_name',
    );
    expect(await page.locator('li.step[data-kind="create-index"][data-object="todos_left"]').count()).toBe(1);
    expect(await page.locator('.warnings li[data-kind="fill-default"]').textContent()).toContain(
      '2 NULL values',
    );
    await screenshot(page, 'example-planned');
    await screenshot(page, 'example-planned-viewport', false);

    await apply(page);
    const report = page.locator('#apply-report');
    expect(await report.textContent()).toContain('pre-migrate');
    expect(await report.textContent()).toContain('10 rows copied');
    expect(await page.locator('#progress').evaluate((bar: HTMLProgressElement) => bar.value)).toBe(100);
    await page.waitForSelector('#plan-view [data-plan="empty"]');
    expect(await page.locator('#current-change').textContent()).toContain('migrated');
    await screenshot(page, 'example-applied');

    await openTab(page, 'snapshots');
    const pre = page.locator('#snapshot-list tr[data-reason="pre-migrate"]');
    await expect(pre.count()).resolves.toBe(1);
    await page.waitForSelector('#snapshot-list tr[data-reason="pre-migrate"] td[data-status="verified"]');
    await screenshot(page, 'example-snapshots');

    await openTab(page, 'data');
    await page.selectOption('#table-select', 'users');
    await settle(page);
    expect(await page.locator('#table-view thead').textContent()).toContain('display_name');
    expect(await page.locator('#table-view tbody').textContent()).toContain('Grace');
    await setEditor(page, '#query-editor', 'SELECT count(*) AS nulls FROM todos WHERE done IS NULL');
    await page.click('#run-query');
    await settle(page);
    expect(await page.locator('#query-result td').first().textContent()).toBe('0');
    await screenshot(page, 'example-data');

    await openTab(page, 'history');
    expect(await page.locator('#history-view [data-ledger="empty"]').count()).toBe(1);
    expect(await page.locator('#history-view .timeline li[data-reason="pre-migrate"]').count()).toBe(1);
    await screenshot(page, 'example-history');

    await openTab(page, 'health');
    await page.waitForSelector('.score[data-score]');
    expect(Number(await page.locator('.score').getAttribute('data-score'))).toBe(100);
    expect(await page.locator('.check[data-check="integrity"]').getAttribute('data-status')).toBe('pass');
    await screenshot(page, 'example-health');
    expectNoProblems(problems);
    await context.close();
  });

  it('moves the progress bar through a long rebuild, and pages through the rows', async () => {
    const { page, context, problems } = await openPlayground(browser, served.url);
    await page.click('#current-details > summary');
    await page.click('#grow');
    await settle(page);
    expect(await page.locator('#current-summary [data-table="todos"]').textContent()).toContain(
      '100,010 rows',
    );

    // Record what the progress label says while the worker migrates.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      const label = document.getElementById('progress-label')!;
      new MutationObserver(() => seen.push(label.textContent ?? '')).observe(label, { childList: true });
    });
    await apply(page);
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen).toContain('Taking the pre-migrate snapshot');
    expect(seen.some((text) => text.includes('rebuild-table todos'))).toBe(true);
    expect(seen.at(-1)).toBe('Applied');
    expect(await page.locator('#apply-report').textContent()).toContain('100,010 rows copied');
    await screenshot(page, 'long-rebuild');

    await openTab(page, 'data');
    await page.selectOption('#table-select', 'todos');
    await settle(page);
    expect(await page.locator('.pager [data-range]').textContent()).toContain('Rows 1–20 of 100,010');
    await page.click('#page-next');
    await settle(page);
    expect(await page.locator('.pager [data-range]').getAttribute('data-range')).toBe('21-40');
    expect(await page.locator('#table-view tbody tr').count()).toBe(20);
    // The focus stays on the pager for the next press.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('page-next');
    expectNoProblems(problems);
    await context.close();
  });

  it('tells another tab when the database changed, and that tab shows the new state', async () => {
    const first = await openPlayground(browser, served.url);
    await first.page.waitForSelector('#plan-view [data-plan="ready"]');
    const second = await openPlayground(browser, served.url, { context: first.context });
    await second.page.waitForSelector('#plan-view [data-plan="ready"]');
    await apply(first.page);
    await second.page.waitForFunction(() =>
      document.getElementById('current-change')?.textContent?.includes('another tab'),
    );
    await settle(second.page);
    await second.page.waitForSelector('#plan-view [data-plan="empty"]');
    expect(await second.page.locator('#status').textContent()).toContain('Another tab changed this database');
    expectNoProblems([...first.problems, ...second.problems]);
    await first.context.close();
  });

  it('shows blocked plans with their row counts, and adds a rename hint in one click', async () => {
    const { page, context, problems } = await openPlayground(browser, served.url);
    await setEditor(page, '#target-editor', EXAMPLE_TARGET.replace(' -- @renamed from=name', ''));
    await plan(page, 'blocked');
    const rename = page.locator('li.blocker[data-kind="possible-rename"][data-object="users.name"]');
    expect(await rename.locator('.count').getAttribute('data-count')).toBe('2');
    expect(await rename.textContent()).toContain('display_name TEXT -- @renamed from=name');
    expect(await page.locator('#apply').isDisabled()).toBe(true);
    expect(await page.locator('#plan-view .callout.blocked').textContent()).toContain('Blocked');
    await screenshot(page, 'blocked-rename');

    await rename.locator('button.add-hint').click();
    await settle(page);
    await page.waitForSelector('#plan-view [data-plan="ready"]');
    await waitForTarget(page, 'display_name TEXT -- @renamed from=name');
    expect(await page.locator('#apply').isDisabled()).toBe(false);

    // Dropping a column that holds data: a data-loss blocker with the exact count, until allowed.
    await setEditor(page, '#target-editor', EXAMPLE_TARGET.replace(',\n  title TEXT NOT NULL\n);', '\n);'));
    await plan(page, 'blocked');
    const loss = page.locator('li.blocker[data-kind="data-loss"][data-object="projects.title"]');
    expect(await loss.locator('.count').getAttribute('data-count')).toBe('4');
    await screenshot(page, 'blocked-data-loss');
    await page.check('#allow-data-loss');
    await settle(page);
    await page.waitForSelector('#plan-view [data-plan="ready"]');
    expect(await page.locator('li.step .badge.data-loss').count()).toBeGreaterThan(0);
    expect(await page.locator('.warnings li[data-kind="data-loss-allowed"]').count()).toBe(1);
    expectNoProblems(problems);
    await context.close();
  });

  it('restores the pre-migrate snapshot', async () => {
    const { page, context, problems } = await openPlayground(browser, served.url);
    await page.waitForSelector('#plan-view [data-plan="ready"]');
    await apply(page);
    await openTab(page, 'snapshots');
    await page.locator('#snapshot-list tr[data-reason="pre-migrate"] button', { hasText: 'Restore' }).click();
    await settle(page);
    expect(await page.locator('#status').textContent()).toContain('Restored snapshot');
    expect(await page.locator('#snapshot-list tr[data-reason="restore"]').count()).toBe(1);
    expect(await page.locator('#current-change').textContent()).toContain('restored');
    await screenshot(page, 'restored');

    // Back at v1: the old column is there again, and the v2 plan is what it was at the start.
    await openTab(page, 'data');
    await page.selectOption('#table-select', 'users');
    await settle(page);
    expect(await page.locator('#table-view thead').textContent()).toContain('name');
    expect(await page.locator('#table-view thead').textContent()).not.toContain('display_name');
    await openTab(page, 'plan');
    await page.waitForSelector('#plan-view [data-plan="ready"]');
    expect(await page.locator('li.step[data-kind="rebuild-table"]').count()).toBe(1);
    expectNoProblems(problems);
    await context.close();
  });

  it('opens a .sqlite file, migrates it, and the downloaded file has the same rows for sql.js and the CLI', async () => {
    const dir = join(ARTIFACTS, 'files');
    mkdirSync(dir, { recursive: true });
    const sqlite = await loadSqlJs();
    const original = openSqlJs(sqlite);
    original.exec(`
      CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
      CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors(id), title TEXT NOT NULL, year INTEGER);
      CREATE INDEX books_by_author ON books(author_id);`);
    for (let i = 1; i <= 20; i++) original.exec('INSERT INTO authors VALUES (?, ?)', [i, `Author ${i}`]);
    for (let i = 1; i <= 300; i++) {
      original.exec('INSERT INTO books VALUES (?, ?, ?, ?)', [
        i,
        1 + (i % 20),
        `Book ${i}`,
        i % 7 ? 1900 + i : null,
      ]);
    }
    const books = original.query('SELECT * FROM books ORDER BY id');
    const file = join(dir, 'library.sqlite');
    writeFileSync(file, original.export());
    original.close();

    const { page, context, problems } = await openPlayground(browser, served.url);
    await page.setInputFiles('#upload', file);
    await settle(page);
    expect(await page.locator('#current-source').textContent()).toContain('library.sqlite');
    await waitForTarget(page, 'CREATE TABLE books');
    await page.waitForSelector('#plan-view [data-plan="empty"]');

    const target = `CREATE TABLE authors (
  id INTEGER PRIMARY KEY,
  full_name TEXT NOT NULL -- @renamed from=name
);
CREATE TABLE books (
  id INTEGER PRIMARY KEY,
  author_id INTEGER REFERENCES authors(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  year INTEGER
);
CREATE INDEX books_by_author ON books(author_id);
CREATE INDEX books_by_year ON books(year) WHERE year IS NOT NULL;
`;
    await setEditor(page, '#target-editor', target);
    await plan(page, 'ready');
    expect(await page.locator('li.step[data-kind="rebuild-table"][data-object="books"]').count()).toBe(1);
    await apply(page);
    expect(await page.locator('#apply-report').textContent()).toContain('300 rows copied');
    await screenshot(page, 'file-applied');

    await openTab(page, 'snapshots');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-current')]);
    const migrated = join(dir, 'library-migrated.sqlite');
    await download.saveAs(migrated);
    const [before] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#snapshot-list tr[data-reason="pre-migrate"] button', { hasText: 'Download' }).click(),
    ]);
    const premigrate = join(dir, 'library-pre-migrate.sqlite');
    await before.saveAs(premigrate);
    expect(before.suggestedFilename()).toMatch(/^molt-playground-.+\.sqlite$/);
    const schemaFile = join(dir, 'library-target.sql');
    writeFileSync(schemaFile, target);

    // Read back in Node: the same rows, under the new names.
    const reopened = openSqlJs(sqlite, readFileSync(migrated));
    expect(reopened.query('SELECT * FROM books ORDER BY id')).toEqual(books);
    expect(reopened.query('SELECT full_name FROM authors WHERE id = 3')).toEqual([{ full_name: 'Author 3' }]);
    reopened.close();
    // The pre-migrate snapshot is the file as it was opened.
    const old = openSqlJs(sqlite, readFileSync(premigrate));
    expect(old.query('SELECT * FROM books ORDER BY id')).toEqual(books);
    expect(old.query('SELECT name FROM authors WHERE id = 3')).toEqual([{ name: 'Author 3' }]);
    old.close();

    // And the CLI sees a database that already has the target schema.
    const cli = await run(
      'node',
      [join(REPO_ROOT, 'scripts/molt-from-source.mjs'), 'plan', migrated, schemaFile, '--json'],
      {
        cwd: REPO_ROOT,
      },
    );
    const fromCli = JSON.parse(cli.stdout) as { steps: unknown[]; blockers: unknown[] };
    expect(fromCli.steps).toEqual([]);
    expect(fromCli.blockers).toEqual([]);
    expectNoProblems(problems);
    await context.close();
  });

  it('builds the current database from CREATE statements, and puts it back when the SQL fails', async () => {
    const { page, context, problems } = await openPlayground(browser, served.url);
    await page.click('#current-details > summary');
    await setEditor(
      page,
      '#current-editor',
      'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\nINSERT INTO nope VALUES (1);',
    );
    await page.click('#build-current');
    await settle(page);
    expect(await page.locator('#banner').getAttribute('data-code')).toBe('sqlite-error');
    expect(await page.locator('#banner').textContent()).toContain('no such table: nope');
    expect(await page.locator('#banner').textContent()).toContain(
      'at line 2, in: INSERT INTO nope VALUES (1)',
    );
    expect(await page.locator('#current-summary [data-table="todos"]').count()).toBe(1);

    await setEditor(
      page,
      '#current-editor',
      "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\nINSERT INTO notes (body) VALUES ('a'), ('b');",
    );
    await page.click('#build-current');
    await settle(page);
    expect(await page.locator('#banner').isVisible()).toBe(false);
    expect(await page.locator('#current-source').textContent()).toBe('Built from your SQL');
    expect(await page.locator('#current-summary [data-table="notes"]').textContent()).toContain('2 rows');
    expect(await page.locator('#current-summary [data-table="todos"]').count()).toBe(0);
    expect(await page.locator('#grow').isVisible()).toBe(false);
    await screenshot(page, 'built-from-sql');
    expectNoProblems(problems);
    await context.close();
  });

  it('explains a file that is not SQLite, a damaged one, and a schema that does not parse', async () => {
    const dir = join(ARTIFACTS, 'files');
    mkdirSync(dir, { recursive: true });
    const text = join(dir, 'notes.sqlite');
    writeFileSync(text, 'these are my notes, not a database\n');
    const cut = join(dir, 'cut-short.sqlite');
    writeFileSync(cut, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(40, 1)]));

    const { page, context, problems } = await openPlayground(browser, served.url);
    await page.setInputFiles('#upload', text);
    await settle(page);
    const banner = page.locator('#banner');
    expect(await banner.isVisible()).toBe(true);
    expect(await banner.getAttribute('data-code')).toBe('not-a-database');
    expect(await banner.textContent()).toContain('This file is not a SQLite database');
    // Nothing was replaced.
    expect(await page.locator('#current-source').textContent()).toContain('example');
    await screenshot(page, 'bad-file');

    await page.setInputFiles('#upload', cut);
    await settle(page);
    expect(await banner.getAttribute('data-code')).toBe('corrupt-database');
    expect(await banner.textContent()).toContain('damaged');

    await banner.getByRole('button', { name: 'Dismiss the message' }).click();
    expect(await banner.isVisible()).toBe(false);
    await setEditor(
      page,
      '#target-editor',
      'CREATE TABLE notes (\n  id INTEGER PRIMARY KEY,\n  body TEXT NOT NULL,\n',
    );
    await plan(page, 'invalid');
    expect(await page.locator('#plan-view').textContent()).toContain('The schema does not parse');
    expect(await page.locator('#plan-view').textContent()).toContain('CREATE TABLE notes');
    expect(await page.locator('#apply').isDisabled()).toBe(true);
    await screenshot(page, 'bad-schema');
    expectNoProblems(problems);
    await context.close();
  });

  it('carries both schemas in the URL, and keeps the database across a reload', async () => {
    const { page, context, problems } = await openPlayground(browser, served.url);
    const target = `${EXAMPLE_TARGET}\nCREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE);\n`;
    await setEditor(page, '#target-editor', target);
    await plan(page, 'ready');
    await waitForTarget(page, 'CREATE TABLE tags');
    await page.waitForFunction(() => location.hash.startsWith('#s='));
    await apply(page);
    const link = page.url();

    // A reload keeps the migrated database (IndexedDB) and both schemas.
    await page.reload();
    await settle(page);
    expect(await page.locator('#current-change').textContent()).toContain('migrated');
    await page.waitForSelector('#plan-view [data-plan="empty"]');
    expect(await page.locator('#current-summary [data-table="tags"]').count()).toBe(1);

    // A new visitor with the link: the current database is built from the link, the target is the link's.
    const { page: other, context: otherContext } = await openPlayground(browser, link);
    await other.waitForSelector('#plan-view [data-plan="ready"]');
    expect(await other.locator('li.step[data-kind="create-table"][data-object="tags"]').count()).toBe(1);
    const state = await rememberedState(other);
    expect(state.target).toBe(target);
    expect(state.current).toBe(EXAMPLE_CURRENT);
    expect(await other.locator('#current-summary [data-table="todos"]').textContent()).toContain('10 rows');
    await screenshot(other, 'from-link');
    expectNoProblems(problems);
    await otherContext.close();
    await context.close();
  });

  it('works on a narrow dark screen with the keyboard', async () => {
    const { page, context, problems } = await openPlayground(browser, served.url, {
      viewport: { width: 390, height: 844 },
      dark: true,
    });
    await page.waitForSelector('#plan-view [data-plan="ready"]');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(17, 19, 23)');
    await screenshot(page, 'narrow-dark-top', false);
    await page.locator('#tabs').scrollIntoViewIfNeeded();
    await screenshot(page, 'narrow-dark-plan', false);

    // Ctrl+Enter in the target editor plans at once.
    await page.click('#target-editor .cm-content');
    await page.keyboard.press('ControlOrMeta+End');
    await page.keyboard.insertText('\nCREATE TABLE labels (id INTEGER PRIMARY KEY);');
    await page.keyboard.press('ControlOrMeta+Enter');
    await settle(page);
    await page.waitForSelector('li.step[data-kind="create-table"][data-object="labels"]');

    // The tabs follow the arrow keys, and the panel follows the tab.
    await page.focus('#tab-plan');
    await page.keyboard.press('ArrowRight');
    await settle(page);
    expect(await page.locator('#tab-data').getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('#panel-data').isVisible()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-data');
    await page.keyboard.press('End');
    await settle(page);
    expect(await page.locator('#panel-health').isVisible()).toBe(true);
    await page.waitForSelector('.score[data-score]');
    await page.locator('#tabs').scrollIntoViewIfNeeded();
    await screenshot(page, 'narrow-dark-health', false);
    // The health check compares with the target in the editor, and says so by name.
    await page.waitForSelector('.check[data-check="drift"][data-status="fail"]');

    // Planning on request from another tab shows the plan.
    await page.click('#target-editor .cm-content');
    await page.keyboard.press('ControlOrMeta+Enter');
    await settle(page);
    expect(await page.locator('#panel-plan').isVisible()).toBe(true);

    // Applying leaves the keyboard on the result; nothing sticks out sideways; the snapshot list
    // keeps every action on screen.
    await page.click('#apply');
    await page.waitForSelector('#apply-report .report[data-status="migrated"]', { timeout: 60_000 });
    await settle(page);
    expect(await page.evaluate(() => document.activeElement?.closest('#apply-report') !== null)).toBe(true);
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    await screenshot(page, 'narrow-dark-applied');
    await openTab(page, 'snapshots');
    const restore = page.locator('#snapshot-list tr[data-reason="pre-migrate"] button', {
      hasText: 'Restore',
    });
    const box = (await restore.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    await screenshot(page, 'narrow-dark-snapshots');

    // The skip link puts the cursor in the target editor.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.focus('#skip-link');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.closest('#target-editor') !== null)).toBe(true);
    expectNoProblems(problems);
    await context.close();
  });
});

describe.skipIf(!browserAvailable && !required)('the playground (built, from a static server)', () => {
  let served: Served;
  let browser: Browser;
  beforeAll(async () => {
    [served, browser] = await Promise.all([serveBuiltPlayground(join(ARTIFACTS, 'site')), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it('plans and applies the example with its CSP, and lists the pre-migrate snapshot', async () => {
    const { page, context, problems } = await openPlayground(browser, served.url);
    await page.waitForSelector('#plan-view li.step[data-kind="rebuild-table"][data-object="todos"]');
    await apply(page);
    await openTab(page, 'snapshots');
    await page.waitForSelector('#snapshot-list tr[data-reason="pre-migrate"] td[data-status="verified"]');
    await screenshot(page, 'built-snapshots');
    expectNoProblems(problems);
    await context.close();
  });
});
