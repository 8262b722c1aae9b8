/**
 * Per table, the cheapest correct form of change: nothing, ALTER TABLE (add, drop or re-NOT-NULL a
 * column), or a full rebuild. Legality of ALTER follows sqlite.org/lang_altertable.html and is decided
 * from facts about the column, never hoped for; the planner's simulation then confirms it.
 */

import { mentionsAny } from './parse.ts';
import type { Column, Index, Schema, Table } from './schema.ts';
import { canonicalSql, foldName } from './tokens.ts';

export type TableChange =
  | { kind: 'create'; desired: Table }
  | { kind: 'drop'; current: Table }
  | { kind: 'recreate-virtual'; current: Table; desired: Table }
  | { kind: 'unchanged'; current: Table; desired: Table }
  | { kind: 'alter'; current: Table; desired: Table; added: Column[]; dropped: Column[]; notNull: Column[] }
  | { kind: 'rebuild'; current: Table; desired: Table; reasons: string[] };

export interface DiffOptions {
  /** Tables to rebuild whatever the comparison says (the simulation found ALTER did not converge). */
  forceRebuild: ReadonlySet<string>;
  /** SQLite ≥ 3.53 can SET / DROP NOT NULL in place. */
  alterNotNull: boolean;
}

/**
 * Compares tables by name: `current` must already carry the renames (the planner simulates them).
 * @example
 * diffTables(renamedCurrent, desired, keptIndexes, { forceRebuild: new Set(), alterNotNull: true });
 */
export function diffTables(
  current: Schema,
  desired: Schema,
  keptIndexes: Index[],
  options: DiffOptions,
): TableChange[] {
  const changes: TableChange[] = [];
  const byName = new Map(current.tables.map((t) => [foldName(t.name), t]));
  for (const d of desired.tables) {
    const c = byName.get(foldName(d.name));
    byName.delete(foldName(d.name));
    if (!c) changes.push({ kind: 'create', desired: d });
    else if (c.kind === 'virtual' || d.kind === 'virtual') {
      const same = c.kind === d.kind && c.module === d.module;
      changes.push(
        same
          ? { kind: 'unchanged', current: c, desired: d }
          : { kind: 'recreate-virtual', current: c, desired: d },
      );
    } else changes.push(compareTable(c, d, current, keptIndexes, options));
  }
  for (const c of byName.values()) changes.push({ kind: 'drop', current: c });
  return changes;
}

function compareTable(c: Table, d: Table, current: Schema, kept: Index[], options: DiffOptions): TableChange {
  const rebuild = (reason: string): TableChange => ({
    kind: 'rebuild',
    current: c,
    desired: d,
    reasons: [reason],
  });
  if (options.forceRebuild.has(foldName(d.name)))
    return rebuild('ALTER TABLE cannot reach the target exactly');
  if (c.options !== d.options) return rebuild('table options change (STRICT / WITHOUT ROWID)');
  if (!sameList([...c.constraints].sort(), [...d.constraints].sort()))
    return rebuild('table constraints change');

  const dNames = new Map(d.columns.map((col, i) => [foldName(col.name), i]));
  const cNames = new Set(c.columns.map((col) => foldName(col.name)));
  const keptCols = c.columns.filter((col) => dNames.has(foldName(col.name)));
  const dropped = c.columns.filter((col) => !dNames.has(foldName(col.name)));
  const added = d.columns.filter((col) => !cNames.has(foldName(col.name)));
  const positions = keptCols.map((col) => dNames.get(foldName(col.name))!);
  if (positions.some((p, i) => i > 0 && p < positions[i - 1]!)) return rebuild('column order changes');
  const lastKept = positions.length ? positions[positions.length - 1]! : -1;
  if (added.some((col) => dNames.get(foldName(col.name))! < lastKept))
    return rebuild('a column is added before existing ones');

  const notNull: Column[] = [];
  for (const col of keptCols) {
    const target = d.columns[dNames.get(foldName(col.name))!]!;
    if (col.definition === target.definition) continue;
    if (options.alterNotNull && onlyNotNullDiffers(col, target)) notNull.push(target);
    else return rebuild(`column ${col.name} changes, which ALTER TABLE cannot do in place`);
  }
  for (const col of added) {
    const why = cannotAdd(col);
    if (why) return rebuild(`column ${col.name} ${why}`);
  }
  const remaining = c.columns.filter((col) => !dropped.includes(col));
  for (const col of dropped) {
    const why = cannotDrop(c, col, remaining, current, kept);
    if (why) return rebuild(`column ${col.name} ${why}`);
  }
  if (added.length === 0 && dropped.length === 0 && notNull.length === 0)
    return { kind: 'unchanged', current: c, desired: d };
  return { kind: 'alter', current: c, desired: d, added, dropped, notNull };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** True when the definitions differ only by a NOT NULL clause. */
function onlyNotNullDiffers(a: Column, b: Column): boolean {
  const strip = (def: string) =>
    def
      .replace(/"not" "null"/g, '')
      .replace(/\s+/g, ' ')
      .trim();
  return (
    a.notNull !== b.notNull &&
    strip(a.definition) === strip(b.definition) &&
    !/"on" "conflict"/.test(b.definition)
  );
}

const NON_CONSTANT_DEFAULT = /^(current_time|current_date|current_timestamp)$/i;

/** Why ALTER TABLE … ADD COLUMN cannot add this column (lang_altertable.html#altertabaddcol), or null. */
export function cannotAdd(col: Column): string | null {
  const def = ` ${col.definition} `;
  if (col.primaryKey > 0 || def.includes('"primary"')) return 'is part of the primary key';
  if (def.includes('"unique"')) return 'is UNIQUE';
  if (col.generated === 'stored') return 'is a STORED generated column';
  if (col.generated && col.notNull) return 'is a NOT NULL generated column';
  const dflt = col.default?.trim() ?? null;
  // SQLite reports `DEFAULT (expr)` without its parentheses, so look at the definition itself. It only
  // refuses such a default when the table has rows, which a schema-only rehearsal cannot see.
  if (def.includes('"default" (') || (dflt !== null && NON_CONSTANT_DEFAULT.test(dflt))) {
    return 'has a non-constant default';
  }
  if (col.notNull && (dflt === null || /^null$/i.test(dflt))) return 'is NOT NULL without a default';
  if (def.includes('"references"') && dflt !== null && !/^null$/i.test(dflt))
    return 'references a table and has a default';
  return null;
}

/** Why ALTER TABLE … DROP COLUMN cannot drop this column (lang_altertable.html#altertabdropcol), or null. */
function cannotDrop(
  table: Table,
  col: Column,
  remaining: Column[],
  current: Schema,
  kept: Index[],
): string | null {
  const name = new Set([foldName(col.name)]);
  if (col.primaryKey > 0) return 'is part of the primary key';
  if (table.uniques.some((u) => u.some((n) => foldName(n) === foldName(col.name)))) return 'is UNIQUE';
  if (` ${col.definition} `.includes('"references"')) return 'has a foreign key';
  if (table.constraints.some((c) => mentionsAny(c, name))) return 'is named in a table constraint';
  if (remaining.some((other) => mentionsAny(other.definition, name))) return 'is used by another column';
  const onTable = kept.filter((i) => foldName(i.table) === foldName(table.name));
  if (onTable.some((i) => mentionsAny(canonicalSql(i.sql), name))) return 'is indexed';
  const referenced = current.tables.some((t) =>
    t.foreignKeys.some(
      (fk) =>
        foldName(fk.table) === foldName(table.name) &&
        fk.references.some((r) => foldName(r) === foldName(col.name)),
    ),
  );
  if (referenced) return 'is referenced by a foreign key';
  return null;
}
