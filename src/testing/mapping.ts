/**
 * Which tables and columns an upgrade keeps, and under which names: the renames the app declared
 * (the `renames` option, `@renamed from=` hints in the schema) and the ones its versioned migrations
 * spell out (`ALTER TABLE … RENAME TO`, `ALTER TABLE … RENAME COLUMN … TO`). Nothing is guessed.
 */
import type { Renames } from '../engine/desired.ts';
import type { Migration } from '../engine/ledger.ts';
import type { Schema } from '../engine/schema.ts';
import { codeTokens, foldName, identifierName, isWord, splitStatements } from '../engine/tokens.ts';
import type { KeptMapping } from './snapshot.ts';

/**
 * One rename, in the order the upgrade performs it. A migration's rename always happened; a declared
 * one (`declared`) counts only where it took place: the old name is gone afterwards and the new one is
 * there.
 */
export type RenameEvent =
  | { kind: 'table'; from: string; to: string; declared?: boolean }
  | { kind: 'column'; table: string; from: string; to: string; declared?: boolean };

/**
 * The renames in migrations written as SQL (function migrations are opaque: their renames are not seen).
 * @example
 * migrationRenames([{ id: '2', up: 'ALTER TABLE a RENAME TO b' }]); // [{ kind: 'table', from: 'a', to: 'b' }]
 */
export function migrationRenames(migrations: readonly Migration[]): RenameEvent[] {
  const events: RenameEvent[] = [];
  for (const migration of migrations) {
    if (typeof migration.up !== 'string') continue;
    for (const statement of splitStatements(migration.up)) {
      const event = renameIn(statement);
      if (event) events.push(event);
    }
  }
  return events;
}

function renameIn(statement: string): RenameEvent | null {
  const tokens = codeTokens(statement);
  if (!isWord(tokens[0], 'alter') || !isWord(tokens[1], 'table')) return null;
  let at = 2;
  if (tokens[at + 1]?.text === '.') at += 2;
  const table = tokens[at] ? identifierName(tokens[at]!) : '';
  if (!isWord(tokens[at + 1], 'rename')) return null;
  at += 2;
  if (isWord(tokens[at], 'to') && tokens[at + 1])
    return { kind: 'table', from: table, to: identifierName(tokens[at + 1]!) };
  if (isWord(tokens[at], 'column')) at++;
  if (tokens[at] && isWord(tokens[at + 1], 'to') && tokens[at + 2]) {
    return { kind: 'column', table, from: identifierName(tokens[at]!), to: identifierName(tokens[at + 2]!) };
  }
  return null;
}

/** Rename events from the `renames` option or the schema's hints, which apply after the migrations. */
export function declaredRenames(renames: Renames): RenameEvent[] {
  const events: RenameEvent[] = [];
  for (const [from, to] of Object.entries(renames.tables ?? {})) {
    events.push({ kind: 'table', from, to, declared: true });
  }
  for (const [key, to] of Object.entries(renames.columns ?? {})) {
    const dot = key.lastIndexOf('.');
    if (dot > 0)
      events.push({ kind: 'column', table: key.slice(0, dot), from: key.slice(dot + 1), to, declared: true });
  }
  return events;
}

/**
 * Follows each table and column of the database before through the rename events to the schema after.
 * @example
 * const mapping = keptMapping(inspectSchema(conn), migrationRenames(pending));
 */
export function keptMapping(after: Schema, events: readonly RenameEvent[]): KeptMapping {
  const afterTables = new Map(after.tables.map((t) => [foldName(t.name), t]));
  const has = (name: string) => afterTables.has(foldName(name));
  /** Every name the table has had, and the last one. */
  const follow = (name: string): { names: Set<string>; to: string } => {
    const names = new Set([foldName(name)]);
    let to = name;
    for (const e of events) {
      if (e.kind !== 'table' || foldName(e.from) !== foldName(to)) continue;
      if (e.declared && (has(e.from) || !has(e.to))) continue;
      to = e.to;
      names.add(foldName(to));
    }
    return { names, to };
  };
  return {
    table(name) {
      return afterTables.get(foldName(follow(name).to))?.name;
    },
    column(table, column) {
      const { names, to } = follow(table);
      const target = afterTables.get(foldName(to));
      if (!target) return undefined;
      const present = (c: string) =>
        target.kind === 'virtual' ||
        target.columns.some((x) => foldName(x.name) === foldName(c) && !x.generated);
      let current = column;
      for (const e of events) {
        if (e.kind !== 'column' || !names.has(foldName(e.table)) || foldName(e.from) !== foldName(current))
          continue;
        if (e.declared && (present(e.from) || !present(e.to))) continue;
        current = e.to;
      }
      if (!present(current)) return undefined;
      if (target.kind === 'virtual') return current;
      return target.columns.find((x) => foldName(x.name) === foldName(current))!.name;
    },
  };
}
