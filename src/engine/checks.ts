/**
 * The data-loss policy, checked against the real rows with exact counts (DESIGN: Declarative planning).
 * Dropping data blocks unless allowed; rows that would violate a new constraint always block and are
 * named; a column becoming NOT NULL with a DEFAULT gets the default in its NULL rows (a warning).
 */
import type { SqliteConnection, SqlValue } from '../sqlite/port.ts';
import type { TableChange } from './diff.ts';
import { externalContent } from './fts.ts';
import { findTable } from './inspect.ts';
import { quoteId } from './parse.ts';
import type { Blocker, Warning } from './plan-types.ts';
import { checkTable, checkUnchangedChildren, sampleKey } from './row-checks.ts';
import type { Schema, Table } from './schema.ts';
import { foldName } from './tokens.ts';

/** Where a table and its columns are found in the database as it is now (before any rename). */
export interface Origin {
  table(name: string): string;
  column(table: string, column: string): string;
}

export interface CheckResult {
  blockers: Blocker[];
  warnings: Warning[];
}

/** Records lost data: a blocker, or a warning when the caller allows data loss. */
export type Loss = (object: string, message: string, n: number, hint?: string, rows?: SqlValue[]) => void;

/** Everything a check needs: the live rows, both schemas, and where results go. */
export interface CheckContext {
  conn: SqliteConnection;
  origin: Origin;
  /** The schema as it is now. */
  current: Schema;
  desired: Schema;
  result: CheckResult;
  loss: Loss;
}

export const SAMPLE = 10;

/** `1 row`, `2 rows`: a count with its noun, for messages. */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The context the checks share.
 * @example
 * const context = createCheckContext(conn, origin, { allowDataLoss: false, current, desired });
 */
export function createCheckContext(
  conn: SqliteConnection,
  origin: Origin,
  options: { allowDataLoss: boolean; current: Schema; desired: Schema },
): CheckContext {
  const result: CheckResult = { blockers: [], warnings: [] };
  const loss: Loss = (object, message, n, hint, rows) => {
    if (options.allowDataLoss) result.warnings.push({ kind: 'data-loss-allowed', object, message, count: n });
    else
      result.blockers.push({
        kind: hint ? 'possible-rename' : 'data-loss',
        object,
        message,
        count: n,
        ...(rows ? { rows } : {}),
        ...(hint ? { hint } : {}),
      });
  };
  return { conn, origin, current: options.current, desired: options.desired, result, loss };
}

/**
 * Runs every data check the table changes call for; results land in `context.result`.
 * @example
 * checkData(context, changes);
 */
export function checkData(context: CheckContext, changes: readonly TableChange[]): void {
  const { conn, origin, loss } = context;
  const created = changes.filter((c) => c.kind === 'create').map((c) => c.desired);
  for (const change of changes) {
    if (change.kind === 'create' || change.kind === 'unchanged') continue;
    const table = origin.table(change.current.name);
    // Existence, not a count: counting a million rows would cost as much as a check of them.
    if (conn.query(`SELECT 1 AS x FROM ${quoteId(table)} LIMIT 1`).length === 0) continue;
    if (change.kind === 'drop' || change.kind === 'recreate-virtual') {
      // Its rows live in the content table; the index is rebuilt from them.
      if (externalContent(change.current)) continue;
      const rows = count(conn, `SELECT count(*) AS n FROM ${quoteId(table)}`);
      const twin = change.kind === 'drop' ? created.find((d) => sameColumns(change.current, d)) : undefined;
      const hint = twin ? `CREATE TABLE ${twin.name} ( -- @renamed from=${change.current.name}` : undefined;
      const what = change.kind === 'drop' ? 'dropping table' : 'recreating virtual table';
      loss(change.current.name, `${what} ${change.current.name} deletes ${rows} rows`, rows, hint);
      continue;
    }
    checkDroppedColumns(context, change.current, change.desired);
    checkTable(context, change.current, change.desired);
  }
  checkUnchangedChildren(
    context,
    changes.filter((c) => c.kind === 'unchanged'),
  );
  checkDanglingForeignKeys(context, changes);
}

function checkDroppedColumns(context: CheckContext, current: Table, desired: Table): void {
  const { conn, origin, loss } = context;
  const has = (t: Table, name: string) => t.columns.some((c) => foldName(c.name) === foldName(name));
  const added = desired.columns.filter((d) => !has(current, d.name));
  for (const col of current.columns) {
    if (col.generated || has(desired, col.name)) continue;
    const column = quoteId(origin.column(current.name, col.name));
    const n = count(
      conn,
      `SELECT count(*) AS n FROM ${quoteId(origin.table(current.name))} WHERE ${column} IS NOT NULL`,
    );
    if (n === 0) continue;
    const twin = added.find((a) => a.definition === col.definition);
    const hint = twin ? `${twin.name} ${twin.type} -- @renamed from=${col.name}` : undefined;
    loss(
      `${current.name}.${col.name}`,
      `dropping column ${current.name}.${col.name} deletes ${n} values`,
      n,
      hint,
    );
  }
}

/**
 * A foreign key whose parent table is not in the desired schema (dropped, or never created) can only
 * be satisfied by NULLs; the check after the apply would fail on every other row.
 */
function checkDanglingForeignKeys(context: CheckContext, changes: readonly TableChange[]): void {
  const { conn, origin, current, desired, result } = context;
  const sources = new Map(
    changes.flatMap((c) =>
      c.kind === 'drop' || c.kind === 'create' ? [] : [[foldName(c.desired.name), c] as const],
    ),
  );
  for (const table of desired.tables) {
    if (table.foreignKeys.length === 0) continue;
    const source = sources.get(foldName(table.name));
    if (!source || !findTable(current, origin.table(source.current.name))) continue;
    for (const fk of table.foreignKeys) {
      if (findTable(desired, fk.table)) continue;
      const notNull = fk.columns
        .map((c) => `${quoteId(origin.column(source.current.name, c))} IS NOT NULL`)
        .join(' AND ');
      const key = sampleKey(source.current);
      const rows = findRows(
        conn,
        `SELECT ${key} AS k FROM ${quoteId(origin.table(source.current.name))} WHERE ${notNull}`,
      );
      if (rows.count === 0) continue;
      result.blockers.push({
        kind: 'foreign-key-violation',
        object: table.name,
        message: `${counted(rows.count, 'row')} of ${table.name} ${rows.count === 1 ? 'references' : 'reference'} ${fk.table}, which the schema does not have`,
        ...rows,
      });
    }
  }
}

function count(conn: SqliteConnection, sql: string): number {
  return Number(conn.query(sql)[0]?.n ?? 0);
}

/** The number of rows a query selects, and the keys (`k`) of the first few. */
export function findRows(conn: SqliteConnection, select: string): { count: number; rows: SqlValue[] } {
  const n = count(conn, `SELECT count(*) AS n FROM (${select})`);
  const rows = n > 0 ? conn.query(`${select} LIMIT ${SAMPLE}`).map((r) => r.k ?? null) : [];
  return { count: n, rows };
}

function sameColumns(a: Table, b: Table): boolean {
  return (
    a.columns.length === b.columns.length &&
    a.columns.every((c, i) => c.definition === b.columns[i]!.definition)
  );
}
