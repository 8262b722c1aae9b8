/**
 * Every value of every table, read as SQLite's `quote()` text (the exact storage class and bytes), and
 * the comparison of two such snapshots through a mapping of kept tables and columns: which rows went
 * missing, which values changed, and which NULLs got a value.
 */
import { externalContent } from '../engine/fts.ts';
import { inspectSchema } from '../engine/inspect.ts';
import { quoteId } from '../engine/parse.ts';
import type { Table } from '../engine/schema.ts';
import { foldName } from '../engine/tokens.ts';
import type { SqliteConnection } from '../sqlite/port.ts';

/** The values of one table. */
export interface TableValues {
  name: string;
  /** Column names (generated columns left out). */
  columns: string[];
  /** The primary key's columns, in key order; empty when the table declares none. */
  primaryKey: string[];
  hasRowid: boolean;
  rows: { rowid: string | null; values: string[] }[];
}

/** Folded table name → its values. */
export type ValueSnapshot = Map<string, TableValues>;

/**
 * Reads every value of every table that holds its own rows.
 * @example
 * const before = readValues(conn);
 */
export function readValues(conn: SqliteConnection): ValueSnapshot {
  const snapshot: ValueSnapshot = new Map();
  for (const table of inspectSchema(conn).tables) {
    if (!holdsRows(table)) continue;
    const columns =
      table.kind === 'virtual'
        ? conn.query('SELECT name FROM pragma_table_info(?)', [table.name]).map((r) => String(r.name))
        : table.columns.filter((c) => !c.generated).map((c) => c.name);
    const hasRowid = !table.withoutRowid;
    const parts = columns.map((c, k) => `quote(${quoteId(c)}) AS v${k}`);
    if (hasRowid) parts.unshift('CAST(rowid AS TEXT) AS _rowid');
    const rows = conn.query(`SELECT ${parts.join(', ') || '1'} FROM ${quoteId(table.name)}`).map((row) => ({
      rowid: hasRowid ? String(row._rowid) : null,
      values: columns.map((_, k) => String(row[`v${k}`])),
    }));
    const primaryKey = table.columns
      .filter((c) => c.primaryKey > 0)
      .sort((a, b) => a.primaryKey - b.primaryKey)
      .map((c) => c.name);
    snapshot.set(foldName(table.name), { name: table.name, columns, primaryKey, hasRowid, rows });
  }
  return snapshot;
}

/** Tables whose rows are data: not full-text indexes of another table's rows. */
export function holdsRows(table: Table): boolean {
  return table.kind === 'table' || externalContent(table) === null;
}

/** Where a table and its columns live after the upgrade; undefined when dropped. */
export interface KeptMapping {
  table(name: string): string | undefined;
  column(table: string, column: string): string | undefined;
}

/** A value that did not survive: one row, its value before and after. */
export interface ChangedValue {
  /** The row, by its key (`id=3`, `rowid 7`). */
  row: string;
  before: string;
  after: string;
}

/** What a comparison finds: data lost or changed, and NULLs that got a value. */
export type Difference =
  | { kind: 'table-dropped'; table: string; rows: number }
  | { kind: 'column-dropped'; table: string; column: string; values: number }
  | { kind: 'rows-lost'; table: string; before: number; after: number; rows: string[] }
  | { kind: 'value-changed'; table: string; column: string; count: number; samples: ChangedValue[] };

export interface Comparison {
  differences: Difference[];
  /** NULLs of kept columns that hold a value afterwards (a default filled, a backfill): not a loss. */
  filled: number;
}

const SAMPLES = 5;

/**
 * Compares the values before and after an upgrade. Rows are matched by primary key when the table
 * keeps it, else by rowid, else as a multiset.
 * @example
 * const { differences } = compareValues(before, readValues(conn), mapping);
 */
export function compareValues(before: ValueSnapshot, after: ValueSnapshot, mapping: KeptMapping): Comparison {
  const result: Comparison = { differences: [], filled: 0 };
  for (const table of before.values()) {
    const target = mapping.table(table.name);
    const next = target === undefined ? undefined : after.get(foldName(target));
    if (!next) {
      if (table.rows.length > 0)
        result.differences.push({ kind: 'table-dropped', table: table.name, rows: table.rows.length });
      continue;
    }
    const pairs: [number, number][] = [];
    table.columns.forEach((column, k) => {
      const to = mapping.column(table.name, column);
      const j = to === undefined ? -1 : next.columns.findIndex((c) => foldName(c) === foldName(to));
      if (j >= 0) pairs.push([k, j]);
      else {
        const values = table.rows.filter((r) => r.values[k] !== 'NULL').length;
        if (values > 0)
          result.differences.push({ kind: 'column-dropped', table: table.name, column, values });
      }
    });
    compareTable(table, next, pairs, result);
  }
  return result;
}

function compareTable(
  table: TableValues,
  next: TableValues,
  pairs: [number, number][],
  result: Comparison,
): void {
  const key = keyOf(table, next, pairs);
  if (!key) {
    compareAsMultiset(table, next, pairs, result);
    return;
  }
  const index = new Map(next.rows.map((r) => [key.after(r), r]));
  const lost: string[] = [];
  const changed = new Map<number, ChangedValue[]>();
  let lostCount = 0;
  for (const row of table.rows) {
    const other = index.get(key.before(row));
    if (!other) {
      lostCount++;
      if (lost.length < SAMPLES) lost.push(key.label(row));
      continue;
    }
    for (const [k, j] of pairs) {
      const was = row.values[k]!;
      const now = other.values[j]!;
      if (was === now) continue;
      if (was === 'NULL') {
        result.filled++;
        continue;
      }
      const list = changed.get(k) ?? [];
      list.push({ row: key.label(row), before: was, after: now });
      changed.set(k, list);
    }
  }
  if (lostCount > 0) {
    result.differences.push({
      kind: 'rows-lost',
      table: table.name,
      before: table.rows.length,
      after: next.rows.length,
      rows: lost,
    });
  }
  for (const [k, list] of changed) {
    result.differences.push({
      kind: 'value-changed',
      table: table.name,
      column: table.columns[k]!,
      count: list.length,
      samples: list.slice(0, SAMPLES),
    });
  }
}

interface RowKey {
  before(row: TableValues['rows'][number]): string;
  after(row: TableValues['rows'][number]): string;
  label(row: TableValues['rows'][number]): string;
}

/** The primary key when every one of its columns is kept and unique before; else the rowid. */
function keyOf(table: TableValues, next: TableValues, pairs: [number, number][]): RowKey | null {
  const positions = table.primaryKey.map((c) => table.columns.findIndex((n) => foldName(n) === foldName(c)));
  const mapped = positions.map((k) => pairs.find(([from]) => from === k)?.[1] ?? -1);
  if (positions.length > 0 && positions.every((k) => k >= 0) && mapped.every((j) => j >= 0)) {
    const before = (row: TableValues['rows'][number]) => JSON.stringify(positions.map((k) => row.values[k]));
    if (new Set(table.rows.map(before)).size === table.rows.length) {
      return {
        before,
        after: (row) => JSON.stringify(mapped.map((j) => row.values[j])),
        label: (row) => positions.map((k) => `${table.columns[k]}=${row.values[k]}`).join(', '),
      };
    }
  }
  if (table.hasRowid && next.hasRowid) {
    return { before: (r) => r.rowid!, after: (r) => r.rowid!, label: (r) => `rowid ${r.rowid}` };
  }
  return null;
}

function compareAsMultiset(
  table: TableValues,
  next: TableValues,
  pairs: [number, number][],
  result: Comparison,
): void {
  if (next.rows.length < table.rows.length) {
    result.differences.push({
      kind: 'rows-lost',
      table: table.name,
      before: table.rows.length,
      after: next.rows.length,
      rows: [],
    });
    return;
  }
  for (const [k, j] of pairs) {
    const counts = new Map<string, number>();
    for (const row of table.rows) counts.set(row.values[k]!, (counts.get(row.values[k]!) ?? 0) + 1);
    const added: string[] = [];
    for (const row of next.rows) {
      const value = row.values[j]!;
      const n = counts.get(value) ?? 0;
      if (n > 0) counts.set(value, n - 1);
      else added.push(value);
    }
    const removed = [...counts].flatMap(([value, n]) => Array<string>(n).fill(value));
    const gone = removed.filter((v) => v !== 'NULL');
    result.filled += removed.length - gone.length;
    if (gone.length === 0) continue;
    result.differences.push({
      kind: 'value-changed',
      table: table.name,
      column: table.columns[k]!,
      count: gone.length,
      samples: gone
        .slice(0, SAMPLES)
        .map((v, i) => ({ row: 'a row', before: v, after: added[i] ?? 'missing' })),
    });
  }
}
