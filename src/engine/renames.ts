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
  /** Column renames done with ALTER TABLE … RENAME COLUMN. */
  columns: ColumnRename[];
  /** Column renames SQLite's ALTER refuses for their table: the rebuild's copy does them. */
  viaRebuild: ColumnRename[];
  /** Hints that named something that does not exist, for warnings. */
  unused: string[];
}

/**
 * Decides which renames apply between the current and the desired schema. A hint in the schema stays
 * there after it ran, so it applies only while its new name is still free; that makes running the same
 * schema twice a no-op. Swaps and chains (a→b while b→c) are accepted from the `renames` option only,
 * where they are one-off instructions. A column whose name changes only in case is renamed too: it is
 * the same column to SQLite, but not to code reading rows as objects.
 * @example
 * resolveRenames(current, desired, hints, { tables: { old: 'new' } });
 */
export function resolveRenames(
  current: Schema,
  desired: Schema,
  hints: Required<Renames>,
  option: Renames = {},
): ResolvedRenames {
  const unused: string[] = [];
  const tables = pick(
    [...entries(hints.tables, false), ...entries(option.tables ?? {}, true)],
    (r) => {
      const source = findTable(current, r.from);
      const target = findTable(desired, r.to);
      return source && target ? { from: source.name, to: target.name } : undefined;
    },
    (name) => findTable(current, name) !== undefined,
    (r, note) => unused.push(`table ${r.from} -> ${r.to}${note}`),
  );
  const columns: ColumnRename[] = [];
  const byTable = new Map<string, { from: string; to: string; explicit: boolean }[]>();
  for (const [key, to, explicit] of [
    ...entries(hints.columns, false),
    ...entries(option.columns ?? {}, true),
  ].map((e) => [e.from, e.to, e.explicit] as const)) {
    const dot = key.lastIndexOf('.');
    const tableName = key.slice(0, dot);
    const rename = tables.find((r) => foldName(r.from) === foldName(tableName));
    const target = findTable(desired, rename ? rename.to : tableName);
    if (!target) {
      unused.push(`column ${key} -> ${to}`);
      continue;
    }
    const list = byTable.get(foldName(target.name)) ?? [];
    list.push({ from: key.slice(dot + 1), to, explicit });
    byTable.set(foldName(target.name), list);
  }
  for (const target of desired.tables) {
    const source = sourceTable(current, target, tables);
    if (!source) continue;
    const column = (t: Table, name: string) => t.columns.find((c) => foldName(c.name) === foldName(name));
    const picked = pick(
      byTable.get(foldName(target.name)) ?? [],
      (r) => {
        const from = column(source, r.from);
        const to = column(target, r.to);
        return from && to ? { from: from.name, to: to.name } : undefined;
      },
      (name) => column(source, name) !== undefined,
      (r, note) => unused.push(`column ${target.name}.${r.from} -> ${r.to}${note}`),
    );
    const moved = new Set(picked.map((r) => foldName(r.from)));
    for (const c of source.columns) {
      const same = column(target, c.name);
      if (same && same.name !== c.name && !moved.has(foldName(c.name)))
        picked.push({ from: c.name, to: same.name });
    }
    columns.push(...picked.map((r) => ({ table: target.name, ...r })));
  }
  return { tables, columns, viaRebuild: [], unused };
}

interface Candidate {
  from: string;
  to: string;
  explicit: boolean;
}

function entries(map: Record<string, string>, explicit: boolean): Candidate[] {
  return Object.entries(map).map(([from, to]) => ({ from, to, explicit }));
}

/**
 * Keeps the renames that apply. `resolve` maps names to the real objects (undefined: one side is
 * missing); `taken` says whether a name exists now. A rename onto a taken name applies only when it is
 * explicit and that name is itself renamed away in the same set (a swap or a chain).
 */
function pick(
  candidates: Candidate[],
  resolve: (c: Candidate) => { from: string; to: string } | undefined,
  taken: (name: string) => boolean,
  unused: (c: Candidate, note: string) => void,
): { from: string; to: string }[] {
  const resolved = candidates.map((c) => ({ c, r: resolve(c) }));
  const leaving = new Set(resolved.filter((x) => x.r).map((x) => foldName(x.r!.from)));
  const out: { from: string; to: string }[] = [];
  for (const { c, r } of resolved) {
    const caseOnly = r !== undefined && foldName(r.from) === foldName(r.to);
    if (r && !caseOnly && (!taken(r.to) || (c.explicit && leaving.has(foldName(r.to))))) {
      if (!out.some((o) => foldName(o.from) === foldName(r.from))) out.push(r);
    } else if (!taken(c.to)) {
      unused(c, '');
    } else if (r && !caseOnly && leaving.has(foldName(r.to))) {
      // Hints stay in the schema after they ran, so a swap or chain written as hints would run again
      // on every start: those are taken from the renames option only.
      unused(c, ' (a swap or chain of names: pass it in the renames option)');
    }
  }
  return out;
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
