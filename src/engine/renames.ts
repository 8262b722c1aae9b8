/**
 * Renames are never guessed: they come from the `renames` option or from hints in the desired schema.
 * A hint that no longer applies (the rename already happened) is ignored, so running the same schema
 * twice is a no-op.
 */
import type { Renames } from './desired.ts';
import { findTable } from './inspect.ts';
import { quoteId } from './parse.ts';
import type { Schema, Table } from './schema.ts';
import type { Statement } from './simulate.ts';
import { foldName } from './tokens.ts';

export interface TableRename {
  from: string;
  to: string;
}

export interface ColumnRename {
  /** The table's name after any table rename. */
  table: string;
  from: string;
  to: string;
}

export interface ResolvedRenames {
  tables: TableRename[];
  columns: ColumnRename[];
  /** Hints that named something that does not exist, for warnings. */
  unused: string[];
}

/** Merges the caller's renames with the schema's hints (the caller wins). */
export function mergeRenames(hints: Required<Renames>, option: Renames = {}): Required<Renames> {
  return {
    tables: { ...hints.tables, ...option.tables },
    columns: { ...hints.columns, ...option.columns },
    indexes: { ...hints.indexes, ...option.indexes },
  };
}

/**
 * Decides which renames apply between the current and the desired schema.
 * @example
 * resolveRenames(current, desired, { tables: { old: 'new' }, columns: {}, indexes: {} });
 */
export function resolveRenames(
  current: Schema,
  desired: Schema,
  renames: Required<Renames>,
): ResolvedRenames {
  const tables: TableRename[] = [];
  const unused: string[] = [];
  for (const [from, to] of Object.entries(renames.tables)) {
    const source = findTable(current, from);
    const target = findTable(desired, to);
    if (source && target && !findTable(current, to) && !findTable(desired, from)) {
      tables.push({ from: source.name, to: target.name });
    } else if (!findTable(current, to)) {
      unused.push(`table ${from} -> ${to}`);
    }
  }
  const columns: ColumnRename[] = [];
  for (const [key, to] of Object.entries(renames.columns)) {
    const dot = key.lastIndexOf('.');
    const tableName = key.slice(0, dot);
    const from = key.slice(dot + 1);
    const rename = tables.find((r) => foldName(r.from) === foldName(tableName));
    const target = findTable(desired, rename ? rename.to : tableName);
    const source = target && sourceTable(current, target, tables);
    if (!source || !target) {
      unused.push(`column ${key} -> ${to}`);
      continue;
    }
    const has = (t: Table, name: string) => t.columns.some((c) => foldName(c.name) === foldName(name));
    if (has(source, from) && has(target, to) && !has(source, to) && !has(target, from)) {
      const real = source.columns.find((c) => foldName(c.name) === foldName(from))!;
      columns.push({
        table: target.name,
        from: real.name,
        to: target.columns.find((c) => foldName(c.name) === foldName(to))!.name,
      });
    } else if (!has(source, to)) {
      unused.push(`column ${key} -> ${to}`);
    }
  }
  return { tables, columns, unused };
}

/** The current table a desired table comes from, following table renames. */
export function sourceTable(
  current: Schema,
  desired: Table,
  renames: readonly TableRename[],
): Table | undefined {
  const rename = renames.find((r) => foldName(r.to) === foldName(desired.name));
  return findTable(current, rename ? rename.from : desired.name);
}

export interface RenameStep {
  kind: 'rename-table' | 'rename-column';
  object: string;
  table?: string;
  from: string;
  statements: Statement[];
}

/**
 * The ALTER TABLE statements that perform the renames. Swaps and chains go through temporary names
 * so that no rename ever lands on a name still in use.
 */
export function renameSteps(current: Schema, resolved: ResolvedRenames): RenameStep[] {
  const taken = new Set(current.tables.map((t) => foldName(t.name)));
  const tableMoves = twoPhase(resolved.tables, taken, (i) => `_molt_rename_${i}`);
  const steps: RenameStep[] = tableMoves.map((m) => ({
    kind: 'rename-table',
    object: m.to,
    from: m.from,
    statements: [{ sql: `ALTER TABLE ${quoteId(m.from)} RENAME TO ${quoteId(m.to)}` }],
  }));
  const byTable = new Map<string, ColumnRename[]>();
  for (const c of resolved.columns) {
    const key = foldName(c.table);
    byTable.set(key, [...(byTable.get(key) ?? []), c]);
  }
  for (const list of byTable.values()) {
    const table = list[0]!.table;
    const source = findTable(
      current,
      resolved.tables.find((r) => foldName(r.to) === foldName(table))?.from ?? table,
    );
    const names = new Set(source?.columns.map((c) => foldName(c.name)) ?? []);
    for (const m of twoPhase(list, names, (i) => `_molt_col_${i}`)) {
      steps.push({
        kind: 'rename-column',
        object: m.to,
        table,
        from: m.from,
        statements: [
          { sql: `ALTER TABLE ${quoteId(table)} RENAME COLUMN ${quoteId(m.from)} TO ${quoteId(m.to)}` },
        ],
      });
    }
  }
  return steps;
}

/** Orders renames so none lands on a name in use: directly when possible, else through temporaries. */
function twoPhase(
  renames: readonly { from: string; to: string }[],
  taken: Set<string>,
  temp: (i: number) => string,
) {
  if (!renames.some((r) => taken.has(foldName(r.to))))
    return renames.map((r) => ({ from: r.from, to: r.to }));
  const first = renames.map((r, i) => ({ from: r.from, to: temp(i) }));
  const second = renames.map((r, i) => ({ from: temp(i), to: r.to }));
  return [...first, ...second];
}
