/**
 * The tabs other than the plan: Data (paged rows and a query box), Snapshots (list, verify, restore,
 * download), History (ledger and timeline) and Health. Each is drawn when its tab is open, and again
 * after anything changes the database.
 */
import { closeCompletion } from '@codemirror/autocomplete';
import type { App } from './app.ts';
import { listTables, readLedger, readPage, readUserVersion, runQuery } from './database-facts.ts';
import { byId, h, keepFocus, show } from './dom.ts';
import type { SqlEditor } from './editor.ts';
import { plural, short } from './format.ts';
import type { ChecksumStatus } from './session.ts';
import { columnsOf, renderGrid } from './views/grid.ts';
import { renderHealth } from './views/health-view.ts';
import { renderHistory } from './views/history-view.ts';
import { renderSnapshots } from './views/snapshots-view.ts';

export const PAGE_SIZE = 20;
/** The query box shows at most this many rows. */
export const QUERY_ROWS = 500;

/** What the panels remember between redraws. */
export interface PanelState {
  table: string | undefined;
  offset: number;
  checksums: Map<string, ChecksumStatus>;
}

export function createPanelState(): PanelState {
  return { table: undefined, offset: 0, checksums: new Map() };
}

/**
 * Draws one panel from the database as it is now.
 * @example
 * await drawPanel(app, panels, 'panel-snapshots');
 */
export async function drawPanel(app: App, state: PanelState, panel: string): Promise<void> {
  if (panel === 'panel-data') await drawData(app, state);
  else if (panel === 'panel-snapshots') await drawSnapshots(app, state);
  else if (panel === 'panel-history') await drawHistory(app);
  else if (panel === 'panel-health')
    show(byId('health-view'), renderHealth(await app.session.db.health(app.target.get())));
}

async function drawData(app: App, state: PanelState): Promise<void> {
  const select = byId<HTMLSelectElement>('table-select');
  const tables = await listTables(app.session.db);
  if (!tables.some((t) => t.name === state.table)) {
    state.table = tables[0]?.name;
    state.offset = 0;
  }
  show(
    select,
    tables.map((t) =>
      h(
        'option',
        { value: t.name, selected: t.name === state.table },
        t.type === 'view' ? `${t.name} (view)` : `${t.name} (${plural(t.rows, 'row')})`,
      ),
    ),
  );
  const view = byId('table-view');
  if (!state.table) return show(view, h('p', { class: 'muted' }, 'The database has no tables.'));
  const page = await readPage(app.session.db, state.table, state.offset, PAGE_SIZE);
  const last = Math.min(page.offset + page.rows.length, page.total);
  const move = (offset: number) => () =>
    void app.task('Reading rows', async () => {
      state.offset = offset;
      await drawData(app, state);
    });
  keepFocus(view, () =>
    show(
      view,
      renderGrid(page.columns, page.rows, state.table),
      h(
        'div',
        { class: 'pager' },
        h(
          'span',
          { 'data-range': `${page.offset + 1}-${last}` },
          page.total ? `Rows ${page.offset + 1}–${last} of ${page.total.toLocaleString()}` : 'No rows',
        ),
        h(
          'button',
          {
            type: 'button',
            id: 'page-previous',
            class: 'small',
            disabled: page.offset === 0,
            onclick: move(Math.max(0, page.offset - PAGE_SIZE)),
          },
          '‹ Previous',
        ),
        h(
          'button',
          {
            type: 'button',
            id: 'page-next',
            class: 'small',
            disabled: last >= page.total,
            onclick: move(page.offset + PAGE_SIZE),
          },
          'Next ›',
        ),
      ),
    ),
  );
}

/** Picks another table in the Data tab. */
export function chooseTable(app: App, state: PanelState, table: string): Promise<void> {
  return app.task('Reading rows', async () => {
    state.table = table;
    state.offset = 0;
    await drawData(app, state);
  });
}

/**
 * Runs the query box's statement; one that writes is saved as a snapshot, as an app would save.
 * @example
 * await runQueryBox(app, state, queryEditor);
 */
export function runQueryBox(app: App, state: PanelState, editor: SqlEditor): Promise<void> {
  return app.task('Running the query', async () => {
    closeCompletion(editor.view);
    const out = byId('query-result');
    const sql = editor.get().trim();
    if (!sql) return show(out, h('p', { class: 'muted' }, 'Type a statement first.'));
    let result: Awaited<ReturnType<typeof runQuery>>;
    try {
      result = await runQuery(app.session.db, sql);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return show(
        out,
        h('p', { class: 'callout blocked', role: 'alert' }, h('strong', null, 'SQLite says: '), message),
      );
    }
    let saved = '';
    if (result.changed) {
      const report = await app.session.db.save();
      app.own.add(report.snapshot.id);
      saved = ` Saved as snapshot ${short(report.snapshot.id, 15)}.`;
      app.change = 'changed by a query';
      await app.refresh();
    }
    show(
      out,
      h(
        'p',
        { class: 'muted' },
        result.rows.length
          ? `${plural(result.rows.length, 'row')}${result.rows.length > QUERY_ROWS ? `, the first ${QUERY_ROWS} shown` : ''}.`
          : result.changed
            ? `${plural(result.changes, 'row')} changed.`
            : 'No rows.',
        saved,
      ),
      result.rows.length
        ? renderGrid(columnsOf(result.rows), result.rows.slice(0, QUERY_ROWS), 'Query result')
        : null,
    );
    await drawData(app, state);
  });
}

async function drawSnapshots(app: App, state: PanelState): Promise<void> {
  const { db } = app.session;
  const list = await db.snapshots.list();
  const element = byId('snapshot-list');
  const draw = () =>
    keepFocus(element, () =>
      show(
        element,
        renderSnapshots(list, state.checksums, {
          onVerify: (id) => void verify(app, state, [id]),
          onRestore: (id) => void restore(app, id),
          onDownload: (id) => void download(app, id),
        }),
      ),
    );
  draw();
  // Checksums are part of what the list shows: check the ones not checked yet.
  const unchecked = list.filter((s) => !state.checksums.has(s.id));
  for (const s of unchecked) state.checksums.set(s.id, 'checking');
  draw();
  for (const s of unchecked) {
    state.checksums.set(s.id, (await db.snapshots.verify(s.id)).kind === 'verified' ? 'verified' : 'corrupt');
    draw();
  }
}

/** Verifies snapshots again (reading every chunk and the whole file against their hashes). */
export function verify(app: App, state: PanelState, ids?: string[]): Promise<void> {
  return app.task('Verifying', async () => {
    const all = ids ?? (await app.session.db.snapshots.list()).map((s) => s.id);
    for (const id of all) state.checksums.delete(id);
    await drawSnapshots(app, state);
  });
}

function restore(app: App, id: string): Promise<void> {
  return app.task(`Restoring ${short(id, 15)}`, async () => {
    const restored = await app.session.db.snapshots.restore(id);
    app.own.add(restored.id);
    app.change = `restored to snapshot ${short(id, 15)}`;
    await app.refresh();
    app.say(
      `Restored snapshot ${short(id, 15)}: the database is back to that state (saved as ${short(restored.id, 15)}).`,
    );
  });
}

/** Downloads a snapshot, or the live database when `id` is undefined, as a .sqlite file. */
export function download(app: App, id?: string): Promise<void> {
  return app.task('Preparing the download', async () => {
    const bytes = await app.session.db.snapshots.export(id);
    const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/vnd.sqlite3' }));
    const link = h('a', { href: url, download: `molt-playground-${id ?? 'current'}.sqlite`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    // The download has its own reference to the blob once it started.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  });
}

async function drawHistory(app: App): Promise<void> {
  const { db } = app.session;
  const [ledger, userVersion, snapshots] = await Promise.all([
    readLedger(db),
    readUserVersion(db),
    db.snapshots.list(),
  ]);
  show(byId('history-view'), renderHistory({ ledger, userVersion, snapshots }));
}
