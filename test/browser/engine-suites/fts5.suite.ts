/**
 * FTS5 tables through migrations, on the official SQLite build (sql.js has no FTS5, so this suite runs
 * only in Chromium, through test/browser/engine-suites.test.ts). Every case has rows, and ends with
 * FTS5's own integrity check (https://sqlite.org/fts5.html#the_integrity_check_command).
 */
import { describe, expect, it } from 'vitest';
import { planMigration } from '../../../src/engine/index.ts';
import { count, migrate, openDb } from '../../engine/helpers.ts';

/** The external-content table and its sync triggers, as sqlite.org/fts5.html#external_content_tables writes them. */
const DOCS = `
CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT, body TEXT);
CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, content='docs', content_rowid='id');
CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN
  INSERT INTO docs_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER docs_ad AFTER DELETE ON docs BEGIN
  INSERT INTO docs_fts (docs_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER docs_au AFTER UPDATE ON docs BEGIN
  INSERT INTO docs_fts (docs_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
  INSERT INTO docs_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;`;
const DOCS_ROWS = `INSERT INTO docs VALUES (1, 'hello', 'world'), (5, 'grüße', 'welt'), (9, NULL, 'quiet world');`;

type Conn = Awaited<ReturnType<typeof openDb>>;

const matches = (conn: Conn, table: string, query: string) =>
  conn
    .query(`SELECT rowid FROM "${table}" WHERE "${table}" MATCH ? ORDER BY rowid`, [query])
    .map((r) => Number(r.rowid));

/** FTS5's integrity check, which also compares an external-content index with its content. */
const checkFts = (conn: Conn, table: string) =>
  conn.exec(`INSERT INTO "${table}" ("${table}", rank) VALUES ('integrity-check', 1)`);

describe('FTS5 tables', () => {
  it('an external-content index and its triggers survive a rebuild of the content table', async () => {
    const conn = await openDb(DOCS + DOCS_ROWS);
    const { plan } = migrate(conn, DOCS.replace('body TEXT)', "body TEXT NOT NULL DEFAULT '', lang TEXT)"));
    expect(plan.steps.map((s) => s.kind)).toContain('rebuild-table');
    expect(count(conn, 'docs')).toBe(3);
    expect(matches(conn, 'docs_fts', 'world')).toEqual([1, 9]);
    checkFts(conn, 'docs_fts');
    // The triggers came back: the index follows new writes.
    conn.exec("INSERT INTO docs (id, title, body) VALUES (12, 'mars', 'red')");
    conn.exec("UPDATE docs SET body = 'planet' WHERE id = 1");
    conn.exec('DELETE FROM docs WHERE id = 9');
    expect(matches(conn, 'docs_fts', 'world')).toEqual([]);
    expect(matches(conn, 'docs_fts', 'planet OR red')).toEqual([1, 12]);
    checkFts(conn, 'docs_fts');
  });

  it('an external-content table is recreated without data loss and its index rebuilt', async () => {
    const conn = await openDb(`${DOCS + DOCS_ROWS}`);
    const changed = DOCS.replace(
      "fts5(title, body, content='docs', content_rowid='id')",
      "fts5(body, content='docs', content_rowid='id', tokenize='trigram')",
    )
      .replace(
        /\(rowid, title, body\) VALUES \(new\.id, new\.title, new\.body\)/g,
        '(rowid, body) VALUES (new.id, new.body)',
      )
      .replace(
        /\(docs_fts, rowid, title, body\) VALUES \('delete', old\.id, old\.title, old\.body\)/g,
        "(docs_fts, rowid, body) VALUES ('delete', old.id, old.body)",
      );
    const { plan } = migrate(conn, changed);
    expect(plan.blockers).toEqual([]);
    expect(plan.steps.at(-1)).toMatchObject({ kind: 'rebuild-fts-index', object: 'docs_fts' });
    // The trigram tokenizer finds substrings: the whole index was built again from the content.
    expect(matches(conn, 'docs_fts', 'uiet')).toEqual([9]);
    expect(matches(conn, 'docs_fts', 'orl')).toEqual([1, 9]);
    checkFts(conn, 'docs_fts');
  });

  it('a content table whose rowids change (a new INTEGER PRIMARY KEY) takes the index with it', async () => {
    const before = `CREATE TABLE notes (n INTEGER, body TEXT);
      CREATE VIRTUAL TABLE notes_fts USING fts5(body, content='notes');`;
    const conn = await openDb(`${before}
      INSERT INTO notes VALUES (10, 'zebra'), (20, 'lion');
      INSERT INTO notes_fts (notes_fts) VALUES ('rebuild');`);
    migrate(conn, before.replace('n INTEGER,', 'n INTEGER PRIMARY KEY,'));
    expect(matches(conn, 'notes_fts', 'lion')).toEqual([20]);
    checkFts(conn, 'notes_fts');
  });

  it('leaves a table that holds its own rows, and its shadow tables, alone; changing it is blocked', async () => {
    const schema = `CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT);
      CREATE VIRTUAL TABLE notes_fts USING fts5(title, body);`;
    const conn = await openDb(`${schema}
      INSERT INTO notes VALUES (1, 'a');
      INSERT INTO notes_fts (title, body) VALUES ('hello', 'world'), ('bye', 'moon');`);
    const shadows = () =>
      conn
        .query("SELECT name FROM sqlite_schema WHERE name LIKE 'notes_fts_%' ORDER BY name")
        .map((r) => r.name);
    const before = shadows();
    expect(before).toEqual([
      'notes_fts_config',
      'notes_fts_content',
      'notes_fts_data',
      'notes_fts_docsize',
      'notes_fts_idx',
    ]);
    const { plan } = migrate(conn, schema.replace('title TEXT)', "title TEXT NOT NULL DEFAULT '')"));
    expect(plan.steps.map((s) => s.object)).toEqual(['notes']);
    expect(shadows()).toEqual(before);
    expect(conn.query("SELECT title FROM notes_fts WHERE notes_fts MATCH 'world'")).toEqual([
      { title: 'hello' },
    ]);
    checkFts(conn, 'notes_fts');
    // Recreating it would delete its rows: blocked unless allowed, with the exact count.
    const changed = planMigration(conn, schema.replace('fts5(title, body)', 'fts5(title, body, tags)'));
    expect(changed.blockers).toMatchObject([{ kind: 'data-loss', object: 'notes_fts', count: 2 }]);
    expect(count(conn, 'notes_fts')).toBe(2);
  });

  it('a renamed full-text table keeps its rows and its index', async () => {
    const conn = await openDb(`CREATE VIRTUAL TABLE notes_fts USING fts5(title, body);
      INSERT INTO notes_fts (title, body) VALUES ('hello', 'world'), ('bye', 'moon');`);
    migrate(conn, 'CREATE VIRTUAL TABLE search USING fts5(title, body); -- @renamed from=notes_fts');
    expect(matches(conn, 'search', 'moon')).toEqual([2]);
    checkFts(conn, 'search');
  });
});
