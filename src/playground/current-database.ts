/**
 * Where the current database comes from: the example, SQL that builds it (CREATE statements, maybe
 * INSERTs), or a .sqlite file. Each replaces the database and saves it as a snapshot, so the one it
 * replaced stays in the snapshot list and can be restored.
 */
import { MoltError } from '../client/index.ts';
import { splitStatements } from '../engine/index.ts';
import type { App } from './app.ts';
import { extractSchema, listTables } from './database-facts.ts';
import { h, show } from './dom.ts';
import { EXAMPLE_CURRENT, EXAMPLE_TARGET } from './example.ts';
import { plural } from './format.ts';

export const EXAMPLE_SOURCE = 'The example to-do app at v1';

/**
 * Replaces the database with what `sql` builds. When the SQL fails, the database is put back as it was.
 * @example
 * await buildFromSql(app, 'CREATE TABLE t (x); INSERT INTO t VALUES (1);', 'Built from your SQL');
 */
export async function buildFromSql(app: App, sql: string, source: string): Promise<void> {
  const { db } = app.session;
  const previous = (await db.snapshots.list()).find((s) => s.isHead);
  // Importing zero bytes is a new, empty database (an empty file is a valid SQLite database).
  app.own.add((await db.import(new Uint8Array(0))).id);
  try {
    await db.exec(sql);
  } catch (error) {
    // Point at the statement: run them one by one in a transaction that rolls back.
    const located = await locateFailure(app, sql).catch(() => undefined);
    if (previous) app.own.add((await db.snapshots.restore(previous.id)).id);
    throw located ?? error;
  }
  app.own.add((await db.save()).snapshot.id);
  app.current.set(sql);
  app.source = source;
  app.change = '';
}

/**
 * Runs the script's statements one at a time in a transaction (which rolls back) and returns the error
 * of the first that fails, naming it and its line; undefined when they all run.
 */
async function locateFailure(app: App, sql: string): Promise<MoltError | undefined> {
  const { db } = app.session;
  // A dump's own BEGIN / COMMIT would clash with the transaction around them.
  const statements = splitStatements(sql).filter(
    (text) => !/^(begin|commit|end|rollback)\b/i.test(text.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/, '')),
  );
  app.own.add((await db.import(new Uint8Array(0))).id);
  try {
    await db.transaction(statements.map((text) => ({ sql: text })));
    return undefined;
  } catch (error) {
    if (!(error instanceof MoltError) || typeof error.details.statementIndex !== 'number') return undefined;
    const index = error.details.statementIndex;
    const statement = statements[index] ?? '';
    let at = -1;
    for (const text of statements.slice(0, index + 1)) {
      const found = sql.indexOf(text, at + 1);
      if (found >= 0) at = found;
    }
    const line = sql.slice(0, Math.max(at, 0)).split('\n').length;
    return new MoltError(error.code, error.message, { ...error.details, statement, line });
  }
}

/** Loads the example: v1 with its rows as the current database, v2 as the target. */
export async function loadExample(app: App): Promise<void> {
  await buildFromSql(app, EXAMPLE_CURRENT, EXAMPLE_SOURCE);
  app.target.set(EXAMPLE_TARGET);
}

/**
 * Opens a .sqlite file: the worker checks it (header, quick_check) before it replaces anything. The
 * target starts as the file's own schema, ready to be edited.
 * @example
 * await openFile(app, input.files[0]);
 */
export async function openFile(app: App, file: File): Promise<void> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  app.own.add((await app.session.db.import(bytes)).id);
  const schema = await extractSchema(app.session.db);
  app.current.set(`-- The schema of ${file.name}. Its rows are in the database, not in this SQL.\n${schema}`);
  app.target.set(schema);
  app.source = `${file.name}, opened from a file`;
  app.change = '';
}

/** Makes the example's todos big enough that a rebuild takes a moment and the progress bar moves. */
export async function growExample(app: App): Promise<void> {
  const { db } = app.session;
  await db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
    INSERT INTO todos (project_id, title, done) SELECT 1 + i % 4, 'Generated to-do #' || i, i % 2 FROM n`);
  app.own.add((await db.save()).snapshot.id);
  app.change = 'with 100,000 generated todos';
}

/** The summary under "Current database": where it came from and its tables with their rows. */
export async function renderSummary(app: App, element: HTMLElement): Promise<void> {
  const tables = await listTables(app.session.db);
  const head = (await app.session.db.snapshots.list()).find((s) => s.isHead);
  show(
    element,
    h(
      'p',
      null,
      h('strong', { id: 'current-source' }, app.source || 'A database kept from an earlier visit'),
      app.change ? h('span', { id: 'current-change' }, ` · ${app.change}`) : null,
    ),
    tables.length === 0
      ? h('p', { class: 'muted' }, 'The database is empty.')
      : h(
          'ul',
          { class: 'table-chips', 'aria-label': 'Tables' },
          tables.map((t) =>
            h(
              'li',
              { 'data-table': t.name },
              h('strong', null, t.name),
              ' ',
              h('span', { class: 'muted' }, t.type === 'view' ? 'view' : plural(t.rows, 'row')),
            ),
          ),
        ),
    head ? null : h('p', { class: 'muted' }, 'Not saved yet.'),
  );
  document.getElementById('grow')!.hidden =
    !tables.some((t) => t.name === 'todos') || app.source !== EXAMPLE_SOURCE;
}
