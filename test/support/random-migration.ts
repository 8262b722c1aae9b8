/**
 * A random migration scenario: a current schema with rows, and a desired schema derived from it by
 * random edits (drops, renames with hints, type and constraint changes, new objects), now and then with
 * a statement SQLite rejects.
 */
import type { Renames } from '../../src/engine/index.ts';
import type { SqliteConnection } from '../../src/sqlite/index.ts';
import {
  CHECKS,
  type Choices,
  COLUMN_NAMES,
  DEFAULTS,
  generateColumn,
  generateIndex,
  generateReference,
  generateSchema,
  generateTable,
  generateTrigger,
  generateView,
  type HintStyle,
  Names,
  quoteName,
  renderSchema,
  repair,
  type SchemaModel,
  setPrimaryKey,
  TABLE_NAMES,
  type TableModel,
  WHERE,
} from './random-schema.ts';

export interface Scenario {
  current: SchemaModel;
  desired: SchemaModel;
  currentSql: string;
  desiredSql: string;
  /** Renames passed as the planner's option (the others are comments in `desiredSql`). */
  renames: Required<Renames>;
  /** The statement SQLite rejects, when the desired schema is invalid. */
  invalid: string | null;
  allowDataLoss: boolean;
}

const TYPES = ['INTEGER', 'TEXT', 'REAL', 'BLOB', 'NUMERIC', '', 'INT', 'ANY'] as const;
const STYLES: readonly HintStyle[] = ['option', 'line-comment', 'block-comment'];

/** Draws a whole scenario from the stream. */
export function generateScenario(ch: Choices): Scenario {
  const names = new Names();
  const current = generateSchema(ch, names);
  const desired = structuredClone(current);
  const hints = new Map<number, { from: string; style: HintStyle }>();
  const indexHints = new Map<string, { from: string; style: HintStyle }>();

  for (const table of [...desired.tables]) mutateTable(ch, names, desired, table, hints);
  if (ch.chance(20)) desired.tables.push(generateTable(ch, names, desired.tables));
  mutateDependents(ch, names, desired, indexHints);
  repair(desired);

  const renames: Required<Renames> = { tables: {}, columns: {}, indexes: {} };
  const commentHints = new Map<number, { from: string; style: HintStyle }>();
  for (const table of desired.tables) {
    const before = current.tables.find((t) => t.id === table.id);
    const tableHint = hints.get(table.id);
    if (tableHint?.style === 'option') renames.tables[tableHint.from] = table.name;
    else if (tableHint) commentHints.set(table.id, tableHint);
    for (const column of table.columns) {
      const hint = hints.get(column.id);
      if (!hint || !before) continue;
      // The option may name the table by its old or its new name.
      const owner = ch.chance(50) ? before.name : table.name;
      if (hint.style === 'option') renames.columns[`${owner}.${hint.from}`] = column.name;
      else commentHints.set(column.id, hint);
    }
  }
  for (const index of desired.indexes) {
    const hint = indexHints.get(index.name);
    if (hint?.style === 'option') renames.indexes[hint.from] = index.name;
  }
  const commentIndexHints = new Map([...indexHints].filter(([, h]) => h.style !== 'option'));

  let desiredSql = renderSchemaWithIndexHints(desired, commentHints, commentIndexHints);
  const invalid = ch.chance(7) ? invalidStatement(ch, desired) : null;
  if (invalid) desiredSql += `\n${invalid}`;
  return {
    current,
    desired,
    currentSql: renderSchema(current),
    desiredSql,
    renames,
    invalid,
    allowDataLoss: ch.chance(60),
  };
}

function mutateTable(
  ch: Choices,
  names: Names,
  schema: SchemaModel,
  table: TableModel,
  hints: Map<number, { from: string; style: HintStyle }>,
): void {
  const r = ch.int(100);
  if (r >= 92) {
    schema.tables.splice(schema.tables.indexOf(table), 1);
    return;
  }
  if (r >= 85) {
    hints.set(table.id, { from: table.name, style: ch.pick(STYLES) });
    table.name = names.name(ch, TABLE_NAMES);
  } else if (r >= 82) {
    // Renamed without a hint: to the planner (and to this model) a new table, the old one dropped.
    table.id = names.id();
    table.name = names.name(ch, TABLE_NAMES);
  }
  for (const column of [...table.columns]) {
    const k = ch.int(100);
    if (k >= 93) table.columns.splice(table.columns.indexOf(column), 1);
    else if (k >= 86) {
      hints.set(column.id, { from: column.name, style: ch.pick(STYLES) });
      column.name = names.name(ch, COLUMN_NAMES);
    } else if (k >= 79) column.type = ch.pick(TYPES);
    else if (k >= 72) column.notNull = !column.notNull;
    else if (k >= 65) column.default = ch.chance(50) ? ch.pick(DEFAULTS) : null;
    else if (k >= 60) column.unique = !column.unique;
    else if (k >= 55) column.check = column.check ? null : ch.pick(CHECKS);
    else if (k >= 51) column.collate = ch.pick([null, 'NOCASE', 'RTRIM']);
    else if (k >= 45) column.references = ch.chance(30) ? null : generateReference(ch, schema.tables);
  }
  if (table.columns.length === 0 || ch.chance(25)) {
    const column = generateColumn(ch, names);
    if (ch.chance(20)) column.default = 'CURRENT_TIMESTAMP';
    table.columns.splice(ch.chance(30) ? ch.int(table.columns.length + 1) : table.columns.length, 0, column);
  }
  if (table.columns.length > 1 && ch.chance(5)) table.columns.reverse();
  if (ch.chance(10)) table.strict = !table.strict;
  if (ch.chance(10)) table.withoutRowid = !table.withoutRowid;
  if (ch.chance(8)) setPrimaryKey(ch, table);
}

function mutateDependents(
  ch: Choices,
  names: Names,
  schema: SchemaModel,
  indexHints: Map<string, { from: string; style: HintStyle }>,
): void {
  for (const index of [...schema.indexes]) {
    const r = ch.int(100);
    if (r >= 88) schema.indexes.splice(schema.indexes.indexOf(index), 1);
    else if (r >= 80) {
      const from = index.name;
      index.name = `i${names.id()}`;
      indexHints.set(index.name, { from, style: ch.pick(STYLES) });
    } else if (r >= 70) {
      index.unique = ch.chance(50) ? !index.unique : index.unique;
      index.where = ch.pick(WHERE);
      index.verbose = ch.chance(50);
    }
  }
  for (const view of [...schema.views]) {
    const r = ch.int(100);
    if (r >= 85) schema.views.splice(schema.views.indexOf(view), 1);
    else if (r >= 70) view.columns = view.columns.slice(0, -1);
    else if (r >= 60) view.alias = ch.pick([null, 'out', 'Out'] as const);
  }
  for (const trigger of [...schema.triggers]) {
    const r = ch.int(100);
    if (r >= 85) schema.triggers.splice(schema.triggers.indexOf(trigger), 1);
    else if (r >= 70) trigger.when = !trigger.when;
  }
  const tables = schema.tables.filter((t) => t.columns.length > 0);
  if (tables.length === 0) return;
  if (ch.chance(30)) schema.indexes.push(generateIndex(ch, names, tables));
  if (ch.chance(15)) schema.views.push(generateView(ch, names, tables));
  if (ch.chance(15)) schema.triggers.push(generateTrigger(ch, names, tables));
}

function invalidStatement(ch: Choices, schema: SchemaModel): string {
  const table = schema.tables[0];
  switch (ch.int(6)) {
    case 0:
      return `CREATE INDEX "bad_index" ON ${quoteName(table?.name ?? 'missing')} ([no_such_column]);`;
    case 1:
      return 'CREATE TABLE "bad_table" (a INTEGER,, b);';
    case 2:
      return table ? `CREATE TABLE ${quoteName(table.name)} (x);` : 'CREATE TABLE (x);';
    case 3:
      return 'INSERT INTO "bad_table" VALUES (1);';
    case 4:
      return 'CREATE TABLE "bad_strict" (a) STRICT;';
    default:
      return 'CREATE TABLE "bad_auto" (a TEXT PRIMARY KEY AUTOINCREMENT);';
  }
}

/** Renders with rename comments on tables and columns (by id) and on indexes (by their new name). */
function renderSchemaWithIndexHints(
  schema: SchemaModel,
  hints: Map<number, { from: string; style: HintStyle }>,
  indexHints: Map<string, { from: string; style: HintStyle }>,
): string {
  let sql = renderSchema(schema, { renamedFrom: hints });
  for (const [name, hint] of indexHints) {
    const head = `INDEX ${quoteName(name)} ON`;
    const comment =
      hint.style === 'block-comment'
        ? `INDEX ${quoteName(name)} /* @renamed from=${quoteName(hint.from)} */ ON`
        : head;
    sql = sql.replace(head, comment);
    if (hint.style === 'line-comment') {
      const at = sql.indexOf(comment);
      const end = sql.indexOf(';', at);
      sql = `${sql.slice(0, end + 1)} -- @renamed from=${quoteName(hint.from)}${sql.slice(end + 1)}`;
    }
  }
  return sql;
}

// Values by storage class, as SQL literals: duplicates, NULL-like text, numeric-looking text, the
// largest integers, negative zero, empty strings and blobs.
const POOLS = {
  integer: ['0', '1', '-1', '7', '42', '9007199254740993', '-9223372036854775808', '9223372036854775807'],
  real: ['0.5', '-0.0', '1e308', '3.0', '-2.25', '0.1'],
  text: [
    "''",
    "'a'",
    "'A'",
    "'007'",
    "'1e3'",
    "' 12 '",
    "'O''Brien'",
    "'ünï'",
    "'NULL'",
    "'forbidden'",
    "'Forbidden'",
    "'Draft'",
  ],
  blob: ["X''", "X'00'", "X'DEADBEEF'", "X'41'"],
};
const ANY = [...POOLS.integer, ...POOLS.real, ...POOLS.text, ...POOLS.blob];

function poolFor(type: string): readonly string[] {
  const t = type.toUpperCase();
  if (t.includes('INT')) return POOLS.integer;
  if (t.includes('CHAR') || t.includes('TEXT')) return POOLS.text;
  if (t.includes('REAL')) return POOLS.real;
  if (t.includes('BLOB')) return POOLS.blob;
  return ANY;
}

/**
 * Inserts up to eight random rows per table, parents first; a row SQLite rejects (a duplicate key, a
 * CHECK, a missing parent, a STRICT type) is left out, so the database is always valid.
 */
export function insertRandomRows(ch: Choices, conn: SqliteConnection, schema: SchemaModel): void {
  for (const table of schema.tables) {
    const count = ch.int(9);
    for (let i = 0; i < count; i++) {
      const values = table.columns.map((column) => {
        const ref = column.references;
        if (ref && ch.chance(70)) {
          const parent = schema.tables.find((t) => t.id === ref.table)!;
          const key = parent.columns.find((c) => c.id === ref.column)!;
          const keys = conn.query(`SELECT quote(${quoteName(key.name)}) AS v FROM ${quoteName(parent.name)}`);
          if (keys.length > 0) return String(ch.pick(keys).v);
        }
        const r = ch.int(100);
        if (r < 15) return 'NULL';
        return r < 70 ? ch.pick(poolFor(column.type)) : ch.pick(ANY);
      });
      const columns = table.columns.map((c) => quoteName(c.name)).join(', ');
      try {
        conn.exec(`INSERT INTO ${quoteName(table.name)} (${columns}) VALUES (${values.join(', ')})`);
      } catch {
        // Rejected by a constraint: this row is not part of the scenario.
      }
    }
  }
}
