/**
 * Random schema pairs for property tests. A schema is a small model (tables, columns, keys, indexes,
 * views, triggers) whose objects carry stable ids, so that a table or column keeps its identity when
 * the desired schema renames it. Everything is drawn from a `Choices` stream in which 0 is always the
 * simplest option: when fast-check shrinks the stream, the schemas shrink with it.
 */

/** A stream of choices; past its end every choice is 0, the simplest. */
export class Choices {
  private at = 0;
  constructor(private readonly stream: readonly number[]) {}

  /** An integer in [0, n). */
  int(n: number): number {
    const value = this.stream[this.at++];
    return value === undefined ? 0 : value % n;
  }

  /** True with the given probability (in percent); false when the stream is exhausted. */
  chance(percent: number): boolean {
    return this.int(100) >= 100 - percent;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

export interface ColumnModel {
  id: number;
  name: string;
  type: string;
  notNull: boolean;
  /** A DEFAULT expression as SQL text. */
  default: string | null;
  unique: boolean;
  /** A CHECK expression with `$` standing for the column. */
  check: string | null;
  collate: string | null;
  references: { table: number; column: number | null; onDelete: string } | null;
}

export type PrimaryKey =
  | { kind: 'none' }
  | { kind: 'alias'; column: number; autoincrement: boolean }
  | { kind: 'key'; columns: number[] };

export interface TableModel {
  id: number;
  name: string;
  columns: ColumnModel[];
  primaryKey: PrimaryKey;
  strict: boolean;
  withoutRowid: boolean;
  /** Table-level UNIQUE (…) constraints, by column id. */
  uniques: number[][];
}

export interface IndexModel {
  name: string;
  table: number;
  columns: number[];
  unique: boolean;
  /** Index `lower(col)` instead of the first column itself. */
  expression: boolean;
  where: 'none' | 'not-null' | 'positive' | 'not-Draft' | 'not-draft';
  /** Written as `CREATE /* … *\/ UNIQUE INDEX IF NOT EXISTS`: the spelling must not hide UNIQUE. */
  verbose: boolean;
}

export interface ViewModel {
  name: string;
  table: number;
  columns: number[];
  /** The first column read `AS` this alias: its case is the name code reads. */
  alias: 'out' | 'Out' | null;
}

export interface TriggerModel {
  name: string;
  table: number;
  timing: 'BEFORE' | 'AFTER';
  event: 'INSERT' | 'UPDATE' | 'DELETE';
  column: number;
  when: boolean;
}

export interface SchemaModel {
  tables: TableModel[];
  indexes: IndexModel[];
  views: ViewModel[];
  triggers: TriggerModel[];
}

/** Ids and names that never repeat within one scenario. */
export class Names {
  private next = 0;
  id(): number {
    return this.next++;
  }
  /** Plain most of the time; now and then with a space, a quote, a keyword or non-ASCII. */
  name(ch: Choices, bases: readonly string[]): string {
    const base = ch.chance(20) ? ch.pick(bases.slice(1)) : bases[0]!;
    return `${base}${this.next++}`;
  }
}

export const TABLE_NAMES = ['t', 'order', 'my table', 'q"t', 'Tâble', 'select'] as const;
export const COLUMN_NAMES = ['c', 'group', 'a b', 'x"y', 'ñame', 'Key'] as const;
const TYPES = ['INTEGER', 'TEXT', 'REAL', 'BLOB', 'NUMERIC', '', 'INT', 'VARCHAR(20)'] as const;
const STRICT_TYPES = ['INTEGER', 'TEXT', 'REAL', 'BLOB', 'ANY', 'INT'] as const;
// Double-quoted text that names no column is a string literal to SQLite: its case is part of it.
export const CHECKS = [
  'length($) < 12',
  "$ IS NOT 'forbidden'",
  "typeof($) <> 'blob'",
  '$ >= -100',
  '$ IS NOT "Forbidden"',
  '$ IS NOT "forbidden"',
] as const;
const COLLATIONS = ['NOCASE', 'RTRIM', 'BINARY'] as const;
const ON_DELETE = ['', 'CASCADE', 'SET NULL', 'RESTRICT', 'NO ACTION'] as const;
/** Constant defaults: a kept column's NULLs may be filled with one, so the test can predict it. */
export const DEFAULTS = [
  '0',
  "'x'",
  '1.5',
  "X'00'",
  '-1',
  "''",
  '(1 + 1)',
  'NULL',
  '"Draft"',
  '"draft"',
  '"CURRENT_TIMESTAMP"',
] as const;

export function generateColumn(ch: Choices, names: Names): ColumnModel {
  return {
    id: names.id(),
    name: names.name(ch, COLUMN_NAMES),
    type: ch.pick(TYPES),
    notNull: ch.chance(25),
    default: ch.chance(30) ? ch.pick(DEFAULTS) : null,
    unique: ch.chance(15),
    check: ch.chance(10) ? ch.pick(CHECKS) : null,
    collate: ch.chance(10) ? ch.pick(COLLATIONS) : null,
    references: null,
  };
}

export function generateTable(ch: Choices, names: Names, earlier: readonly TableModel[]): TableModel {
  const columns = Array.from({ length: 1 + ch.int(4) }, () => generateColumn(ch, names));
  const table: TableModel = {
    id: names.id(),
    name: names.name(ch, TABLE_NAMES),
    columns,
    primaryKey: { kind: 'none' },
    strict: false,
    withoutRowid: false,
    uniques: [],
  };
  setPrimaryKey(ch, table);
  table.strict = ch.chance(15);
  table.withoutRowid = ch.chance(15);
  if (columns.length > 1 && ch.chance(10)) table.uniques.push([columns[0]!.id, columns[1]!.id]);
  for (const column of columns) {
    if (ch.chance(25)) column.references = generateReference(ch, [...earlier, table]);
  }
  return table;
}

export function setPrimaryKey(ch: Choices, table: TableModel): void {
  const columns = table.columns;
  switch (ch.int(4)) {
    case 0:
      table.primaryKey = { kind: 'none' };
      break;
    case 1:
      columns[0]!.type = 'INTEGER';
      table.primaryKey = { kind: 'alias', column: columns[0]!.id, autoincrement: ch.chance(30) };
      break;
    case 2:
      table.primaryKey = { kind: 'key', columns: [ch.pick(columns).id] };
      break;
    default:
      table.primaryKey = { kind: 'key', columns: columns.slice(0, 2).map((c) => c.id) };
  }
}

export function generateReference(ch: Choices, tables: readonly TableModel[]): ColumnModel['references'] {
  const parent = ch.pick(tables);
  const keys = parent.columns.filter((c) => isUniqueKey(parent, c.id));
  const column = ch.pick(keys.length ? keys : parent.columns);
  return { table: parent.id, column: column.id, onDelete: ch.pick(ON_DELETE) };
}

export const WHERE = ['none', 'none', 'not-null', 'positive', 'not-Draft', 'not-draft'] as const;

export function generateIndex(ch: Choices, names: Names, tables: readonly TableModel[]): IndexModel {
  const table = ch.pick(tables);
  const first = ch.pick(table.columns);
  const second = ch.chance(30) ? ch.pick(table.columns) : undefined;
  return {
    name: `i${names.id()}`,
    table: table.id,
    columns: second && second !== first ? [first.id, second.id] : [first.id],
    unique: ch.chance(30),
    expression: ch.chance(20),
    where: ch.pick(WHERE),
    verbose: ch.chance(30),
  };
}

export function generateView(ch: Choices, names: Names, tables: readonly TableModel[]): ViewModel {
  const table = ch.pick(tables);
  const columns = table.columns.filter(() => ch.chance(60)).map((c) => c.id);
  return { name: `v${names.id()}`, table: table.id, columns, alias: ch.pick([null, 'out', 'Out'] as const) };
}

export function generateTrigger(ch: Choices, names: Names, tables: readonly TableModel[]): TriggerModel {
  const table = ch.pick(tables);
  return {
    name: `tr${names.id()}`,
    table: table.id,
    timing: ch.pick(['AFTER', 'BEFORE'] as const),
    event: ch.pick(['INSERT', 'UPDATE', 'DELETE'] as const),
    column: ch.pick(table.columns).id,
    when: ch.chance(30),
  };
}

/** A whole schema: one to three tables, with indexes, views and triggers over them. */
export function generateSchema(ch: Choices, names: Names): SchemaModel {
  const tables: TableModel[] = [];
  const count = 1 + ch.int(3);
  for (let i = 0; i < count; i++) tables.push(generateTable(ch, names, tables));
  const schema: SchemaModel = {
    tables,
    indexes: Array.from({ length: ch.int(3) }, () => generateIndex(ch, names, tables)),
    views: ch.chance(30) ? [generateView(ch, names, tables)] : [],
    triggers: ch.chance(30) ? [generateTrigger(ch, names, tables)] : [],
  };
  return repair(schema);
}

/**
 * Makes a model valid SQLite: STRICT types, WITHOUT ROWID only with a primary key, AUTOINCREMENT only
 * on an INTEGER PRIMARY KEY, foreign keys only to a parent key that is unique, and no index, view or
 * trigger over a table or column that is gone.
 */
export function repair(schema: SchemaModel): SchemaModel {
  const tables = new Map(schema.tables.map((t) => [t.id, t]));
  const column = (table: number, id: number) => tables.get(table)?.columns.find((c) => c.id === id);
  for (const table of schema.tables) {
    const ids = new Set(table.columns.map((c) => c.id));
    if (table.strict) {
      for (const c of table.columns) {
        if (!(STRICT_TYPES as readonly string[]).includes(c.type)) c.type = strictType(c.type);
      }
    }
    const pk = table.primaryKey;
    if (pk.kind === 'alias') {
      const col = column(table.id, pk.column);
      if (!col) table.primaryKey = { kind: 'none' };
      else if (col.type !== 'INTEGER' || table.withoutRowid) {
        table.primaryKey = { kind: 'key', columns: [pk.column] };
      }
    } else if (pk.kind === 'key') {
      const kept = pk.columns.filter((id) => ids.has(id));
      table.primaryKey = kept.length ? { kind: 'key', columns: kept } : { kind: 'none' };
    }
    if (table.primaryKey.kind === 'none') table.withoutRowid = false;
    table.uniques = table.uniques.filter((u) => u.every((id) => ids.has(id)));
  }
  for (const table of schema.tables) {
    for (const c of table.columns) {
      const ref = c.references;
      if (!ref) continue;
      const parent = tables.get(ref.table);
      const target = ref.column === null ? undefined : column(ref.table, ref.column);
      if (!parent || !target || !isUniqueKey(parent, target.id)) c.references = null;
    }
  }
  const exists = (table: number, ids: number[]) =>
    tables.has(table) && ids.every((id) => column(table, id) !== undefined);
  schema.indexes = schema.indexes.filter((i) => exists(i.table, i.columns));
  schema.views = schema.views.filter((v) => exists(v.table, v.columns));
  schema.triggers = schema.triggers.filter((t) => exists(t.table, [t.column]));
  return schema;
}

function strictType(type: string): string {
  if (type.includes('CHAR')) return 'TEXT';
  return 'ANY';
}

/** A foreign key must point at a PRIMARY KEY or UNIQUE column, else SQLite reports a mismatch. */
function isUniqueKey(table: TableModel, id: number): boolean {
  const pk = table.primaryKey;
  if (pk.kind === 'alias' && pk.column === id) return true;
  if (pk.kind === 'key' && pk.columns.length === 1 && pk.columns[0] === id) return true;
  return table.columns.some((c) => c.id === id && c.unique);
}

export function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** How a rename reaches the planner: a comment in the schema, or the `renames` option. */
export type HintStyle = 'line-comment' | 'block-comment' | 'option';

export interface RenderOptions {
  /** Old names of renamed tables and columns (by id), and how each is hinted. */
  renamedFrom?: Map<number, { from: string; style: HintStyle }>;
}

/** The schema as CREATE statements. */
export function renderSchema(schema: SchemaModel, options: RenderOptions = {}): string {
  const tables = new Map(schema.tables.map((t) => [t.id, t]));
  const name = (table: number, column?: number) => {
    const t = tables.get(table)!;
    return column === undefined ? t.name : t.columns.find((c) => c.id === column)!.name;
  };
  const statements = schema.tables.map((t) => renderTable(t, tables, options));
  for (const index of schema.indexes) {
    const cols = index.columns.map((id, k) => {
      const col = quoteName(name(index.table, id));
      return k === 0 && index.expression ? `lower(${col})` : col;
    });
    const first = quoteName(name(index.table, index.columns[0]!));
    const where =
      index.where === 'not-null'
        ? ` WHERE ${first} IS NOT NULL`
        : index.where === 'positive'
          ? ` WHERE ${first} > 0`
          : index.where === 'none'
            ? ''
            : ` WHERE ${first} IS NOT "${index.where.slice(4)}"`;
    const head = index.verbose
      ? `CREATE /* index */ ${index.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS`
      : `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX`;
    statements.push(
      `${head} ${quoteName(index.name)} ON ${quoteName(name(index.table))} (${cols.join(', ')})${where};`,
    );
  }
  for (const view of schema.views) {
    const cols = view.columns.length
      ? view.columns
          .map(
            (id, k) =>
              `${quoteName(name(view.table, id))}${k === 0 && view.alias ? ` AS ${view.alias}` : ''}`,
          )
          .join(', ')
      : '1 AS one';
    statements.push(
      `CREATE VIEW ${quoteName(view.name)} AS SELECT ${cols} FROM ${quoteName(name(view.table))};`,
    );
  }
  for (const trigger of schema.triggers) {
    const row = trigger.event === 'DELETE' ? 'OLD' : 'NEW';
    const col = quoteName(name(trigger.table, trigger.column));
    const when = trigger.when ? ` WHEN ${row}.${col} IS NOT NULL` : '';
    statements.push(
      `CREATE TRIGGER ${quoteName(trigger.name)} ${trigger.timing} ${trigger.event} ON ${quoteName(name(trigger.table))}${when} BEGIN SELECT ${row}.${col} WHERE 0; END;`,
    );
  }
  return statements.join('\n');
}

function renderTable(table: TableModel, tables: Map<number, TableModel>, options: RenderOptions): string {
  const hint = (id: number) => options.renamedFrom?.get(id);
  const tableHint = hint(table.id);
  const head =
    tableHint?.style === 'block-comment'
      ? `CREATE TABLE ${quoteName(table.name)} /* @renamed from=${quoteName(tableHint.from)} */ (`
      : `CREATE TABLE ${quoteName(table.name)} (${tableHint?.style === 'line-comment' ? ` -- @renamed from=${quoteName(tableHint.from)}` : ''}`;
  const lines: { text: string; comment: string }[] = table.columns.map((c) => {
    const h = hint(c.id);
    const parts = [quoteName(c.name)];
    if (h?.style === 'block-comment') parts.push(`/* @renamed from=${quoteName(h.from)} */`);
    if (c.type) parts.push(c.type);
    const pk = table.primaryKey;
    if (pk.kind === 'alias' && pk.column === c.id)
      parts.push(pk.autoincrement ? 'PRIMARY KEY AUTOINCREMENT' : 'PRIMARY KEY');
    if (c.notNull) parts.push('NOT NULL');
    if (c.default !== null) parts.push(`DEFAULT ${c.default}`);
    if (c.unique) parts.push('UNIQUE');
    if (c.check) parts.push(`CHECK (${c.check.replaceAll('$', quoteName(c.name))})`);
    if (c.collate) parts.push(`COLLATE ${c.collate}`);
    if (c.references) {
      const parent = tables.get(c.references.table)!;
      const col = parent.columns.find((x) => x.id === c.references!.column)!;
      const onDelete = c.references.onDelete ? ` ON DELETE ${c.references.onDelete}` : '';
      parts.push(`REFERENCES ${quoteName(parent.name)} (${quoteName(col.name)})${onDelete}`);
    }
    return {
      text: parts.join(' '),
      comment: h?.style === 'line-comment' ? ` -- @renamed from=${quoteName(h.from)}` : '',
    };
  });
  const columnName = (id: number) => quoteName(table.columns.find((c) => c.id === id)!.name);
  if (table.primaryKey.kind === 'key') {
    lines.push({ text: `PRIMARY KEY (${table.primaryKey.columns.map(columnName).join(', ')})`, comment: '' });
  }
  for (const unique of table.uniques) {
    lines.push({ text: `UNIQUE (${unique.map(columnName).join(', ')})`, comment: '' });
  }
  const body = lines.map((l, i) => `  ${l.text}${i < lines.length - 1 ? ',' : ''}${l.comment}`).join('\n');
  const tableOptions = [table.strict ? 'STRICT' : '', table.withoutRowid ? 'WITHOUT ROWID' : '']
    .filter(Boolean)
    .join(', ');
  return `${head}\n${body}\n)${tableOptions ? ` ${tableOptions}` : ''};`;
}
