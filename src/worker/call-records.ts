/**
 * Writes that arrive from another tab run at most once. The caller gives each one an id; the owner
 * records the id and the outcome in `_molt_calls`, in the same synchronous step as the write, so a
 * persisted head holds both or neither. When the owner dies before answering, the caller sends the
 * call again to the next owner, which loaded that head: a recorded id is answered with its recorded
 * outcome (the write is not run again), an unknown one was never persisted and runs now.
 *
 * The table is molt's own (the `_molt_` prefix keeps it out of plans, drift and schema hashes) and
 * keeps the last `KEEP_CALLS` ids: enough for every call in flight when an owner goes away.
 */
import { MOLT_TABLE_PREFIX } from '../engine/schema.ts';
import type { SqliteConnection } from '../sqlite/port.ts';
import type { Written } from './durability.ts';
import type { Outcome } from './protocol.ts';

export const CALLS_TABLE = `${MOLT_TABLE_PREFIX}calls`;

/** Ids kept; older ones are deleted every `PRUNE_EVERY` records. */
const KEEP_CALLS = 1000;
const PRUNE_EVERY = 250;

const ready = new WeakSet<SqliteConnection>();
let recorded = 0;

/**
 * Runs `run` unless call `id` already ran on this database; records the outcome of a run that changed
 * something.
 * @example
 * const written = runOnce(conn, call.id, () => execute(conn, sql, params));
 */
export function runOnce<T>(conn: SqliteConnection, id: string, run: () => Written<T>): Written<T> {
  const seen = hasTable(conn) ? conn.query(`SELECT outcome FROM ${CALLS_TABLE} WHERE id = ?`, [id]) : [];
  if (seen[0]) {
    return { outcome: decodeOutcome(String(seen[0].outcome)) as Outcome<T>, changed: false, repeated: true };
  }
  const written = run();
  if (!written.changed) return written;
  createTable(conn);
  conn.exec(`INSERT INTO ${CALLS_TABLE} (id, outcome) VALUES (?, ?)`, [id, encodeOutcome(written.outcome)]);
  if (++recorded % PRUNE_EVERY === 0) {
    conn.exec(
      `DELETE FROM ${CALLS_TABLE} WHERE seq <= (SELECT max(seq) FROM ${CALLS_TABLE}) - ${KEEP_CALLS}`,
    );
  }
  return written;
}

function hasTable(conn: SqliteConnection): boolean {
  if (ready.has(conn)) return true;
  const found = conn.query("SELECT 1 AS x FROM sqlite_schema WHERE type = 'table' AND name = ?", [
    CALLS_TABLE,
  ]);
  if (found.length > 0) ready.add(conn);
  return found.length > 0;
}

function createTable(conn: SqliteConnection): void {
  if (ready.has(conn)) return;
  conn.exec(
    `CREATE TABLE IF NOT EXISTS ${CALLS_TABLE} (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, outcome TEXT NOT NULL)`,
  );
  ready.add(conn);
}

/** JSON, with the values rows may hold that JSON lacks (bytes, big integers) tagged. */
function encodeOutcome(outcome: Outcome<unknown>): string {
  return JSON.stringify(outcome, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return { $bytes: Array.from(value) };
    if (typeof value === 'bigint') return { $bigint: value.toString() };
    return value;
  });
}

function decodeOutcome(text: string): Outcome<unknown> {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === 'object') {
      const tagged = value as { $bytes?: number[]; $bigint?: string };
      if (Array.isArray(tagged.$bytes)) return new Uint8Array(tagged.$bytes);
      if (typeof tagged.$bigint === 'string') return BigInt(tagged.$bigint);
    }
    return value;
  }) as Outcome<unknown>;
}
