/**
 * The table rebuild, done right (https://sqlite.org/lang_altertable.html#otheralter, steps 4–8).
 * The caller (applyPlan) owns steps 1–3 and 9–12: foreign keys off before BEGIN, one transaction,
 * foreign_key_check, verification against the pristine target, COMMIT, foreign keys restored.
 *
 * Here: create the new table under a temporary name, copy rows with an explicit column list (generated
 * columns skipped, rowids kept, IFNULL for a new NOT NULL with a default), carry AUTOINCREMENT's
 * counter over, drop the old table, and rename the new one over it with legacy_alter_table=ON so that
 * nothing else in the schema is rewritten. Indexes, views and triggers are created afterwards by the
 * plan, so no trigger fires on copied rows.
 */
import { quoteId, renameInCreate } from './parse.ts';
import type { Column, Table } from './schema.ts';
import type { Statement } from './simulate.ts';
import { codeTokens, foldName, identifierName } from './tokens.ts';

/** The temporary name a table is built under during its rebuild. */
export function rebuildTempName(table: string): string {
  return `_molt_new_${table}`;
}

/**
 * Statements that rebuild `current` into `desired` (same name; renames happen before).
 * @example
 * rebuildStatements(current, desired).map((s) => s.sql);
 */
export function rebuildStatements(current: Table, desired: Table): Statement[] {
  const temp = rebuildTempName(desired.name);
  const { columns, values, order } = copyColumns(current, desired);
  const statements: Statement[] = [{ sql: renameInCreate(desired.sql, temp) }];
  if (columns.length === 0) {
    // No column to carry over (all of them dropped, no rowid to keep): the rows still exist, each
    // with the defaults of the new columns, as DROP COLUMN + ADD COLUMN would leave them.
    const first = desired.columns.find((c) => !c.generated)!;
    columns.push(quoteId(first.name));
    values.push(defaultExpression(first) ?? 'NULL');
  }
  statements.push({
    // OR ABORT overrides an ON CONFLICT REPLACE / IGNORE in the new table: a row that does not fit
    // must stop the migration, never silently replace or skip another row.
    sql: `INSERT OR ABORT INTO ${quoteId(temp)} (${columns.join(', ')}) SELECT ${values.join(', ')} FROM ${quoteId(current.name)}${order}`,
  });
  if (current.autoincrement && desired.autoincrement) {
    // DROP TABLE forgets the old counter; keep it so ids of deleted rows are never reused.
    statements.push(
      {
        sql: 'INSERT INTO sqlite_sequence (name, seq) SELECT ?, seq FROM sqlite_sequence WHERE name = ? AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)',
        params: [temp, current.name, temp],
      },
      {
        sql: 'UPDATE sqlite_sequence SET seq = max(seq, IFNULL((SELECT seq FROM sqlite_sequence WHERE name = ?), 0)) WHERE name = ?',
        params: [current.name, temp],
      },
    );
  }
  statements.push(
    { sql: `DROP TABLE ${quoteId(current.name)}` },
    { sql: 'PRAGMA legacy_alter_table = ON' },
    { sql: `ALTER TABLE ${quoteId(temp)} RENAME TO ${quoteId(desired.name)}` },
    { sql: 'PRAGMA legacy_alter_table = OFF' },
  );
  return statements;
}

/** The target columns and the source expressions of the row copy. */
export function copyColumns(
  current: Table,
  desired: Table,
): { columns: string[]; values: string[]; order: string } {
  const source = new Map(current.columns.map((c) => [foldName(c.name), c]));
  const columns: string[] = [];
  const values: string[] = [];
  let order = '';
  const desiredAlias = rowidAlias(desired);
  const keepRowid = !current.withoutRowid && !desired.withoutRowid;
  const rowid = rowidName(current, desired);
  if (keepRowid && !desiredAlias && rowid) {
    columns.push(rowid);
    values.push(rowid);
  }
  for (const d of desired.columns) {
    if (d.generated) continue;
    const c = source.get(foldName(d.name));
    const target = quoteId(d.name);
    if (c) {
      columns.push(target);
      // A NULL in an INTEGER PRIMARY KEY gets a new id, as an INSERT gives it, never the DEFAULT.
      const value = quoteId(c.storedAs ?? c.name);
      values.push(d === desiredAlias ? value : fillDefault(d, value));
      // A column becoming INTEGER PRIMARY KEY: a NULL in it gets a new id, max + 1 at that moment, so
      // the rows with ids go first and no new id can collide with one still to come.
      if (d === desiredAlias && c !== rowidAlias(current))
        order = ` ORDER BY ${quoteId(c.storedAs ?? c.name)} IS NULL`;
    } else if (keepRowid && d === desiredAlias && rowid) {
      // A new INTEGER PRIMARY KEY takes over the rowids the rows already have.
      columns.push(target);
      values.push(rowid);
    }
  }
  return { columns, values, order };
}

/**
 * A name that reaches the real rowid in both tables: `rowid`, `_rowid_` and `oid` all do, unless a
 * column of that name hides it (https://sqlite.org/lang_createtable.html#rowid).
 */
export function rowidName(...tables: Table[]): string | undefined {
  const names = new Set(tables.flatMap((t) => t.columns.map((c) => foldName(c.name))));
  return ['rowid', '_rowid_', 'oid'].find((n) => !names.has(n));
}

/** `IFNULL(value, default)` for a NOT NULL column that declares a default, else the value itself. */
export function fillDefault(column: Column, value: string): string {
  const fill = defaultExpression(column);
  if (!column.notNull || fill === null || /^null$/i.test(fill)) return value;
  return `IFNULL(${value}, ${fill})`;
}

/**
 * The column's DEFAULT as an expression that gives the same value in a SELECT, an UPDATE or VALUES, or
 * null when it has none. SQLite stores `DEFAULT word`, `DEFAULT "word"` (and [word], `word`) as the text
 * 'word', and a bare TRUE / FALSE as 1 / 0, where an expression would read a column of that name.
 * @example
 * defaultExpression(column); // DEFAULT "active" → 'active', DEFAULT (1 + 2) → (1 + 2)
 */
export function defaultExpression(column: Column): string | null {
  const text = column.default?.trim();
  if (!text) return null;
  const tokens = codeTokens(text);
  const token = tokens.length === 1 ? tokens[0]! : undefined;
  if (token?.kind === 'quoted') {
    return `'${identifierName(token).replaceAll("'", "''")}'`;
  }
  if (token?.kind === 'word') {
    const word = token.text.toLowerCase();
    if (word === 'true' || word === 'false') return word === 'true' ? '1' : '0';
    if (!['null', 'current_time', 'current_date', 'current_timestamp'].includes(word)) {
      return `'${token.text.replaceAll("'", "''")}'`;
    }
    return token.text;
  }
  // A literal reads as itself; anything longer is kept together by parentheses.
  const literal = tokens.length === 1 && ['string', 'number', 'blob'].includes(tokens[0]!.kind);
  const signed = tokens.length === 2 && /^[-+]$/.test(tokens[0]!.text) && tokens[1]!.kind === 'number';
  return literal || signed ? text : `(${text})`;
}

/** The column that is an alias of the rowid (INTEGER PRIMARY KEY), if any. */
export function rowidAlias(table: Table): Column | undefined {
  if (table.withoutRowid || table.kind !== 'table') return undefined;
  const pk = table.columns.filter((c) => c.primaryKey > 0);
  if (pk.length !== 1) return undefined;
  const column = pk[0]!;
  if (foldName(column.type) !== 'integer') return undefined;
  // "INTEGER PRIMARY KEY DESC" is not an alias: https://sqlite.org/lang_createtable.html#rowid
  if (/"primary" "key" "desc"/.test(column.definition)) return undefined;
  return column;
}
