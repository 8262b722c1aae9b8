/**
 * 50 versioned migrations on a 1,000,000-row database: molt's migrate() (ledger checks, one
 * transaction, foreign-key check, ledger rows) against the same SQL run bare in one transaction with
 * foreign keys enforced, as an app would. Target: ≤ 1.1×.
 */
import { type Migration, migrate } from '../src/engine/index.ts';
import { loadSqlJs, openSqlJs } from '../src/sqlite/sql-js.ts';
import { median, round, time } from './util.ts';

const ROWS = Number(process.env.MOLT_BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.MOLT_BENCH_RUNS ?? 3);

function migrations(): Migration[] {
  const list: Migration[] = [];
  for (let i = 1; i <= 50; i++) {
    const id = `m${String(i).padStart(3, '0')}`;
    if (i % 10 === 0) {
      list.push({ id, up: `UPDATE items SET price = price + 1 WHERE id % 100 = ${i};` });
    } else if (i % 10 === 5) {
      list.push({
        id,
        up: `CREATE TABLE extra_${i} (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES items (id), note TEXT);\nCREATE INDEX extra_${i}_item ON extra_${i} (item_id);`,
      });
    } else {
      list.push({ id, up: `ALTER TABLE items ADD COLUMN f${i} INTEGER DEFAULT ${i};` });
    }
  }
  return list;
}

export async function runMigrationsBench(): Promise<Record<string, unknown>> {
  const sqlite = await loadSqlJs();
  const seed = openSqlJs(sqlite);
  seed.exec(`
    CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL, category TEXT);
    CREATE INDEX items_category ON items (category);
    CREATE TABLE reviews (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE, stars INTEGER);
    CREATE INDEX reviews_item ON reviews (item_id);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
      INSERT INTO items SELECT i, 'item ' || i, i % 1000, 'cat' || (i % 50) FROM n;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS / 10})
      INSERT INTO reviews SELECT i, (i * 7) % ${ROWS} + 1, i % 5 + 1 FROM n;`);
  const bytes = seed.export();
  seed.close();
  const list = migrations();

  const runMolt = () => {
    const conn = openSqlJs(sqlite, bytes);
    conn.exec('PRAGMA foreign_keys = ON');
    const t = time(() => migrate(conn, { migrations: list }));
    if (t.value.status !== 'applied')
      throw new Error(`migrate: ${t.value.status} ${JSON.stringify(t.value.error)}`);
    conn.close();
    return t.ms;
  };
  const runBare = () => {
    const conn = openSqlJs(sqlite, bytes);
    conn.exec('PRAGMA foreign_keys = ON');
    const t = time(() => {
      conn.exec('BEGIN IMMEDIATE');
      for (const m of list) conn.exec(m.up as string);
      conn.exec('COMMIT');
    });
    conn.close();
    return t.ms;
  };
  runMolt();
  runBare();
  const molt: number[] = [];
  const bare: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    if (run % 2 === 0) {
      molt.push(runMolt());
      bare.push(runBare());
    } else {
      bare.push(runBare());
      molt.push(runMolt());
    }
  }
  return {
    rows: ROWS,
    migrations: list.length,
    runs: RUNS,
    moltMs: round(median(molt)),
    bareMs: round(median(bare)),
    ratio: round(median(molt) / median(bare)),
    target: { ratio: 1.1 },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await runMigrationsBench());
}
