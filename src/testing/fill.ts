/**
 * Fills every table of a database with generated rows: parents before children, each foreign key
 * pointing at a parent row, rows that a constraint refuses skipped (`INSERT OR IGNORE`) and made up
 * with plainer ones, so that each table ends with as many rows as asked where its constraints allow.
 * Deterministic: the same schema, row count and seed give the same rows.
 */
import { externalContent, rebuildIndexSql } from '../engine/fts.ts';
import { inspectSchema } from '../engine/inspect.ts';
import { quoteId } from '../engine/parse.ts';
import type { Table } from '../engine/schema.ts';
import { foldName } from '../engine/tokens.ts';
import type { SqliteConnection } from '../sqlite/port.ts';
import { createRandom, pickIndex, type Random } from './random.ts';
import { factsOf, fillable, parentsFirst, type TableFacts } from './table-facts.ts';
import { valueFor } from './values.ts';

export interface FillOptions {
  /** Rows per table. */
  rows: number;
  /** Seed text; the same seed gives the same rows. */
  seed: string;
}

/** How many rows each table got. */
export interface FillReport {
  tables: { name: string; rows: number }[];
  /** Rows removed afterwards because their foreign keys found no parent (cycles, refused parents). */
  orphansRemoved: number;
}

const BATCH = 100;
const TOP_UP_ROUNDS = 4;

/**
 * Fills every table with `rows` generated rows (fewer where the table's constraints refuse them).
 * Foreign keys are off while it runs and every row is checked against them afterwards.
 * @example
 * fillDatabase(conn, { rows: 100, seed: '1' });
 */
export function fillDatabase(conn: SqliteConnection, options: FillOptions): FillReport {
  const schema = inspectSchema(conn);
  const facts = schema.tables.filter(fillable).map((table) => factsOf(conn, table));
  const foreignKeys = Number(conn.query('PRAGMA foreign_keys')[0]?.foreign_keys ?? 0) === 1;
  conn.exec('PRAGMA foreign_keys = OFF');
  conn.exec('BEGIN');
  try {
    for (const table of parentsFirst(facts)) fillTable(conn, table, facts, options);
    for (const table of schema.tables) {
      if (externalContent(table)) conn.exec(rebuildIndexSql(table));
    }
    const orphansRemoved = removeOrphans(conn);
    conn.exec('COMMIT');
    return {
      tables: facts.map((f) => ({ name: f.table.name, rows: countRows(conn, f.table.name) })),
      orphansRemoved,
    };
  } catch (error) {
    conn.exec('ROLLBACK');
    throw error;
  } finally {
    if (foreignKeys) conn.exec('PRAGMA foreign_keys = ON');
  }
}

/** Ordinary tables and full-text tables that keep their own rows. */

function fillTable(conn: SqliteConnection, facts: TableFacts, all: TableFacts[], options: FillOptions): void {
  const random = createRandom(`${options.seed}:${facts.table.name}`);
  const parents = parentKeys(conn, facts, all);
  let next = 0;
  for (let round = 0; round <= TOP_UP_ROUNDS; round++) {
    const missing = options.rows - countRows(conn, facts.table.name);
    if (missing <= 0) return;
    // Later rounds make up for refused rows with plain values only, and a few spare ones.
    const count = round === 0 ? missing : missing * 2;
    const rows: string[][] = [];
    for (let i = 0; i < count; i++) rows.push(rowValues(facts, parents, next++, random, round > 0));
    insertRows(conn, facts, rows);
    if (round > 0) trimTo(conn, facts.table, options.rows);
  }
}

/** Removes rows beyond `rows` (the spare ones of a top-up round), newest first. */
function trimTo(conn: SqliteConnection, table: Table, rows: number): void {
  if (table.withoutRowid) return;
  const excess = countRows(conn, table.name) - rows;
  if (excess <= 0) return;
  const name = quoteId(table.name);
  conn.exec(
    `DELETE FROM ${name} WHERE rowid IN (SELECT rowid FROM ${name} ORDER BY rowid DESC LIMIT ${excess})`,
  );
}

/** For each foreign key: the parent's key tuples (as literals), or null when the parent is this table. */
interface ParentKey {
  /** Where the foreign key's columns are in the row. */
  positions: number[];
  /** For a table that references itself: where the referenced columns are in the same row. */
  own: number[] | null;
  nullable: boolean;
  /** The parent's key tuples, as literals; null when the parent is this table. */
  tuples: string[][] | null;
}

type ParentKeys = ParentKey[];

function parentKeys(conn: SqliteConnection, facts: TableFacts, all: TableFacts[]): ParentKeys {
  const keys: ParentKeys = [];
  const at = (name: string) => facts.columns.findIndex((c) => foldName(c.name) === foldName(name));
  for (const fk of facts.table.foreignKeys) {
    const parent = all.find((t) => foldName(t.table.name) === foldName(fk.table));
    if (!parent) continue;
    const refs = fk.references.length
      ? fk.references
      : parent.table.columns
          .filter((c) => c.primaryKey > 0)
          .sort((a, b) => a.primaryKey - b.primaryKey)
          .map((c) => c.name);
    const positions = fk.columns.map(at);
    if (refs.length !== fk.columns.length || positions.some((p) => p < 0)) continue;
    const nullable = positions.every((p) => !facts.columns[p]!.notNull);
    if (parent === facts) {
      const own = refs.map(at);
      keys.push({ positions, own: own.some((p) => p < 0) ? [] : own, nullable, tuples: null });
      continue;
    }
    const select = refs.map((r, i) => `quote(${quoteId(r)}) AS v${i}`).join(', ');
    const rows = conn.query(`SELECT ${select} FROM ${quoteId(parent.table.name)} LIMIT 10000`);
    keys.push({
      positions,
      own: null,
      nullable,
      tuples: rows.map((row) => refs.map((_, i) => String(row[`v${i}`]))),
    });
  }
  return keys;
}

function rowValues(
  facts: TableFacts,
  parents: ParentKeys,
  row: number,
  random: Random,
  plain: boolean,
): string[] {
  const values = facts.columns.map((c) => valueFor(c, row, random, plain));
  for (const { positions, own, nullable, tuples } of parents) {
    if (tuples === null) {
      // A table that references itself: the row points at itself, or at nothing.
      const none = own!.length === 0 || (nullable && random() < 0.5);
      positions.forEach((p, i) => {
        values[p] = none ? 'NULL' : values[own![i]!]!;
      });
      continue;
    }
    if (tuples.length === 0 || (nullable && random() < 0.1)) {
      if (nullable) for (const p of positions) values[p] = 'NULL';
      continue;
    }
    const tuple = tuples[pickIndex(random, tuples.length)]!;
    positions.forEach((p, i) => {
      values[p] = tuple[i]!;
    });
  }
  return values;
}

function insertRows(conn: SqliteConnection, facts: TableFacts, rows: string[][]): void {
  const name = quoteId(facts.table.name);
  const columns = facts.columns.map((c) => quoteId(c.name)).join(', ');
  const head = facts.columns.length
    ? `INSERT OR IGNORE INTO ${name} (${columns}) VALUES `
    : `INSERT OR IGNORE INTO ${name} DEFAULT VALUES`;
  for (let start = 0; start < rows.length; start += BATCH) {
    const batch = rows.slice(start, start + BATCH);
    if (facts.columns.length === 0) {
      for (const _ of batch) tryExec(conn, head);
      continue;
    }
    const values = batch.map((r) => `(${r.join(', ')})`);
    // One statement per batch; when something other than a constraint refuses it (a STRICT type, a
    // trigger's RAISE), each row on its own.
    if (!tryExec(conn, head + values.join(', '))) for (const v of values) tryExec(conn, head + v);
  }
}

function tryExec(conn: SqliteConnection, sql: string): boolean {
  try {
    conn.exec(sql);
    return true;
  } catch {
    return false;
  }
}

/** Deletes rows whose foreign keys find no parent, until none is left. */
function removeOrphans(conn: SqliteConnection): number {
  let removed = 0;
  for (let pass = 0; pass < 10; pass++) {
    let violations: { table: string; rowid: unknown; fkid: number }[];
    try {
      violations = conn
        .query('PRAGMA foreign_key_check')
        .map((r) => ({ table: String(r.table), rowid: r.rowid, fkid: Number(r.fkid) }));
    } catch {
      return removed; // A foreign key whose parent key is not unique: SQLite cannot check it at all.
    }
    if (violations.length === 0) return removed;
    const before = conn.query('SELECT total_changes() AS n')[0]?.n;
    for (const v of violations) {
      if (v.rowid === null) deleteWithoutParent(conn, v.table, v.fkid);
      else conn.exec(`DELETE FROM ${quoteId(v.table)} WHERE rowid = ${String(v.rowid)}`);
    }
    const changed = Number(conn.query('SELECT total_changes() AS n')[0]?.n) - Number(before);
    if (changed === 0) return removed;
    removed += changed;
  }
  return removed;
}

/** For WITHOUT ROWID tables, which foreign_key_check reports without a rowid. */
function deleteWithoutParent(conn: SqliteConnection, table: string, fkid: number): void {
  const parts = conn.query(
    'SELECT "table" AS parent, "from" AS child, "to" AS ref FROM pragma_foreign_key_list(?) WHERE id = ? ORDER BY seq',
    [table, fkid],
  );
  if (parts.length === 0 || parts.some((p) => p.ref === null)) return;
  const parent = quoteId(String(parts[0]!.parent));
  const child = quoteId(table);
  const present = parts.map((p) => `${child}.${quoteId(String(p.child))} IS NOT NULL`).join(' AND ');
  const match = parts
    .map((p) => `${parent}.${quoteId(String(p.ref))} = ${child}.${quoteId(String(p.child))}`)
    .join(' AND ');
  conn.exec(`DELETE FROM ${child} WHERE ${present} AND NOT EXISTS (SELECT 1 FROM ${parent} WHERE ${match})`);
}

function countRows(conn: SqliteConnection, table: string): number {
  return Number(conn.query(`SELECT count(*) AS n FROM ${quoteId(table)}`)[0]?.n ?? 0);
}
