/**
 * Sample rows and value snapshots for round-trip tests: fill every table of a live database with rows
 * that fit its columns and constraints, read every value back as `quote()` text (exact storage class
 * and bytes), and compare the values of the tables and columns a migration keeps.
 */
import { inspectSchema, type Table } from '../../src/engine/index.ts';
import type { SqliteConnection } from '../../src/sqlite/index.ts';
import { type Affinity, affinityOf } from '../../src/testing/index.ts';

export { type Affinity, affinityOf };

/** Quotes an identifier for SQL text. */
export function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function fold(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

// Row i takes entry i of its list: awkward values first (a quote, non-ASCII, 2^53 + 1, text that looks
// numeric), all distinct so that PRIMARY KEY and UNIQUE columns accept them. The plain fallbacks differ
// from every entry, for the same reason.
const EDGE: Record<Affinity, string[]> = {
  integer: ['1', '9007199254740993', '-7', '0', '42', '3'],
  text: [`'alpha'`, `'O''Brien'`, `'ünïcödé ✓'`, `'007'`, `''`, `'omega'`],
  real: ['1.5', '-0.25', '1e300', '3.0', '2.75', '-8.5'],
  numeric: ['10', '2.5', `'2024-01-02 03:04:05'`, `'12'`, '-3', '7.25'],
  blob: [`X'00FF'`, `'plain'`, '7', '1.25', `X''`, `X'DEADBEEF'`],
  any: ['7', `'x'`, `X'01'`, '2.5', `'007'`, '-1'],
};

// The fallback when an awkward value breaks a CHECK: small, positive, plain.
function plain(affinity: Affinity, i: number): string {
  switch (affinity) {
    case 'integer':
    case 'numeric':
      return String(i + 101);
    case 'real':
      return `${i + 101}.5`;
    case 'text':
      return `'v${i + 1}'`;
    case 'blob':
    case 'any':
      return `X'A${i % 10}'`;
  }
}

export interface SampleRowOptions {
  /** Rows per table (default 4, at most 5), plus one row of NULLs where `nullable` allows. */
  count?: number;
  /** Whether a column may hold NULL in the extra row; by default every column without NOT NULL. */
  nullable?: (table: string, column: string) => boolean;
  /** Leave tables that already hold rows alone. */
  onlyEmpty?: boolean;
}

interface Target {
  name: string;
  strict: boolean;
  virtual: boolean;
  withoutRowid: boolean;
  /** Insertable columns; `pk` is the 1-based position in the primary key, 0 when not part of it. */
  columns: { name: string; type: string; notNull: boolean; pk: number }[];
  foreignKeys: Table['foreignKeys'];
}

/**
 * Inserts rows into every table, parents before children, each foreign key pointing at a parent row.
 * Generated columns are skipped. Throws when a table accepts none of the candidate rows.
 * @example
 * insertSampleRows(conn, { count: 4 });
 */
export function insertSampleRows(conn: SqliteConnection, options: SampleRowOptions = {}): void {
  const count = options.count ?? 4;
  const tables = targets(conn);
  for (const table of parentsFirst(tables)) {
    if (options.onlyEmpty && conn.query(`SELECT 1 FROM ${quoteName(table.name)} LIMIT 1`).length > 0)
      continue;
    for (let i = 0; i <= count; i++) {
      const nulls = i === count;
      const candidates = [0, 1].map((variant) => rowValues(conn, tables, table, i, variant, nulls, options));
      const errors: string[] = [];
      for (const values of candidates) {
        if (nulls && values.every((v) => v.value !== 'NULL')) break;
        try {
          insertRow(conn, table.name, values);
          errors.length = 0;
          break;
        } catch (error) {
          errors.push(error instanceof Error ? error.message : String(error));
        }
      }
      if (errors.length === candidates.length && !nulls) {
        throw new Error(`no sample row fits ${table.name}: ${errors.join('; ')}`);
      }
    }
  }
}

function targets(conn: SqliteConnection): Target[] {
  return inspectSchema(conn).tables.map((t) => {
    const columns =
      t.kind === 'virtual'
        ? conn
            .query(`SELECT name, type FROM pragma_table_info(?)`, [t.name])
            .map((r) => ({ name: String(r.name), type: 'TEXT', notNull: false, pk: 0 }))
        : t.columns
            .filter((c) => !c.generated)
            .map((c) => ({ name: c.name, type: c.type, notNull: c.notNull, pk: c.primaryKey }));
    return {
      name: t.name,
      strict: t.strict,
      virtual: t.kind === 'virtual',
      withoutRowid: t.withoutRowid,
      columns,
      foreignKeys: t.foreignKeys,
    };
  });
}

function parentsFirst(tables: Target[]): Target[] {
  const done = new Set<string>();
  const ordered: Target[] = [];
  const visit = (table: Target, path: Set<string>) => {
    const key = fold(table.name);
    if (done.has(key) || path.has(key)) return;
    path.add(key);
    for (const fk of table.foreignKeys) {
      const parent = tables.find((t) => fold(t.name) === fold(fk.table));
      if (parent) visit(parent, path);
    }
    done.add(key);
    ordered.push(table);
  };
  for (const table of tables) visit(table, new Set());
  return ordered;
}

interface Value {
  column: string;
  value: string;
}

function rowValues(
  conn: SqliteConnection,
  tables: Target[],
  table: Target,
  i: number,
  variant: number,
  nulls: boolean,
  options: SampleRowOptions,
): Value[] {
  const values = new Map<string, string>();
  for (const column of table.columns) {
    const affinity = affinityOf(column.type, table.strict);
    const mayBeNull = options.nullable
      ? options.nullable(table.name, column.name)
      : !column.notNull && column.pk === 0;
    if (nulls && mayBeNull && column.pk === 0) values.set(fold(column.name), 'NULL');
    else {
      const edge = EDGE[affinity];
      values.set(fold(column.name), variant === 0 ? edge[i % edge.length]! : plain(affinity, i));
    }
  }
  for (const fk of table.foreignKeys) {
    const parentRow = parentValues(conn, tables, table, fk, i, values);
    fk.columns.forEach((column, k) => {
      const current = values.get(fold(column));
      if (current === 'NULL') return;
      values.set(fold(column), parentRow?.[k] ?? 'NULL');
    });
  }
  return table.columns.map((c) => ({ column: c.name, value: values.get(fold(c.name))! }));
}

/** The referenced values of parent row i (or of this very row, for a table that references itself). */
function parentValues(
  conn: SqliteConnection,
  tables: Target[],
  table: Target,
  fk: Table['foreignKeys'][number],
  i: number,
  own: Map<string, string>,
): string[] | undefined {
  const parent = tables.find((t) => fold(t.name) === fold(fk.table));
  if (!parent) return undefined;
  const refs = fk.references.length
    ? fk.references
    : parent.columns
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name);
  if (refs.length === 0) return undefined;
  if (fold(parent.name) === fold(table.name)) return refs.map((r) => own.get(fold(r)) ?? 'NULL');
  const select = refs.map((r, k) => `quote(${quoteName(r)}) AS v${k}`).join(', ');
  const order = parent.withoutRowid ? '' : ' ORDER BY rowid';
  const rows = conn.query(`SELECT ${select} FROM ${quoteName(parent.name)}${order} LIMIT 1 OFFSET ?`, [i]);
  const row = rows[0];
  return row ? refs.map((_, k) => String(row[`v${k}`])) : undefined;
}

function insertRow(conn: SqliteConnection, table: string, values: Value[]): void {
  if (values.length === 0) {
    conn.exec(`INSERT INTO ${quoteName(table)} DEFAULT VALUES`);
    return;
  }
  const columns = values.map((v) => quoteName(v.column)).join(', ');
  conn.exec(`INSERT INTO ${quoteName(table)} (${columns}) VALUES (${values.map((v) => v.value).join(', ')})`);
}

/** Every value of a table, as `quote()` text, with the rowid when the table has one. */
export interface TableValues {
  name: string;
  hasRowid: boolean;
  /** Folded column names, in order. */
  columns: string[];
  rows: { rowid: string | null; values: string[] }[];
}

/** Folded table name → its values. */
export type ValueSnapshot = Map<string, TableValues>;

/**
 * Reads every value of every table (generated columns excluded).
 * @example
 * const before = snapshotValues(conn);
 */
export function snapshotValues(conn: SqliteConnection): ValueSnapshot {
  const snapshot: ValueSnapshot = new Map();
  for (const table of targets(conn)) {
    const hasRowid = !table.withoutRowid;
    const parts = table.columns.map((c, k) => `quote(${quoteName(c.name)}) AS v${k}`);
    if (hasRowid) parts.unshift('CAST(rowid AS TEXT) AS _rowid');
    const select = parts.length ? parts.join(', ') : '1';
    const rows = conn.query(`SELECT ${select} FROM ${quoteName(table.name)}`).map((row) => ({
      rowid: hasRowid ? String(row._rowid) : null,
      values: table.columns.map((_, k) => String(row[`v${k}`])),
    }));
    snapshot.set(fold(table.name), {
      name: table.name,
      hasRowid,
      columns: table.columns.map((c) => fold(c.name)),
      rows,
    });
  }
  return snapshot;
}

/** Where the tables and columns of the database before a migration live after it. */
export interface KeptMapping {
  /** The table's name after the migration, or undefined when it is dropped. */
  table(name: string): string | undefined;
  /** The column's name after the migration, or undefined when it is dropped. */
  column(table: string, column: string): string | undefined;
}

export interface CompareOptions {
  /** Whether rows of this table (named as before) keep their rowids; true by default. */
  keepsRowids?: (table: string) => boolean;
  /**
   * The value a kept column must hold afterwards, given the value before (both `quote()` text);
   * identity by default. Returning undefined skips the comparison for that value.
   */
  expected?: (table: string, column: string, before: string) => string | undefined;
}

/**
 * Lists every kept value that did not survive: rows missing or added in a kept table, values of kept
 * columns that changed. Rows are matched by rowid when the table keeps one, else as a multiset.
 * @example
 * expect(compareKept(before, snapshotValues(conn), mapping)).toEqual([]);
 */
export function compareKept(
  before: ValueSnapshot,
  after: ValueSnapshot,
  mapping: KeptMapping,
  options: CompareOptions = {},
): string[] {
  const problems: string[] = [];
  for (const table of before.values()) {
    const target = mapping.table(table.name);
    if (target === undefined) continue;
    const next = after.get(fold(target));
    if (!next) {
      problems.push(`table ${table.name} (kept as ${target}) is missing`);
      continue;
    }
    if (next.rows.length !== table.rows.length) {
      problems.push(`${table.name}: ${table.rows.length} rows before, ${next.rows.length} after`);
      continue;
    }
    const pairs: [number, number][] = [];
    table.columns.forEach((column, k) => {
      const to = mapping.column(table.name, column);
      const j = to === undefined ? -1 : next.columns.indexOf(fold(to));
      if (to !== undefined && j < 0)
        problems.push(`column ${table.name}.${column} (kept as ${to}) is missing`);
      if (j >= 0) pairs.push([k, j]);
    });
    const expect = (k: number, value: string) =>
      options.expected ? options.expected(table.name, table.columns[k]!, value) : value;
    if (table.hasRowid && next.hasRowid && (options.keepsRowids?.(table.name) ?? true)) {
      const byRowid = new Map(next.rows.map((r) => [r.rowid, r]));
      for (const row of table.rows) {
        const other = byRowid.get(row.rowid);
        if (!other) {
          problems.push(`${table.name}: row with rowid ${row.rowid} is missing`);
          continue;
        }
        for (const [k, j] of pairs) {
          const want = expect(k, row.values[k]!);
          if (want !== undefined && other.values[j] !== want) {
            problems.push(
              `${table.name}.${table.columns[k]} rowid ${row.rowid}: ${row.values[k]} became ${other.values[j]}` +
                (want !== row.values[k] ? ` (expected ${want})` : ''),
            );
          }
        }
      }
    } else {
      // Without rowids, compare the kept columns as a multiset of tuples; a column whose expected
      // value is unknown for some row is left out on both sides.
      const known = pairs.filter(([k]) => table.rows.every((r) => expect(k, r.values[k]!) !== undefined));
      const tuples = (rows: string[][]) => rows.map((r) => JSON.stringify(r)).sort();
      const wanted = tuples(table.rows.map((r) => known.map(([k]) => expect(k, r.values[k]!)!)));
      const got = tuples(next.rows.map((r) => known.map(([, j]) => r.values[j]!)));
      if (JSON.stringify(wanted) !== JSON.stringify(got)) {
        problems.push(`${table.name}: kept rows differ: ${wanted.join(' ')} became ${got.join(' ')}`);
      }
    }
  }
  return problems;
}

/** A mapping where tables and columns keep their names unless `renames` says otherwise. */
export function mappingFrom(
  before: { tables: Table[] },
  after: { tables: Table[] },
  renames: { tables?: Record<string, string>; columns?: Record<string, string> } = {},
): KeptMapping {
  const tableRenames = new Map(Object.entries(renames.tables ?? {}).map(([a, b]) => [fold(a), b]));
  const columnRenames = new Map(Object.entries(renames.columns ?? {}).map(([a, b]) => [fold(a), b]));
  const find = (tables: Table[], name: string) => tables.find((t) => fold(t.name) === fold(name));
  const table = (name: string) => {
    const found = find(after.tables, tableRenames.get(fold(name)) ?? name);
    const was = find(before.tables, name);
    if (!found || !was) return undefined;
    // A virtual table whose module or arguments change is dropped and created again: nothing is kept.
    if (
      (was.kind === 'virtual' || found.kind === 'virtual') &&
      (was.kind !== found.kind || was.module !== found.module)
    )
      return undefined;
    return found.name;
  };
  return {
    table,
    column(tableName, column) {
      const to = table(tableName);
      if (to === undefined) return undefined;
      const renamed =
        columnRenames.get(fold(`${tableName}.${column}`)) ?? columnRenames.get(fold(`${to}.${column}`));
      const name = renamed ?? column;
      const target = find(after.tables, to)!;
      // Virtual tables list no columns; a kept virtual table keeps all of them.
      if (target.kind === 'virtual') return name;
      const col = target.columns.find((c) => fold(c.name) === fold(name));
      return col && !col.generated ? col.name : undefined;
    },
  };
}

/**
 * The objects whose values a migration deletes: tables with rows it drops (named as before), columns
 * with values it drops (named by the table they belong to afterwards). Folded and sorted.
 * @example
 * expect(lostValues(before, mapping)).toEqual(['users.nickname']);
 */
export function lostValues(before: ValueSnapshot, mapping: KeptMapping): string[] {
  const lost: string[] = [];
  for (const table of before.values()) {
    if (table.rows.length === 0) continue;
    const target = mapping.table(table.name);
    if (target === undefined) {
      lost.push(fold(table.name));
      continue;
    }
    table.columns.forEach((column, k) => {
      if (mapping.column(table.name, column) !== undefined) return;
      if (table.rows.some((r) => r.values[k] !== 'NULL')) lost.push(fold(`${target}.${column}`));
    });
  }
  return lost.sort();
}

/** The rows of a snapshot as INSERT statements, for a repro. */
export function rowsAsSql(snapshot: ValueSnapshot): string {
  const lines: string[] = [];
  for (const table of snapshot.values()) {
    const columns = table.columns.map(quoteName).join(', ');
    for (const row of table.rows) {
      lines.push(`INSERT INTO ${quoteName(table.name)} (${columns}) VALUES (${row.values.join(', ')});`);
    }
  }
  return lines.join('\n');
}
