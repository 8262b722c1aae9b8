/**
 * The data-loss policy, checked against the real rows with exact counts (DESIGN: Declarative planning).
 * Dropping data blocks unless allowed; rows that would violate a new constraint always block and are
 * named; a column becoming NOT NULL with a DEFAULT gets the default in its NULL rows (a warning).
 */
import type { SqliteConnection, SqlValue } from '../sqlite/port.ts';
import type { TableChange } from './diff.ts';
import { closingParen, quoteId } from './parse.ts';
import type { Blocker, Warning } from './plan-types.ts';
import { fillDefault, rowidAlias } from './rebuild.ts';
import type { Column, Table } from './schema.ts';
import { canonicalSql, codeTokens, foldName, isWord, type Token } from './tokens.ts';

/** Where a table and its columns are found in the database as it is now (before any rename). */
export interface Origin {
  table(name: string): string;
  column(table: string, column: string): string;
}

export interface CheckResult {
  blockers: Blocker[];
  warnings: Warning[];
}

const SAMPLE = 10;

/**
 * Runs every data check the table changes call for.
 * @example
 * const { blockers } = checkData(conn, changes, origin, { allowDataLoss: false });
 */
export function checkData(
  conn: SqliteConnection,
  changes: readonly TableChange[],
  origin: Origin,
  options: { allowDataLoss: boolean },
): CheckResult {
  const result: CheckResult = { blockers: [], warnings: [] };
  const count = (sql: string, params: SqlValue[] = []) => Number(conn.query(sql, params)[0]?.n ?? 0);
  const loss = (object: string, message: string, n: number, hint?: string) => {
    if (options.allowDataLoss) result.warnings.push({ kind: 'data-loss-allowed', object, message, count: n });
    else
      result.blockers.push({
        kind: hint ? 'possible-rename' : 'data-loss',
        object,
        message,
        count: n,
        ...(hint ? { hint } : {}),
      });
  };
  const created = changes.filter((c) => c.kind === 'create').map((c) => c.desired);

  for (const change of changes) {
    if (change.kind === 'create' || change.kind === 'unchanged') continue;
    const table = origin.table(change.current.name);
    // Existence, not a count: counting a million rows would cost as much as a check of them.
    if (conn.query(`SELECT 1 AS x FROM ${quoteId(table)} LIMIT 1`).length === 0) continue;
    if (change.kind === 'drop' || change.kind === 'recreate-virtual') {
      const rows = count(`SELECT count(*) AS n FROM ${quoteId(table)}`);
      const twin = change.kind === 'drop' ? created.find((d) => sameColumns(change.current, d)) : undefined;
      const hint = twin ? `CREATE TABLE ${twin.name} ( -- @renamed from=${change.current.name}` : undefined;
      const what = change.kind === 'drop' ? 'dropping table' : 'recreating virtual table';
      loss(change.current.name, `${what} ${change.current.name} deletes ${rows} rows`, rows, hint);
      continue;
    }
    const dropped =
      change.kind === 'alter'
        ? change.dropped
        : change.current.columns.filter(
            (c) => !change.desired.columns.some((d) => foldName(d.name) === foldName(c.name)),
          );
    const added = change.desired.columns.filter(
      (d) => !change.current.columns.some((c) => foldName(c.name) === foldName(d.name)),
    );
    for (const col of dropped) {
      if (col.generated) continue;
      const n = count(
        `SELECT count(*) AS n FROM ${quoteId(table)} WHERE ${quoteId(origin.column(change.current.name, col.name))} IS NOT NULL`,
      );
      if (n === 0) continue;
      const twin = added.find((a) => a.definition === col.definition);
      const hint = twin ? `${twin.name} ${twin.type} -- @renamed from=${col.name}` : undefined;
      loss(
        `${change.current.name}.${col.name}`,
        `dropping column ${change.current.name}.${col.name} deletes ${n} values`,
        n,
        hint,
      );
    }
    checkColumns(conn, change.current, change.desired, origin, result, loss);
  }
  return result;
}

/** The number of rows a query selects, and the keys of the first few. */
function findRows(conn: SqliteConnection, select: string): { count: number; rows: SqlValue[] } {
  const count = Number(conn.query(`SELECT count(*) AS n FROM (${select})`)[0]?.n ?? 0);
  const rows = count > 0 ? conn.query(`${select} LIMIT ${SAMPLE}`).map((r) => r.k ?? null) : [];
  return { count, rows };
}

function sameColumns(a: Table, b: Table): boolean {
  return (
    a.columns.length === b.columns.length &&
    a.columns.every((c, i) => c.definition === b.columns[i]!.definition)
  );
}

/** Checks of the rows that stay: NOT NULL, CHECK, UNIQUE, FOREIGN KEY and type changes. */
type Loss = (object: string, message: string, n: number, hint?: string) => void;

function checkColumns(
  conn: SqliteConnection,
  current: Table,
  desired: Table,
  origin: Origin,
  result: CheckResult,
  loss: Loss,
) {
  const alias = rowidAlias(desired);
  let typeChanged = false;
  for (const d of desired.columns) {
    const c = current.columns.find((x) => foldName(x.name) === foldName(d.name));
    const object = `${desired.name}.${d.name}`;
    if (d.notNull && !d.generated && !c?.notNull && d !== alias)
      checkNotNull(conn, current, origin, c, d, result);
    if (
      c &&
      !c.generated &&
      !d.generated &&
      (foldName(c.type) !== foldName(d.type) || current.strict !== desired.strict)
    ) {
      typeChanged = true;
      const column = origin.column(current.name, c.name);
      checkTypeChange(conn, origin.table(current.name), column, d, desired.strict, object, result, loss);
    }
  }
  const known = new Set(constraintChecks(current).map(canonicalSql));
  const checks = constraintChecks(desired).filter((check) => !known.has(canonicalSql(check)));
  const knownUnique = new Set(current.uniques.map(uniqueKey));
  const uniques = desired.uniques.filter((u) => !knownUnique.has(uniqueKey(u)));
  const fks = desired.foreignKeys.filter(
    (fk) => !current.foreignKeys.some((k) => JSON.stringify(k) === JSON.stringify(fk)),
  );
  if (checks.length + uniques.length + fks.length === 0) return;
  withRows(conn, current, desired, origin, typeChanged, (source) => {
    for (const check of checks) checkCheck(conn, source, desired, check, result);
    for (const unique of uniques) {
      checkDuplicates(
        conn,
        source,
        unique.map(quoteId),
        desired.name,
        `UNIQUE (${unique.join(', ')})`,
        result,
      );
    }
    for (const fk of fks) checkForeignKey(conn, source, desired, fk, origin, result);
  });
}

function uniqueKey(columns: string[]): string {
  return columns.map(foldName).sort().join(',');
}

function checkNotNull(
  conn: SqliteConnection,
  current: Table,
  origin: Origin,
  c: Column | undefined,
  d: Column,
  result: CheckResult,
) {
  const object = `${current.name}.${d.name}`;
  const raw = c ? quoteId(origin.column(current.name, c.name)) : 'NULL';
  const nulls = findRows(
    conn,
    `SELECT ${sampleKey(current)} AS k FROM ${quoteId(origin.table(current.name))} WHERE ${raw} IS NULL`,
  );
  if (nulls.count === 0) return;
  if (fillDefault(d, 'x') !== 'x') {
    result.warnings.push({
      kind: 'fill-default',
      object,
      message: `${nulls.count} NULL values of ${object} get the default ${d.default}`,
      count: nulls.count,
    });
  } else {
    result.blockers.push({
      kind: 'not-null-violation',
      object,
      message: `${nulls.count} rows have NULL in ${object}, which becomes NOT NULL without a DEFAULT`,
      ...nulls,
      hint: `give ${d.name} a DEFAULT, or fill the NULLs in a migration first`,
    });
  }
}

/**
 * Presents the rows as the rebuild will store them. When a column's type changes, SQLite converts its
 * values on the way in ('5' becomes 5 under INTEGER affinity), so the rows are staged in a temporary
 * table with the new types and the constraints are evaluated there; otherwise a projection suffices.
 */
function withRows(
  conn: SqliteConnection,
  current: Table,
  desired: Table,
  origin: Origin,
  converted: boolean,
  run: (source: string) => void,
) {
  const select = projection(current, desired, origin);
  if (!converted) {
    run(select);
    return;
  }
  const columns = desired.columns
    .filter((d) => !d.generated)
    .map(
      (d) => `${quoteId(d.name)} ${d.type}${collationOf(d) ? ` COLLATE ${quoteId(collationOf(d)!)}` : ''}`,
    );
  conn.exec('DROP TABLE IF EXISTS temp._molt_rows');
  try {
    conn.exec(`CREATE TEMP TABLE _molt_rows (_molt_key, ${columns.join(', ')})`);
    conn.exec(`INSERT INTO temp._molt_rows ${select}`);
    run('SELECT * FROM temp._molt_rows');
  } finally {
    conn.exec('DROP TABLE IF EXISTS temp._molt_rows');
  }
}

function checkCheck(
  conn: SqliteConnection,
  source: string,
  desired: Table,
  check: string,
  result: CheckResult,
) {
  tryCheck(() => {
    const bad = findRows(conn, `SELECT _molt_key AS k FROM (${source}) WHERE NOT (${check})`);
    if (bad.count > 0) {
      result.blockers.push({
        kind: 'check-violation',
        object: desired.name,
        message: `${bad.count} rows of ${desired.name} violate CHECK (${check})`,
        ...bad,
      });
    }
  });
}

function checkForeignKey(
  conn: SqliteConnection,
  source: string,
  desired: Table,
  fk: Table['foreignKeys'][number],
  origin: Origin,
  result: CheckResult,
) {
  const refs = fk.references.length ? fk.references : ['rowid'];
  const cond = fk.columns
    .map((col, i) => `p.${quoteId(refs[i] ?? 'rowid')} = c.${quoteId(col)}`)
    .join(' AND ');
  const notNull = fk.columns.map((col) => `c.${quoteId(col)} IS NOT NULL`).join(' AND ');
  tryCheck(() => {
    const parent = quoteId(origin.table(fk.table));
    const bad = findRows(
      conn,
      `SELECT c._molt_key AS k FROM (${source}) AS c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${parent} AS p WHERE ${cond})`,
    );
    if (bad.count > 0) {
      result.blockers.push({
        kind: 'foreign-key-violation',
        object: desired.name,
        message: `${bad.count} rows of ${desired.name} reference missing rows of ${fk.table}`,
        ...bad,
      });
    }
  });
}

/** The collation a column declares (`COLLATE NOCASE`), if any. */
export function collationOf(column: Column): string | null {
  return /"collate" "((?:[^"]|"")+)"/.exec(column.definition)?.[1]?.replaceAll('""', '"') ?? null;
}

/**
 * A SELECT that presents the current rows under the desired column names, as the rebuild will copy
 * them: the place every new constraint is evaluated.
 */
export function projection(current: Table, desired: Table, origin: Origin): string {
  const parts = [`${sampleKey(current)} AS _molt_key`];
  for (const d of desired.columns) {
    if (d.generated) continue;
    const c = current.columns.find((x) => foldName(x.name) === foldName(d.name));
    const value = c ? quoteId(origin.column(current.name, c.name)) : (d.default ?? 'NULL');
    // The new column's collation decides what counts as a duplicate or as equal in a CHECK.
    const collation = collationOf(d);
    parts.push(
      `${fillDefault(d, value)}${collation ? ` COLLATE ${quoteId(collation)}` : ''} AS ${quoteId(d.name)}`,
    );
  }
  return `SELECT ${parts.join(', ')} FROM ${quoteId(origin.table(current.name))}`;
}

function sampleKey(table: Table): string {
  if (!table.withoutRowid) return 'rowid';
  const pk = table.columns.filter((c) => c.primaryKey > 0).sort((a, b) => a.primaryKey - b.primaryKey);
  return pk.length === 1 ? quoteId(pk[0]!.name) : `json_array(${pk.map((c) => quoteId(c.name)).join(', ')})`;
}

/** The CHECK expressions of a table, column-level and table-level, as SQL text. */
export function constraintChecks(table: Table): string[] {
  const checks: string[] = [];
  const tokens = codeTokens(table.sql);
  for (let i = 0; i < tokens.length; i++) {
    if (isWord(tokens[i], 'check') && tokens[i + 1]?.text === '(') {
      const close = closingParen(tokens, i + 1);
      checks.push(textOf(table.sql, tokens.slice(i + 2, close)));
      i = close;
    }
  }
  return checks;
}

function textOf(sql: string, tokens: Token[]): string {
  return tokens.length ? sql.slice(tokens[0]!.start, tokens[tokens.length - 1]!.end) : '';
}

/** Counts groups of rows that share a key a new UNIQUE constraint or index would reject. */
export function checkDuplicates(
  conn: SqliteConnection,
  source: string,
  keys: string[],
  object: string,
  what: string,
  result: CheckResult,
  where = '',
) {
  const notNull = keys.map((k) => `(${k}) IS NOT NULL`).join(' AND ');
  const filter = `${notNull}${where ? ` AND (${where})` : ''}`;
  const grouped = `SELECT count(*) AS n, min(_molt_key) AS k FROM (${source}) WHERE ${filter} GROUP BY ${keys.join(', ')} HAVING count(*) > 1`;
  tryCheck(() => {
    const total = conn.query(`SELECT count(*) AS groups, IFNULL(sum(n), 0) AS n FROM (${grouped})`)[0]!;
    const n = Number(total.n);
    if (n === 0) return;
    const rows = conn.query(`${grouped} LIMIT ${SAMPLE}`).map((g) => g.k ?? null);
    result.blockers.push({
      kind: 'unique-violation',
      object,
      message: `${n} rows of ${object} share values that ${what} forbids (${total.groups} groups)`,
      count: n,
      rows,
    });
  });
}

function tryCheck(run: () => void) {
  try {
    run();
  } catch {
    // An expression the projection cannot evaluate (it names a generated column, say). The apply still
    // enforces the constraint inside its transaction and rolls back if any row fails it.
  }
}

/**
 * A type change keeps every value in an ordinary table, but SQLite's affinity may convert it
 * ('007' becomes 7 under INTEGER affinity); a STRICT table refuses values that do not fit. The values
 * are run through a temporary column with the new type to see exactly what SQLite will do.
 */
function checkTypeChange(
  conn: SqliteConnection,
  table: string,
  column: string,
  target: Column,
  strict: boolean,
  object: string,
  result: CheckResult,
  loss: Loss,
) {
  const probeType = strict ? target.type.replace(/^any$/i, '') : target.type;
  const col = quoteId(column);
  try {
    conn.exec('DROP TABLE IF EXISTS temp._molt_probe');
    conn.exec(`CREATE TEMP TABLE _molt_probe (v ${probeType || 'BLOB'}, o, n INTEGER)`);
    // One row per distinct value (exact bytes and storage class), with how many rows hold it.
    conn.exec(
      `INSERT INTO temp._molt_probe SELECT ${col}, ${col}, count(*) FROM ${quoteId(table)} WHERE ${col} IS NOT NULL GROUP BY typeof(${col}), CAST(${col} AS BLOB)`,
    );
    const stats = conn.query(
      `SELECT
         IFNULL(sum(CASE WHEN typeof(v) <> typeof(o) THEN n END), 0) AS changed,
         IFNULL(sum(CASE
           WHEN typeof(v) = typeof(o) THEN 0
           WHEN typeof(o) = 'text' THEN CAST(v AS TEXT) IS NOT o
           WHEN typeof(v) = 'text' THEN CAST(v AS NUMERIC) IS NOT o
           ELSE v IS NOT o END * n), 0) AS lossy,
         IFNULL(sum(CASE WHEN NOT (${strictFits(target.type)}) THEN n END), 0) AS misfit
       FROM temp._molt_probe`,
    )[0]!;
    const misfit = strict ? Number(stats.misfit) : 0;
    const lossy = Number(stats.lossy);
    if (misfit > 0) {
      result.blockers.push({
        kind: 'type-mismatch',
        object,
        message: `${misfit} values of ${object} do not fit the STRICT type ${target.type}`,
        count: misfit,
      });
    } else if (lossy > 0) {
      loss(
        object,
        `${lossy} values of ${object} change when converted to ${target.type || 'no type'}`,
        lossy,
      );
    } else if (Number(stats.changed) > 0) {
      result.warnings.push({
        kind: 'type-change',
        object,
        message: `${stats.changed} values of ${object} change storage class to fit ${target.type}`,
        count: Number(stats.changed),
      });
    }
  } finally {
    conn.exec('DROP TABLE IF EXISTS temp._molt_probe');
  }
}

/** Which storage classes a STRICT column of this type accepts after affinity conversion. */
function strictFits(type: string): string {
  switch (foldName(type.trim())) {
    case 'int':
    case 'integer':
      return "typeof(v) = 'integer'";
    case 'real':
      return "typeof(v) IN ('real', 'integer')";
    case 'text':
      return "typeof(v) = 'text'";
    case 'blob':
      return "typeof(v) = 'blob'";
    default:
      return '1';
  }
}
