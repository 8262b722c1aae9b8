/**
 * Most of a desired schema is usually what the database already has, statement for statement (the
 * schema file it was built from). SQLite accepted those statements when it created them and stores
 * them verbatim, so the scratch database needs only what changed, plus what a changed object touches
 * (its table, its foreign-key parents and children, every trigger's table, the tables views and
 * triggers name) to validate it. An app
 * starting on an up-to-date database then loads nothing at all.
 */
import { MoltError } from './errors.ts';
import { findTable } from './inspect.ts';
import { nameTokenIndex } from './parse.ts';
import type { Index, Schema, Table, Trigger, View } from './schema.ts';
import { foldName, identifierName, isWord, type ScriptStatement } from './tokens.ts';

type Kind = 'table' | 'index' | 'view' | 'trigger';
type SchemaObject = Table | Index | View | Trigger;

export interface Described {
  statement: ScriptStatement;
  kind: Kind;
  /** Folded name. */
  name: string;
  /** Folded name of the table an index or trigger belongs to; the table itself for a table. */
  table: string;
  /** Folded names of the tables a table's foreign keys reference. */
  references: string[];
}

/** What a CREATE statement creates. */
export function describeStatement(statement: ScriptStatement): Described {
  const tokens = statement.tokens.filter((t) => t.kind !== 'comment');
  const at = nameTokenIndex(tokens);
  const head = tokens.slice(0, at).map((t) => foldName(t.text));
  const kind: Kind = head.includes('index')
    ? 'index'
    : head.includes('view')
      ? 'view'
      : head.includes('trigger')
        ? 'trigger'
        : 'table';
  const name = foldName(identifierName(tokens[at]!));
  const after = (i: number) =>
    tokens[i] ? foldName(identifierName(tokens[tokens[i + 1]?.text === '.' ? i + 2 : i]!)) : '';
  let table = name;
  if (kind === 'index') table = after(tokens.findIndex((t, i) => i > at && isWord(t, 'on')) + 1);
  if (kind === 'trigger') table = after(tokens.findIndex((t, i) => i > at && isWord(t, 'on')) + 1);
  const references =
    kind === 'table'
      ? tokens.flatMap((t, i) => (isWord(t, 'references') && tokens[i + 1] ? [after(i + 1)] : []))
      : [];
  return { statement, kind, name, table, references };
}

/** Two CREATE statements for one name would fail in SQLite; say so even when neither runs. */
export function checkDuplicates(described: Described[]): void {
  const seen = new Set<string>();
  for (const d of described) {
    const key = `${d.kind === 'trigger' ? 'trigger' : 'object'} ${d.name}`;
    if (seen.has(key)) {
      throw new MoltError('schema-invalid', `${d.name} is created twice`, { statement: d.statement.text });
    }
    seen.add(key);
  }
}

/**
 * Splits the statements into those to run in the scratch database and those whose object is taken
 * from `known`, the inspected current schema.
 */
export function selectStatements(
  described: Described[],
  known: Schema | undefined,
): { run: Described[]; reused: Map<Described, SchemaObject> } {
  const reused = new Map<Described, SchemaObject>();
  if (!known) return { run: described, reused };
  const byText = new Map<string, SchemaObject>();
  for (const o of [...known.tables, ...known.indexes, ...known.views, ...known.triggers])
    byText.set(o.sql, o);
  const same = (d: Described) => {
    const o = byText.get(d.statement.text);
    return o !== undefined && foldName(o.name) === d.name ? o : undefined;
  };
  const changed = new Set(described.filter((d) => d.kind === 'table' && !same(d)).map((d) => d.name));
  const need = new Set(changed);
  // Views and triggers always run, and SQLite reads them (their result columns, their bodies) against
  // the tables they name: those are loaded too.
  const tableNames = new Set(described.filter((d) => d.kind === 'table').map((d) => d.name));
  for (const d of described) {
    if (d.kind === 'table' && changed.has(d.name)) for (const r of d.references) need.add(r);
    if (d.kind === 'trigger' || (d.kind === 'index' && !same(d))) need.add(d.table);
    if (d.kind === 'view' || d.kind === 'trigger') {
      for (const t of d.statement.tokens) {
        const name = t.kind === 'comment' ? '' : foldName(identifierName(t));
        if (tableNames.has(name)) need.add(name);
      }
    }
  }
  for (const t of known.tables) {
    if (t.foreignKeys.some((fk) => changed.has(foldName(fk.table)))) need.add(foldName(t.name));
  }
  const run: Described[] = [];
  for (const d of described) {
    const o = same(d);
    const required = !o || d.kind === 'view' || d.kind === 'trigger' || need.has(d.table);
    if (required) run.push(d);
    else reused.set(d, o);
  }
  return { run, reused };
}

/** The desired schema in statement order: reused objects from `known`, the others from the scratch. */
export function mergeSchema(
  described: Described[],
  loaded: Schema,
  reused: Map<Described, SchemaObject>,
): Schema {
  const schema: Schema = { tables: [], indexes: [], views: [], triggers: [] };
  const from = <T extends { name: string }>(list: T[], name: string) =>
    list.find((o) => foldName(o.name) === name);
  for (const d of described) {
    const o = reused.get(d);
    switch (d.kind) {
      case 'table': {
        const t = (o as Table | undefined) ?? findTable(loaded, d.name);
        if (t) schema.tables.push(t);
        break;
      }
      case 'index': {
        const i = (o as Index | undefined) ?? from(loaded.indexes, d.name);
        if (i) schema.indexes.push(i);
        break;
      }
      case 'view': {
        const v = (o as View | undefined) ?? from(loaded.views, d.name);
        if (v) schema.views.push(v);
        break;
      }
      case 'trigger': {
        const t = (o as Trigger | undefined) ?? from(loaded.triggers, d.name);
        if (t) schema.triggers.push(t);
        break;
      }
    }
  }
  return schema;
}
