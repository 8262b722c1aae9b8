/**
 * `molt test` on a 20-release history with 1,000 generated rows per table: every release built,
 * filled, upgraded to the current schema as the worker does, checked for convergence and compared
 * value by value. Target: ≤ 10 s in all. The baseline, measured in the same run, is the bare work for
 * the same releases: create the schema, insert the same number of rows with one INSERT … SELECT per
 * table, plan and apply — no generated values, no checks, no comparison.
 */
import { applyPlan, planMigration } from '../src/engine/index.ts';
import type { SqliteConnection } from '../src/sqlite/port.ts';
import { loadSqlJs, openSqlJs } from '../src/sqlite/sql-js.ts';
import { testHistory } from '../src/testing/index.ts';
import { round, time } from './util.ts';

const RELEASES = 20;
const ROWS = 1_000;

/**
 * The schema of release k: an app with users, notes, tags and their links that grows one change per
 * release — a column here, an index there, a new table, a collation change that rebuilds a table.
 */
export function releaseSchema(k: number): string {
  const userColumns = ['email TEXT NOT NULL UNIQUE', `name TEXT${k >= 10 ? ' COLLATE NOCASE' : ''}`];
  const noteColumns = [
    'user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE',
    'title TEXT NOT NULL',
    'body TEXT',
    "status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived'))",
  ];
  for (let i = 1; i <= k; i++) {
    if (i % 4 === 1) noteColumns.push(`extra_${i} TEXT`);
    if (i % 4 === 3) userColumns.push(`setting_${i} INTEGER NOT NULL DEFAULT 0`);
  }
  const parts = [
    `CREATE TABLE users (id INTEGER PRIMARY KEY, ${userColumns.join(', ')});`,
    `CREATE TABLE notes (id INTEGER PRIMARY KEY, ${noteColumns.join(', ')});`,
    'CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);',
    `CREATE TABLE note_tags (
      note_id INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
      tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
      PRIMARY KEY (note_id, tag_id)
    ) WITHOUT ROWID;`,
    'CREATE INDEX notes_user ON notes (user_id);',
  ];
  if (k >= 5) parts.push("CREATE INDEX notes_status ON notes (status) WHERE status <> 'archived';");
  if (k >= 8) {
    parts.push(`CREATE TABLE attachments (
      id INTEGER PRIMARY KEY, note_id INTEGER NOT NULL REFERENCES notes (id), data BLOB, size INTEGER CHECK (size >= 0)
    );`);
  }
  if (k >= 14) parts.push('CREATE INDEX tags_name_lower ON tags (lower(name));');
  return parts.join('\n');
}

export async function runHistoryBench(): Promise<Record<string, unknown>> {
  const sqlite = await loadSqlJs();
  const conn = openSqlJs(sqlite);
  const releases = Array.from({ length: RELEASES }, (_, k) => ({
    name: `v${k + 1}`,
    schema: releaseSchema(k),
  }));
  const current = { schema: releaseSchema(RELEASES) };
  // A small run first, so that the figure is not the JIT's first compile.
  testHistory(conn, { releases: releases.slice(0, 2), current, rows: 50 });
  const cpuBefore = process.cpuUsage();
  const run = time(() => testHistory(conn, { releases, current, rows: ROWS }));
  const cpu = process.cpuUsage(cpuBefore);
  const report = run.value;
  const baseline = time(() => {
    for (const release of releases) {
      const db = conn.openScratch();
      db.exec('PRAGMA foreign_keys = ON');
      db.exec(release.schema);
      bareRows(db);
      applyPlan(db, planMigration(db, current.schema));
      db.close();
    }
  });
  const tables = report.releases.reduce((n, r) => n + r.tables.length, 0);
  const rows = report.releases.reduce((n, r) => n + r.tables.reduce((m, t) => m + t.rows, 0), 0);
  return {
    releases: RELEASES,
    rowsPerTable: ROWS,
    tablesFilled: tables,
    rowsGenerated: rows,
    allConverged: report.ok,
    totalS: round(run.ms / 1000, 2),
    // On a shared machine the wall time includes waiting for a core; the CPU time does not.
    cpuS: round((cpu.user + cpu.system) / 1e6, 2),
    baselineS: round(baseline.ms / 1000, 2),
    ratio: round(run.ms / baseline.ms, 2),
    slowestReleaseMs: round(Math.max(...report.releases.map((r) => r.durationMs))),
    target: { totalS: 10 },
  };
}

/** The same number of rows, the plainest way: one INSERT … SELECT per table. */
function bareRows(db: SqliteConnection): void {
  const series = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})`;
  db.exec(`${series} INSERT INTO users (id, email, name) SELECT i, 'u' || i, 'name ' || i FROM n`);
  db.exec(`${series} INSERT INTO notes (id, user_id, title) SELECT i, i, 'title ' || i FROM n`);
  db.exec(`${series} INSERT INTO tags (id, name) SELECT i, 'tag ' || i FROM n`);
  db.exec(`${series} INSERT INTO note_tags (note_id, tag_id) SELECT i, i FROM n`);
  if (db.query("SELECT 1 FROM sqlite_schema WHERE name = 'attachments'").length > 0) {
    db.exec(`${series} INSERT INTO attachments (id, note_id, size) SELECT i, i, i FROM n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await runHistoryBench());
}
