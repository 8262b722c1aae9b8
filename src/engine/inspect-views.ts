/**
 * Views and triggers as inspected. Their bodies are read with the names they can see (the tables and
 * views they name, with those objects' columns), so a double-quoted literal in them keeps its case; a
 * view also carries its result columns as SQLite names them, since code reads rows as objects keyed by
 * them (`AS username` → `AS userName` is a change).
 */
import type { Row, SqliteConnection } from '../sqlite/port.ts';
import { canonicalExpression, ROWID_NAMES, type Scope } from './expressions.ts';
import { nameTokenIndex } from './parse.ts';
import type { Schema } from './schema.ts';
import { canonicalText, codeTokens, foldName, identifierName, isWord, type Token } from './tokens.ts';

/** Names a trigger body can use besides the schema's. */
const TRIGGER_NAMES = ['new', 'old', 'excluded', ...ROWID_NAMES];

/**
 * Reads the views and triggers among `objects` (rows of sqlite_schema, in stored order) into `schema`,
 * whose tables are read already.
 * @example
 * readViewsAndTriggers(conn, schema, rows.filter((r) => r.type !== 'table'));
 */
export function readViewsAndTriggers(conn: SqliteConnection, schema: Schema, objects: readonly Row[]): void {
  const views = objects.filter((o) => o.type === 'view').map((o) => String(o.name));
  const columns = views.length > 0 ? readViewColumns(conn, views) : new Map<string, string[]>();
  const names = new Map<string, string[]>();
  for (const t of schema.tables) names.set(foldName(t.name), [t.name, ...t.columns.map((c) => c.name)]);
  for (const v of views) names.set(foldName(v), [v, ...(columns.get(v) ?? [])]);
  for (const object of objects) {
    const name = String(object.name);
    const sql = String(object.sql);
    if (object.type === 'view') {
      const result = columns.get(name) ?? null;
      const definition = viewDefinition(sql, scopeOf(sql, names, ROWID_NAMES));
      schema.views.push({
        name,
        sql,
        columns: result,
        // A view SQLite cannot read has no columns to compare; its text alone is what it is.
        definition: result ? `${definition} -> ${JSON.stringify(result)}` : definition,
      });
    } else if (object.type === 'trigger') {
      schema.triggers.push({
        name,
        table: String(object.tbl_name),
        sql,
        definition: triggerDefinition(sql, scopeOf(sql, names, TRIGGER_NAMES)),
      });
    }
  }
}

/**
 * The result columns of each view, as `SELECT * FROM view` names them. A view SQLite cannot read (over
 * a table that is gone, or circular) is left out.
 */
function readViewColumns(conn: SqliteConnection, views: string[]): Map<string, string[]> {
  const columns = new Map<string, string[]>();
  const add = (view: string, column: string) => columns.set(view, [...(columns.get(view) ?? []), column]);
  try {
    for (const row of conn.query(
      `SELECT m.name AS v, p.name AS c FROM main.sqlite_schema AS m JOIN pragma_table_xinfo(m.name, 'main') AS p
       WHERE m.type = 'view' ORDER BY m.name, p.cid`,
    )) {
      add(String(row.v), String(row.c));
    }
    return columns;
  } catch {
    // One view SQLite cannot read fails the query for all of them: ask view by view.
  }
  columns.clear();
  for (const view of views) {
    try {
      for (const row of conn.query('SELECT name FROM pragma_table_xinfo(?)', [view]))
        add(view, String(row.name));
    } catch {
      columns.delete(view);
    }
  }
  return columns;
}

/** What a statement can name: the objects it mentions with their columns, and `extra`. */
function scopeOf(sql: string, names: ReadonlyMap<string, string[]>, extra: readonly string[]): Scope {
  const scope = new Set(extra);
  for (const t of codeTokens(sql)) {
    if (t.kind !== 'word' && t.kind !== 'quoted' && t.kind !== 'string') continue;
    for (const name of names.get(foldName(identifierName(t))) ?? []) scope.add(foldName(name));
  }
  return scope;
}

/** The view after its name: the column list as names, the SELECT read as an expression. */
function viewDefinition(sql: string, scope: Scope): string {
  const after = codeTokens(sql).slice(nameTokenIndex(codeTokens(sql)) + 1);
  const at = topLevelIndex(after, (t) => isWord(t, 'as'));
  return `${canonicalText(after.slice(0, at + 1))} ${canonicalExpression(after.slice(at + 1), scope, { keepAliases: true })}`;
}

/** The trigger after its name: the header as names, the WHEN clause and body as expressions. */
function triggerDefinition(sql: string, scope: Scope): string {
  const tokens = codeTokens(sql);
  const after = tokens.slice(nameTokenIndex(tokens) + 1);
  const at = topLevelIndex(after, (t) => isWord(t, 'when') || isWord(t, 'begin'));
  return `${canonicalText(after.slice(0, at))} ${canonicalExpression(after.slice(at), scope)}`;
}

function topLevelIndex(tokens: readonly Token[], match: (t: Token) => boolean): number {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (depth === 0 && match(t)) return i;
  }
  return tokens.length;
}
