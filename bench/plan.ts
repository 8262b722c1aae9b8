/**
 * Planning a change to a 300-table schema: inspect both sides, load the desired SQL, diff, rehearse
 * the steps on a schema-only copy and check the data. Target: ≤ 50 ms.
 */
import { planMigration } from '../src/engine/index.ts';
import { loadSqlJs, openSqlJs } from '../src/sqlite/sql-js.ts';
import { median, round, time } from './util.ts';

const TABLES = 300;
const RUNS = 15;
/** Runs first, to let the JIT compile the planner: the figure is the steady state. */
const WARMUP = 20;

function schema(version: 1 | 2): string {
  const parts: string[] = [];
  for (let i = 0; i < TABLES; i++) {
    const parent = i > 0 ? `, parent_id INTEGER REFERENCES t${i - 1} (id) ON DELETE CASCADE` : '';
    // Version 2 adds a column to every 10th table, rebuilds every 50th, and adds an index to every 20th.
    const extra = version === 2 && i % 10 === 0 ? ', note TEXT' : '';
    const strict = version === 2 && i % 50 === 0 ? ' CHECK (amount >= 0)' : '';
    parts.push(
      `CREATE TABLE t${i} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, amount REAL${strict}, created_at INTEGER${parent}${extra});`,
    );
    parts.push(`CREATE INDEX t${i}_name ON t${i} (name);`);
    if (version === 2 && i % 20 === 0) parts.push(`CREATE INDEX t${i}_created ON t${i} (created_at);`);
  }
  parts.push('CREATE VIEW totals AS SELECT count(*) AS n FROM t0;');
  return parts.join('\n');
}

export async function runPlanBench(): Promise<Record<string, unknown>> {
  const conn = openSqlJs(await loadSqlJs());
  conn.exec(schema(1));
  for (let i = 0; i < TABLES; i += 10)
    conn.exec(`INSERT INTO t${i} (name, amount, created_at) VALUES ('a', 1, 1), ('b', 2, 2)`);
  const desired = schema(2);
  const first = time(() => planMigration(conn, desired)).ms;
  for (let i = 0; i < WARMUP; i++) planMigration(conn, desired);
  const times: number[] = [];
  let steps = 0;
  for (let run = 0; run < RUNS; run++) {
    const t = time(() => planMigration(conn, desired));
    times.push(t.ms);
    steps = t.value.steps.length;
  }
  return {
    tables: TABLES,
    steps,
    warmup: WARMUP,
    runs: RUNS,
    planMs: round(median(times)),
    firstRunMs: round(first),
    target: { planMs: 50 },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await runPlanBench());
}
