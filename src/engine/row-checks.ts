/**
 * Checks of the rows a changed table keeps: NOT NULL, type conversions, CHECK, UNIQUE and FOREIGN KEY.
 * Every constraint is evaluated on the rows exactly as the rebuild will store them (new names, new
 * collations, converted values, computed generated columns), so what passes here passes the apply.
 */
import { type CheckContext, counted, findRows, SAMPLE } from './checks.ts';
import { canonicalExpression } from './expressions.ts';
import { columnScope, findTable } from './inspect.ts';
import { closingParen, quoteId } from './parse.ts';
import { defaultExpression, fillDefault, rowidAlias, rowidName } from './rebuild.ts';
import type { Column, ForeignKey, Table } from './schema.ts';
import { codeTokens, foldName, isWord, type Token, tokenize } from './tokens.ts';
import { checkTypeChange } from './type-checks.ts';

/**
 * Runs the checks for one table that is rebuilt or altered.
 * @example
 * checkTable(context, currentTable, desiredTable);
 */
export function checkTable(context: CheckContext, current: Table, desired: Table): void {
  const alias = rowidAlias(desired);
  const currentAlias = rowidAlias(current);
  for (const d of desired.columns) {
    const c = findColumn(current, d.name);
    const object = `${desired.name}.${d.name}`;
    if (d === alias && c && c !== currentAlias) {
      checkNewRowidAlias(context, current, c, d);
      continue;
    }
    if (d.notNull && !d.generated && !c?.notNull) checkNotNull(context, current, c, d);
    if (c && !c.generated && d.generated) {
      const column = quoteId(context.origin.column(current.name, c.name));
      const rows = findRows(
        context.conn,
        `SELECT ${sampleKey(current)} AS k FROM ${source(context, current)} WHERE ${column} IS NOT NULL`,
      );
      if (rows.count > 0)
        context.loss(
          object,
          `${object} becomes generated: its ${rows.count} stored values are replaced`,
          rows.count,
        );
    }
    if (c && !c.generated && !d.generated && typeChanges(current, c, desired, d)) {
      checkTypeChange(context, current, c, d, desired.strict);
    }
    if (!c && !d.generated && desired.strict && d.default !== null) checkStrictDefault(context, current, d);
    // NULLs filled with the DEFAULT (a STRICT primary key column is NOT NULL) must fit the type too.
    if (c && !c.generated && desired.strict && !c.notNull && fillDefault(d, 'x') !== 'x') {
      const column = quoteId(context.origin.column(current.name, c.name));
      checkStrictDefault(context, current, d, ` WHERE ${column} IS NULL`);
    }
  }
  checkConstraints(context, current, desired);
}

function typeChanges(current: Table, c: Column, desired: Table, d: Column): boolean {
  return foldName(c.type) !== foldName(d.type) || current.strict !== desired.strict;
}

function findColumn(table: Table, name: string): Column | undefined {
  return table.columns.find((x) => foldName(x.name) === foldName(name));
}

function source(context: CheckContext, table: Table): string {
  return quoteId(context.origin.table(table.name));
}

function checkNotNull(context: CheckContext, current: Table, c: Column | undefined, d: Column): void {
  const object = `${current.name}.${d.name}`;
  const raw = c ? quoteId(context.origin.column(current.name, c.name)) : 'NULL';
  const nulls = findRows(
    context.conn,
    `SELECT ${sampleKey(current)} AS k FROM ${source(context, current)} WHERE ${raw} IS NULL`,
  );
  if (nulls.count === 0) return;
  if (fillDefault(d, 'x') !== 'x') {
    context.result.warnings.push({
      kind: 'fill-default',
      object,
      message: c
        ? `${counted(nulls.count, 'NULL value')} of ${object} ${nulls.count === 1 ? 'gets' : 'get'} the default ${d.default}`
        : `${counted(nulls.count, 'existing row')} ${nulls.count === 1 ? 'gets' : 'get'} the default ${d.default} in the new column ${object}`,
      count: nulls.count,
    });
  } else {
    context.result.blockers.push({
      kind: 'not-null-violation',
      object,
      message: c
        ? `${counted(nulls.count, 'row')} ${nulls.count === 1 ? 'has' : 'have'} NULL in ${object}, which becomes NOT NULL without a DEFAULT`
        : `${counted(nulls.count, 'existing row')} would have NULL in the new column ${object}, which is NOT NULL without a DEFAULT`,
      ...nulls,
      hint: `give ${d.name} a DEFAULT, or fill the NULLs in a migration first`,
    });
  }
}

/**
 * A column that becomes INTEGER PRIMARY KEY becomes the rowid: its values must be integers and
 * distinct, and a NULL makes SQLite pick a new id for that row.
 */
function checkNewRowidAlias(context: CheckContext, current: Table, c: Column, d: Column): void {
  const object = `${current.name}.${d.name}`;
  const column = quoteId(context.origin.column(current.name, c.name));
  const nulls = findRows(
    context.conn,
    `SELECT ${sampleKey(current)} AS k FROM ${source(context, current)} WHERE ${column} IS NULL`,
  );
  if (nulls.count > 0) {
    context.result.warnings.push({
      kind: 'fill-default',
      object,
      message: `${counted(nulls.count, 'row')} with NULL in ${object} ${nulls.count === 1 ? 'gets a new id' : 'get new ids'}`,
      count: nulls.count,
    });
    checkIdsLeft(context, current, column, object, nulls);
  }
  checkTypeChange(context, current, c, { ...d, type: 'INTEGER' }, true);
}

/**
 * A STRICT table refuses a DEFAULT that does not fit the column's type, but only when a row needs it:
 * a new column fills every existing row with it.
 */
function checkStrictDefault(context: CheckContext, current: Table, d: Column, where = ''): void {
  const { conn } = context;
  const type = d.type.replace(/^any$/i, '');
  if (!type) return;
  try {
    conn.exec('DROP TABLE IF EXISTS temp._molt_default');
    conn.exec(`CREATE TEMP TABLE _molt_default (v ${type}) STRICT`);
    conn.exec(`INSERT INTO temp._molt_default VALUES (${defaultExpression(d)})`);
  } catch {
    const rows = findRows(conn, `SELECT ${sampleKey(current)} AS k FROM ${source(context, current)}${where}`);
    if (rows.count === 0) return;
    context.result.blockers.push({
      kind: 'type-mismatch',
      object: `${current.name}.${d.name}`,
      message: `the DEFAULT ${d.default} of ${current.name}.${d.name} does not fit the STRICT type ${d.type}; ${rows.count} rows would need it`,
      ...rows,
    });
  } finally {
    conn.exec('DROP TABLE IF EXISTS temp._molt_default');
  }
}

/**
 * New ids count up from the largest; past 2^63 - 1 an AUTOINCREMENT table has none left (SQLITE_FULL),
 * and a plain one picks unused ids at random, which the planner cannot foresee either.
 */
function checkIdsLeft(
  context: CheckContext,
  current: Table,
  column: string,
  object: string,
  nulls: ReturnType<typeof findRows>,
): void {
  const [row] = context.conn.query(
    `SELECT max(${column}) >= 9223372036854775807 - ? AS full FROM ${source(context, current)} WHERE typeof(${column}) IN ('integer', 'real')`,
    [nulls.count - 1],
  );
  if (Number(row?.full ?? 0) !== 1) return;
  context.result.blockers.push({
    kind: 'not-null-violation',
    object,
    message: `${counted(nulls.count, 'row')} with NULL in ${object} would need ids past the largest integer`,
    ...nulls,
    hint: `give those rows ids in a migration first`,
  });
}

/** CHECK, UNIQUE and FOREIGN KEY constraints the table did not have (or had under other rules). */
function checkConstraints(context: CheckContext, current: Table, desired: Table): void {
  const alias = rowidAlias(desired);
  // New values: NULLs filled with a DEFAULT, or NULLs given ids by a column becoming INTEGER PRIMARY KEY.
  const filled = (name: string) => {
    const d = findColumn(desired, name);
    const c = findColumn(current, name);
    if (d !== undefined && d === alias && c !== undefined && c !== rowidAlias(current)) return true;
    return d !== undefined && fillDefault(d, 'x') !== 'x' && !c?.notNull;
  };
  // A CHECK is evaluated again when the values it sees may change: NULLs filled with a DEFAULT, values
  // converted to a new type, text compared under a new collation.
  const valuesChange = desired.columns.some((d) => {
    const c = findColumn(current, d.name);
    return c !== undefined && (filled(d.name) || valuesMayChange(current, c, desired, d));
  });
  // Compared as SQLite reads them: `"Income"` is the text 'Income' unless a column has that name.
  const canonical = (table: Table) => (check: string) =>
    canonicalExpression(codeTokens(check), columnScope(table.columns));
  const known = new Set(valuesChange ? [] : constraintChecks(current).map(canonical(current)));
  const checks = constraintChecks(desired).filter((check) => !known.has(canonical(desired)(check)));
  // A unique set is checked again when its columns compare differently (collation, type) or get new
  // values (NULLs filled with a DEFAULT can collide with each other and with existing values).
  // Values converted on the way in ('007' becomes 7 under a new type, or when STRICT goes) can collide too.
  const retyped = (name: string) => {
    const c = findColumn(current, name);
    const d = findColumn(desired, name);
    return c !== undefined && d !== undefined && typeChanges(current, c, desired, d);
  };
  const knownUnique = new Set(uniqueSets(current).map((u) => uniqueKey(current, u)));
  const uniques = uniqueSets(desired).filter(
    (u) => !knownUnique.has(uniqueKey(desired, u)) || u.some((name) => filled(name) || retyped(name)),
  );
  // A foreign key is checked again when its child columns change type ('0' no longer matches 0) or
  // get filled NULLs, and when the parent's keys change.
  const fks = desired.foreignKeys.filter(
    (fk) =>
      !current.foreignKeys.some((k) => JSON.stringify(k) === JSON.stringify(fk)) ||
      fk.columns.some((name) => retyped(name) || filled(name)) ||
      parentKeysChange(context, fk),
  );
  if (checks.length + uniques.length + fks.length === 0) return;
  withRows(context, current, desired, (rows) => {
    for (const check of checks) {
      const bad = findRows(context.conn, `SELECT _molt_key AS k FROM (${rows}) WHERE NOT (${check})`);
      if (bad.count > 0)
        context.result.blockers.push({
          kind: 'check-violation',
          object: desired.name,
          message: `${counted(bad.count, 'row')} of ${desired.name} ${bad.count === 1 ? 'violates' : 'violate'} CHECK (${check})`,
          ...bad,
        });
    }
    for (const unique of uniques) {
      checkDuplicates(context, rows, unique.map(quoteId), desired.name, `UNIQUE (${unique.join(', ')})`);
    }
    for (const fk of fks) checkForeignKey(context, rows, desired, fk);
  });
}

/** Column sets kept unique: UNIQUE and PRIMARY KEY constraints, and an INTEGER PRIMARY KEY. */
function uniqueSets(table: Table): string[][] {
  const alias = rowidAlias(table);
  return alias ? [...table.uniques, [alias.name]] : table.uniques;
}

/** What makes two unique constraints the same: columns, and the collation and type of each. */
function uniqueKey(table: Table, columns: string[]): string {
  return columns
    .map((name) => {
      const c = findColumn(table, name);
      return `${foldName(name)}:${c ? `${collationOf(c) ?? ''}:${foldName(c.type)}` : ''}`;
    })
    .sort()
    .join(',');
}

/**
 * Presents the rows as the rebuild will store them, under `_molt_key` plus the desired column names.
 * When a value's type changes, SQLite converts it on the way in ('5' becomes 5 under INTEGER affinity),
 * so the rows are staged in a temporary table with the new types; otherwise a projection suffices.
 * Generated columns are computed on top, so constraints on them are checked too.
 */
export function withRows(
  context: CheckContext,
  current: Table,
  desired: Table,
  run: (rows: string) => void,
): void {
  const { conn } = context;
  // Staged also when a value is computed (a DEFAULT filling a NULL or a new column): an expression has
  // no affinity, where the stored value will have the column's ('' >= -100 compares as text).
  const converted = desired.columns.some((d) => {
    const c = findColumn(current, d.name);
    if (d.generated || c?.generated) return false;
    if (!c) return d.default !== null;
    return typeChanges(current, c, desired, d) || (fillDefault(d, 'x') !== 'x' && !c.notNull);
  });
  const select = projection(context, current, desired);
  if (!converted) {
    tryCheck(() => run(withGenerated(select, desired)));
    return;
  }
  const columns = desired.columns
    .filter((d) => !d.generated)
    .map((d) => `${quoteId(d.name)} ${stagedType(desired, d)}${collationClause(d)}`);
  conn.exec('DROP TABLE IF EXISTS temp._molt_rows');
  try {
    tryCheck(() => {
      conn.exec(`CREATE TEMP TABLE _molt_rows (_molt_key, ${columns.join(', ')})`);
      conn.exec(`INSERT INTO temp._molt_rows ${select}`);
      run(withGenerated('SELECT * FROM temp._molt_rows', desired));
    });
  } finally {
    conn.exec('DROP TABLE IF EXISTS temp._molt_rows');
  }
}

/**
 * A SELECT that presents the current rows under the desired column names, as the rebuild will copy
 * them: the place every new constraint is evaluated.
 */
export function projection(context: CheckContext, current: Table, desired: Table): string {
  const parts = [`${sampleKey(current)} AS _molt_key`];
  const alias = rowidAlias(desired);
  for (const d of desired.columns) {
    if (d.generated) continue;
    const c = findColumn(current, d.name);
    let value = c ? quoteId(context.origin.column(current.name, c.name)) : (defaultExpression(d) ?? 'NULL');
    if (d === alias) value = aliasValue(context, current, c, value);
    // The new column's collation decides what counts as a duplicate or as equal in a CHECK.
    // A column that is NOT NULL already has no NULL to fill, and stays a plain column reference.
    const filled = c?.notNull || d === alias ? value : fillDefault(d, value);
    parts.push(`${filled}${collationClause(d)} AS ${quoteId(d.name)}`);
  }
  return `SELECT ${parts.join(', ')} FROM ${source(context, current)}`;
}

/**
 * The id a row gets in a column that becomes INTEGER PRIMARY KEY, as the rebuild's copy assigns it: a
 * new column takes over the rowid; a NULL gets the next id after the largest, in copy order.
 */
function aliasValue(context: CheckContext, current: Table, c: Column | undefined, value: string): string {
  const rowid = current.withoutRowid ? undefined : rowidName(current);
  if (!c) return rowid ?? value;
  if (c === rowidAlias(current)) return value;
  const order = rowid ?? sampleKey(current);
  return `IFNULL(${value}, IFNULL((SELECT max(${value}) FROM ${source(context, current)}), 0) + row_number() OVER (PARTITION BY ${value} IS NULL ORDER BY ${order}))`;
}

/** Adds the generated columns, one layer each, in declaration order (one may use another). */
function withGenerated(select: string, desired: Table): string {
  let rows = select;
  for (const d of desired.columns) {
    const expression = d.generated ? generatedExpression(d) : null;
    if (expression)
      rows = `SELECT *, (${expression})${collationClause(d)} AS ${quoteId(d.name)} FROM (${rows})`;
  }
  return rows;
}

function generatedExpression(column: Column): string | null {
  const tokens = tokenize(column.source).filter((t) => t.kind !== 'comment');
  const at = tokens.findIndex((t, i) => isWord(t, 'as') && tokens[i + 1]?.text === '(');
  if (at < 0) return null;
  return textOf(column.source, tokens.slice(at + 2, closingParen(tokens, at + 1)));
}

/** The key that names a row in a sample: the real rowid, or the primary key. */
export function sampleKey(table: Table): string {
  const rowid = table.withoutRowid ? undefined : rowidName(table);
  if (rowid) return rowid;
  const pk = table.columns.filter((c) => c.primaryKey > 0).sort((a, b) => a.primaryKey - b.primaryKey);
  if (pk.length === 0) return 'NULL';
  // quote() spells any value, blobs included, as SQL text: a key that always exists and reads back.
  const column = (c: Column) => quoteId(c.storedAs ?? c.name);
  return pk.length === 1 ? column(pk[0]!) : pk.map((c) => `quote(${column(c)})`).join(" || ', ' || ");
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

/** The collation a column declares (`COLLATE NOCASE`), if any. */
export function collationOf(column: Column): string | null {
  return /"collate" "((?:[^"]|"")+)"/.exec(column.definition)?.[1]?.replaceAll('""', '"') ?? null;
}

function collationClause(column: Column): string {
  const collation = collationOf(column);
  return collation ? ` COLLATE ${quoteId(collation)}` : '';
}

/** Counts the rows sharing a key that a new UNIQUE constraint or index would reject. */
export function checkDuplicates(
  context: CheckContext,
  rows: string,
  keys: string[],
  object: string,
  what: string,
  where = '',
): void {
  const notNull = keys.map((k) => `(${k}) IS NOT NULL`).join(' AND ');
  const filter = `${notNull}${where ? ` AND (${where})` : ''}`;
  const grouped = `SELECT count(*) AS n, min(_molt_key) AS k FROM (${rows}) WHERE ${filter} GROUP BY ${keys.join(', ')} HAVING count(*) > 1`;
  tryCheck(() => {
    const total = context.conn.query(
      `SELECT count(*) AS groups, IFNULL(sum(n), 0) AS n FROM (${grouped})`,
    )[0]!;
    const n = Number(total.n);
    if (n === 0) return;
    const sample = context.conn.query(`${grouped} LIMIT ${SAMPLE}`).map((g) => g.k ?? null);
    context.result.blockers.push({
      kind: 'unique-violation',
      object,
      message: `${n} rows of ${object} share values that ${what} forbids (${counted(Number(total.groups), 'group')})`,
      count: n,
      rows: sample,
    });
  });
}

/**
 * Child rows whose new foreign key has no parent row. The parent is looked up as the migration will
 * leave it: a parent created by this migration is empty, a renamed one is found under its old name, and
 * `REFERENCES parent` without columns means the parent's primary key.
 */
function checkForeignKey(context: CheckContext, rows: string, desired: Table, fk: ForeignKey): void {
  const { conn, origin, current } = context;
  const parent = findTable(context.desired, fk.table);
  if (!parent) return; // reported by checkDanglingForeignKeys
  const refs = parentKeys(parent, fk);
  const notNull = fk.columns.map((col) => `c.${quoteId(col)} IS NOT NULL`).join(' AND ');
  // As SQLite's own check does, the parent's affinity and collation decide: `+` strips the child
  // value's affinity, so the comparison applies the parent column's (the text '1' finds INTEGER 1,
  // the real 1.0 does not find TEXT '1').

  const exists = findTable(current, origin.table(parent.name));
  const staged = exists !== undefined && stageParentKeys(context, exists, parent, refs);
  const match = staged
    ? `EXISTS (SELECT 1 FROM temp._molt_parent AS p WHERE ${fk.columns
        .map((col, i) => `p."k${i}" = +c.${quoteId(col)}`)
        .join(' AND ')})`
    : exists
      ? `EXISTS (SELECT 1 FROM ${quoteId(origin.table(parent.name))} AS p WHERE ${fk.columns
          .map(
            (col, i) => `p.${quoteId(origin.column(parent.name, refs[i] ?? 'rowid'))} = +c.${quoteId(col)}`,
          )
          .join(' AND ')})`
      : '0';
  let bad: ReturnType<typeof findRows>;
  try {
    bad = findRows(conn, `SELECT c._molt_key AS k FROM (${rows}) AS c WHERE ${notNull} AND NOT ${match}`);
  } finally {
    if (staged) conn.exec('DROP TABLE IF EXISTS temp._molt_parent');
  }
  if (bad.count > 0) {
    context.result.blockers.push({
      kind: 'foreign-key-violation',
      object: desired.name,
      message: `${counted(bad.count, 'row')} of ${desired.name} ${bad.count === 1 ? 'references' : 'reference'} missing rows of ${fk.table}`,
      ...bad,
    });
  }
}

/** The parent's key columns of a foreign key: its references, else its primary key, else the rowid. */
function parentKeys(parent: Table, fk: ForeignKey): string[] {
  if (fk.references.length) return fk.references;
  const pk = parent.columns
    .filter((c) => c.primaryKey > 0)
    .sort((a, b) => a.primaryKey - b.primaryKey)
    .map((c) => c.name);
  return pk.length ? pk : ['rowid'];
}

/**
 * True when the values a foreign key looks up in its parent change with this migration: a key column
 * that is new, changes type or collation (SQLite compares with the parent's affinity and collation:
 * '1' finds 1 under INTEGER, not under STRICT ANY), or gets NULLs filled with a DEFAULT.
 */
export function parentKeysChange(context: CheckContext, fk: ForeignKey): boolean {
  const parent = findTable(context.desired, fk.table);
  const before = parent && findTable(context.current, context.origin.table(parent.name));
  if (!parent || !before) return false;
  return parentKeys(parent, fk).some((name) => keyChanges(context, before, parent, name));
}

function keyChanges(context: CheckContext, before: Table, parent: Table, name: string): boolean {
  const d = findColumn(parent, name);
  if (name === 'rowid' || !d) return false;
  const c = findColumn(before, context.origin.column(parent.name, name));
  return !c || valuesMayChange(before, c, parent, d);
}

/** Whether a kept column's values read differently afterwards: a new type or collation, filled NULLs. */
function valuesMayChange(current: Table, c: Column, desired: Table, d: Column): boolean {
  return (
    typeChanges(current, c, desired, d) ||
    collationOf(c) !== collationOf(d) ||
    (fillDefault(d, 'x') !== 'x' && !c.notNull)
  );
}

/**
 * Stages the parent's key values as the migration will leave them in `temp._molt_parent` (columns k0,
 * k1, … with the new types and collations, indexed) when they change; false when the live table holds
 * them as they will be, or they cannot be staged.
 */
function stageParentKeys(context: CheckContext, before: Table, parent: Table, refs: string[]): boolean {
  const { conn } = context;
  const columns = refs.map((name) => findColumn(parent, name));
  if (refs.includes('rowid') || columns.some((d) => !d || d.generated)) return false;
  if (!refs.some((name) => keyChanges(context, before, parent, name))) return false;
  const keys = columns.map((_, i) => `"k${i}"`);
  try {
    conn.exec('DROP TABLE IF EXISTS temp._molt_parent');
    conn.exec(
      `CREATE TEMP TABLE _molt_parent (${columns.map((d, i) => `${keys[i]} ${stagedType(parent, d!)}${collationClause(d!)}`).join(', ')})`,
    );
    conn.exec(
      `INSERT INTO temp._molt_parent SELECT ${refs.map(quoteId).join(', ')} FROM (${projection(context, before, parent)})`,
    );
    conn.exec(`CREATE INDEX temp._molt_parent_keys ON _molt_parent (${keys.join(', ')})`);
    return true;
  } catch {
    conn.exec('DROP TABLE IF EXISTS temp._molt_parent');
    return false;
  }
}

/** A column's type for a staging table, which is never STRICT: there ANY means no affinity at all. */
function stagedType(table: Table, column: Column): string {
  return table.strict && /^any$/i.test(column.type.trim()) ? '' : column.type;
}

/**
 * Foreign keys of tables this migration leaves as they are, whose parent keys change: the child rows
 * must still find their parents.
 * @example
 * checkUnchangedChildren(context, changes);
 */
export function checkUnchangedChildren(
  context: CheckContext,
  tables: readonly { current: Table; desired: Table }[],
): void {
  for (const { current, desired } of tables) {
    const fks = desired.foreignKeys.filter((fk) => parentKeysChange(context, fk));
    if (fks.length === 0) continue;
    withRows(context, current, desired, (rows) => {
      for (const fk of fks) checkForeignKey(context, rows, desired, fk);
    });
  }
}

export function tryCheck(run: () => void): void {
  try {
    run();
  } catch {
    // An expression that cannot be evaluated here (it calls a function that fails on some value, say).
    // The apply still enforces the constraint inside its transaction and rolls back if a row fails it.
  }
}
