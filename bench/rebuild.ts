/**
 * Rebuild of a 1,000,000-row table with two indexes, a trigger and a child table under ON DELETE
 * CASCADE: molt's plan + apply against the hand-written 12-step procedure on the same sql.js, and
 * against the same procedure in native SQLite (better-sqlite3). Every run starts from the same bytes.
 */
import Database from 'better-sqlite3';
import { applyPlan, planMigration } from '../src/engine/index.ts';
import { loadSqlJs, openSqlJs } from '../src/sqlite/sql-js.ts';
import { median, round, time } from './util.ts';

const ROWS = Number(process.env.MOLT_BENCH_ROWS ?? 1_000_000);
const CHILD_ROWS = Math.round(ROWS / 5);
const RUNS = Number(process.env.MOLT_BENCH_RUNS ?? 3);

export const BEFORE = `
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL, category TEXT, created_at INTEGER);
CREATE INDEX items_category ON items (category);
CREATE INDEX items_name ON items (name);
CREATE TABLE audit (item_id INTEGER, at INTEGER);
CREATE TRIGGER items_audit AFTER UPDATE ON items BEGIN INSERT INTO audit VALUES (NEW.id, NEW.created_at); END;
CREATE TABLE reviews (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE, stars INTEGER);
CREATE INDEX reviews_item ON reviews (item_id);`;

// COLLATE on an indexed column and a new CHECK: a change only a rebuild can make.
const AFTER_ITEMS = `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL CHECK (price >= 0), category TEXT COLLATE NOCASE, created_at INTEGER)`;
export const AFTER = BEFORE.replace(/CREATE TABLE items \([^;]*\)/, AFTER_ITEMS);

/** The procedure from sqlite.org/lang_altertable.html#otheralter, written by hand for this change. */
export const HAND_WRITTEN = [
  'PRAGMA foreign_keys = OFF',
  'BEGIN IMMEDIATE',
  AFTER_ITEMS.replace('CREATE TABLE items', 'CREATE TABLE new_items'),
  'INSERT INTO new_items (id, name, price, category, created_at) SELECT id, name, price, category, created_at FROM items',
  'DROP TABLE items',
  'PRAGMA legacy_alter_table = ON',
  'ALTER TABLE new_items RENAME TO items',
  'PRAGMA legacy_alter_table = OFF',
  'CREATE INDEX items_category ON items (category)',
  'CREATE INDEX items_name ON items (name)',
  'CREATE TRIGGER items_audit AFTER UPDATE ON items BEGIN INSERT INTO audit VALUES (NEW.id, NEW.created_at); END',
  'PRAGMA foreign_key_check',
  'COMMIT',
  'PRAGMA foreign_keys = ON',
];

export function seed(exec: (sql: string) => void, rows = ROWS): void {
  const childRows = Math.round(rows / 5);
  exec(BEFORE);
  exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
    INSERT INTO items SELECT i, 'item ' || i, (i % 1000) / 10.0, 'cat' || (i % 50), 1700000000 + i FROM n`);
  exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${childRows})
    INSERT INTO reviews SELECT i, (i * 7) % ${rows} + 1, i % 5 + 1 FROM n`);
}

export async function runRebuildBench(): Promise<Record<string, unknown>> {
  const sqlite = await loadSqlJs();
  const seeded = openSqlJs(sqlite);
  seed((sql) => seeded.exec(sql));
  const bytes = seeded.export();
  seeded.close();

  const molt: number[] = [];
  const hand: number[] = [];
  const native: number[] = [];
  let steps: string[] = [];
  const runMolt = () => {
    const a = openSqlJs(sqlite, bytes);
    a.exec('PRAGMA foreign_keys = ON');
    const m = time(() => applyPlan(a, planMigration(a, AFTER)));
    steps = m.value.steps.map((s) => `${s.kind} ${s.object}`);
    verify(Number(a.query('SELECT count(*) AS n FROM reviews')[0]!.n), CHILD_ROWS);
    verify(m.value.rowsCopied, ROWS);
    a.close();
    return m.ms;
  };
  const runHand = () => {
    const b = openSqlJs(sqlite, bytes);
    b.exec('PRAGMA foreign_keys = ON');
    const ms = time(() => {
      for (const sql of HAND_WRITTEN) b.exec(sql);
    }).ms;
    b.close();
    return ms;
  };
  const runNative = () => {
    const c = new Database(Buffer.from(bytes));
    c.pragma('foreign_keys = ON');
    const ms = time(() => {
      for (const sql of HAND_WRITTEN) {
        if (sql.startsWith('PRAGMA')) c.pragma(sql.slice(7));
        else c.exec(sql);
      }
    }).ms;
    c.close();
    return ms;
  };
  // One warm-up of each (the wasm heap grows on first use), then alternate the order of the contenders.
  runMolt();
  runHand();
  runNative();
  for (let run = 0; run < RUNS; run++) {
    if (run % 2 === 0) {
      molt.push(runMolt());
      hand.push(runHand());
    } else {
      hand.push(runHand());
      molt.push(runMolt());
    }
    native.push(runNative());
  }
  const result = {
    rows: ROWS,
    childRows: CHILD_ROWS,
    runs: RUNS,
    databaseMb: round(bytes.length / 1e6, 1),
    steps,
    moltMs: round(median(molt)),
    handWrittenMs: round(median(hand)),
    nativeMs: round(median(native)),
    ratioVsHandWritten: round(median(molt) / median(hand)),
    ratioVsNative: round(median(molt) / median(native)),
    targets: { ratioVsHandWritten: 1.25, ratioVsNative: 3.5 },
  };
  return result;
}

function verify(actual: number, expected: number): void {
  if (actual !== expected) throw new Error(`rows lost: ${actual} of ${expected}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await runRebuildBench());
}
