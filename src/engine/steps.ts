/**
 * Turns table changes into ordered steps. The order is what keeps every statement legal: dependents
 * (triggers, views, indexes) go first, then tables are dropped, renamed, created, altered and rebuilt,
 * and the dependents are created again from the desired schema at the end, after every row copy.
 */
import type { TableChange } from './diff.ts';
import { externalContent, rebuildIndexSql } from './fts.ts';
import { mentionsAny, quoteId } from './parse.ts';
import type { Step } from './plan-types.ts';
import { defaultExpression, rebuildStatements } from './rebuild.ts';
import { type ResolvedRenames, renameSteps } from './renames.ts';
import type { Index, Schema, Trigger, View } from './schema.ts';
import { foldName } from './tokens.ts';

/**
 * The steps for a set of table changes.
 * @example
 * assembleSteps(current, renamed, desired, renames, changes, kept).map((s) => s.kind);
 */
export function assembleSteps(
  current: Schema,
  renamed: Schema,
  desired: Schema,
  renames: ResolvedRenames,
  changes: TableChange[],
  kept: Index[],
): Step[] {
  const touched = touchedTables(changes, renames);
  const { views: dropViews, triggers: dropTriggers } = dependents(current, desired, touched);
  const replaced = new Set(
    changes
      .filter((c) => c.kind !== 'unchanged' && c.kind !== 'alter' && c.kind !== 'create')
      .map((c) => foldName(c.current.name)),
  );
  const keptNow = kept.filter((i) => !replaced.has(foldName(i.table)));
  const steps: Step[] = [];
  const safe = (step: Omit<Step, 'risk'>): Step => ({ ...step, risk: 'safe' });

  for (const t of dropTriggers) {
    steps.push(
      safe({
        kind: 'drop-trigger',
        object: t.name,
        table: t.table,
        reason: dropReason(t, desired.triggers),
        statements: [{ sql: `DROP TRIGGER ${quoteId(t.name)}` }],
      }),
    );
  }
  for (const v of dropViews) {
    steps.push(
      safe({
        kind: 'drop-view',
        object: v.name,
        reason: dropReason(v, desired.views),
        statements: [{ sql: `DROP VIEW ${quoteId(v.name)}` }],
      }),
    );
  }
  const keptNames = new Set(keptNow.map((i) => foldName(i.name)));
  for (const i of renamed.indexes) {
    if (keptNames.has(foldName(i.name)) || replaced.has(foldName(i.table))) continue;
    const why = desired.indexes.some((d) => foldName(d.name) === foldName(i.name))
      ? 'definition changes'
      : 'not in the desired schema';
    steps.push(
      safe({
        kind: 'drop-index',
        object: i.name,
        table: i.table,
        reason: why,
        statements: [{ sql: `DROP INDEX ${quoteId(i.name)}` }],
      }),
    );
  }
  for (const c of changes) {
    if (c.kind !== 'drop' && c.kind !== 'recreate-virtual') continue;
    const reason = c.kind === 'drop' ? 'not in the desired schema' : 'virtual table definition changes';
    steps.push(
      safe({
        kind: 'drop-table',
        object: c.current.name,
        reason,
        statements: [{ sql: `DROP TABLE ${quoteId(c.current.name)}` }],
      }),
    );
  }
  for (const r of renameSteps(current, renames)) {
    const reason = `renamed from ${r.from}`;
    steps.push(
      safe({
        kind: r.kind,
        object: r.object,
        from: r.from,
        ...(r.table ? { table: r.table } : {}),
        reason,
        statements: r.statements,
      }),
    );
  }
  for (const c of changes) {
    if (c.kind !== 'create' && c.kind !== 'recreate-virtual') continue;
    const reason = c.kind === 'create' ? 'new table' : 'virtual table definition changes';
    steps.push(
      safe({ kind: 'create-table', object: c.desired.name, reason, statements: [{ sql: c.desired.sql }] }),
    );
  }
  for (const c of changes) {
    if (c.kind === 'alter') steps.push(...alterSteps(c));
  }
  for (const c of changes) {
    if (c.kind !== 'rebuild') continue;
    steps.push({
      kind: 'rebuild-table',
      object: c.desired.name,
      table: c.desired.name,
      reason: c.reasons.join('; '),
      risk: 'rebuild',
      statements: rebuildStatements(c.current, c.desired),
    });
  }
  for (const i of desired.indexes) {
    if (keptNames.has(foldName(i.name))) continue;
    steps.push(
      safe({
        kind: 'create-index',
        object: i.name,
        table: i.table,
        reason: createReason(i, renamed.indexes, replaced.has(foldName(i.table)) ? i.table : undefined),
        statements: [{ sql: i.sql }],
      }),
    );
  }
  const droppedViewNames = new Set(dropViews.map((v) => foldName(v.name)));
  for (const v of desired.views) {
    const exists =
      current.views.some((x) => foldName(x.name) === foldName(v.name)) &&
      !droppedViewNames.has(foldName(v.name));
    if (!exists)
      steps.push(
        safe({
          kind: 'create-view',
          object: v.name,
          reason: createReason(v, current.views),
          statements: [{ sql: v.sql }],
        }),
      );
  }
  const droppedTriggerNames = new Set(dropTriggers.map((t) => foldName(t.name)));
  for (const t of desired.triggers) {
    const exists =
      current.triggers.some((x) => foldName(x.name) === foldName(t.name)) &&
      !droppedTriggerNames.has(foldName(t.name));
    if (!exists)
      steps.push(
        safe({
          kind: 'create-trigger',
          object: t.name,
          table: t.table,
          reason: createReason(t, current.triggers),
          statements: [{ sql: t.sql }],
        }),
      );
  }
  steps.push(...fullTextSteps(desired, changes));
  return steps;
}

/**
 * A full-text index over external content starts empty when its table is created, and may point at
 * old rowids when its content table is rebuilt: it is refilled from the content after every row copy.
 */
function fullTextSteps(desired: Schema, changes: TableChange[]): Step[] {
  const names = (kinds: TableChange['kind'][]) =>
    new Set(
      changes.flatMap((c) => (kinds.includes(c.kind) && 'desired' in c ? [foldName(c.desired.name)] : [])),
    );
  const created = names(['create', 'recreate-virtual']);
  const rebuilt = names(['rebuild']);
  const steps: Step[] = [];
  for (const table of desired.tables) {
    const content = externalContent(table);
    if (!content) continue;
    const fresh = created.has(foldName(table.name));
    if (!fresh && !rebuilt.has(foldName(content))) continue;
    steps.push({
      kind: 'rebuild-fts-index',
      object: table.name,
      table: table.name,
      reason: fresh ? `fill the new full-text index from ${content}` : `${content} was rebuilt`,
      risk: 'safe',
      statements: [{ sql: rebuildIndexSql(table) }],
    });
  }
  return steps;
}

function alterSteps(c: Extract<TableChange, { kind: 'alter' }>): Step[] {
  const table = quoteId(c.desired.name);
  const steps: Step[] = [];
  for (const col of c.dropped) {
    steps.push({
      kind: 'drop-column',
      object: col.name,
      table: c.desired.name,
      reason: 'not in the desired schema',
      risk: 'safe',
      statements: [{ sql: `ALTER TABLE ${table} DROP COLUMN ${quoteId(col.name)}` }],
    });
  }
  for (const col of c.notNull) {
    const name = quoteId(col.name);
    const statements = col.notNull
      ? [
          ...(defaultExpression(col) !== null
            ? [{ sql: `UPDATE ${table} SET ${name} = ${defaultExpression(col)} WHERE ${name} IS NULL` }]
            : []),
          { sql: `ALTER TABLE ${table} ALTER COLUMN ${name} SET NOT NULL` },
        ]
      : [{ sql: `ALTER TABLE ${table} ALTER COLUMN ${name} DROP NOT NULL` }];
    steps.push({
      kind: 'alter-column',
      object: col.name,
      table: c.desired.name,
      reason: col.notNull ? 'becomes NOT NULL' : 'no longer NOT NULL',
      risk: 'safe',
      statements,
    });
  }
  for (const col of c.added) {
    steps.push({
      kind: 'add-column',
      object: col.name,
      table: c.desired.name,
      reason: 'new column',
      risk: 'safe',
      statements: [{ sql: `ALTER TABLE ${table} ADD COLUMN ${col.source}` }],
    });
  }
  return steps;
}

/** Tables whose name, columns or storage change: their dependents must be dropped and recreated. */
function touchedTables(changes: TableChange[], renames: ResolvedRenames): Set<string> {
  const touched = new Set<string>();
  for (const c of changes) {
    if (c.kind === 'create' || c.kind === 'unchanged') continue;
    touched.add(foldName(c.current.name));
  }
  for (const r of renames.tables) {
    touched.add(foldName(r.from));
    touched.add(foldName(r.to));
  }
  for (const c of renames.columns) touched.add(foldName(c.table));
  for (const r of renames.tables) if (touched.has(foldName(r.to))) touched.add(foldName(r.from));
  return touched;
}

/**
 * The views and triggers to drop: those that change or go away, and those that mention a touched
 * table or a dropped view (transitively), since SQLite checks the whole schema on ALTER TABLE.
 */
function dependents(
  current: Schema,
  desired: Schema,
  touched: Set<string>,
): { views: View[]; triggers: Trigger[] } {
  const differs = <T extends { name: string; definition: string }>(o: T, wanted: T[]) =>
    wanted.find((w) => foldName(w.name) === foldName(o.name))?.definition !== o.definition;
  const mentioned = new Set(touched);
  const views: View[] = [];
  let grew = true;
  while (grew) {
    grew = false;
    for (const v of current.views) {
      if (views.includes(v)) continue;
      if (differs(v, desired.views) || mentionsAny(v.sql, mentioned)) {
        views.push(v);
        mentioned.add(foldName(v.name));
        grew = true;
      }
    }
  }
  const triggers = current.triggers.filter(
    (t) => differs(t, desired.triggers) || mentioned.has(foldName(t.table)) || mentionsAny(t.sql, mentioned),
  );
  return { views, triggers };
}

interface Defined {
  name: string;
  definition: string;
}

function sameName<T extends Defined>(object: Defined, others: T[]): T | undefined {
  return others.find((o) => foldName(o.name) === foldName(object.name));
}

/** Why a view or trigger is dropped: it goes away, it changes, or it is in the way of a table change. */
function dropReason(object: Defined, wanted: Defined[]): string {
  const next = sameName(object, wanted);
  if (!next) return 'not in the desired schema';
  return next.definition === object.definition ? 'recreated around table changes' : 'definition changes';
}

/**
 * Why an index, view or trigger is created: it is new, it changed, or it is the same one recreated
 * (after the rebuild of `rebuilt`, or around table changes).
 */
function createReason(object: Defined, existing: Defined[], rebuilt?: string): string {
  const before = sameName(object, existing);
  if (!before) return 'new';
  if (before.definition !== object.definition) return 'definition changes';
  return rebuilt ? `recreated after rebuilding ${rebuilt}` : 'recreated around table changes';
}
