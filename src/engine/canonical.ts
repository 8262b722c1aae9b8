/**
 * The canonical form of a schema: what "the same schema" means. Names are compared the way SQLite
 * compares them (ASCII case-insensitive); definitions as canonical token text. Order of objects does
 * not matter; order of a table's columns does (it shows in `SELECT *` and `INSERT … VALUES`).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Schema, Table } from './schema.ts';
import { foldName } from './tokens.ts';

type Canonical = Record<string, unknown>;

/** A table in canonical form. */
export function canonicalTable(table: Table): Canonical {
  if (table.kind === 'virtual') return { name: foldName(table.name), kind: 'virtual', module: table.module };
  return {
    name: foldName(table.name),
    kind: 'table',
    // Column names keep their case: code reads rows as objects keyed by them.
    columns: table.columns.map((c) => [c.name, c.definition]),
    constraints: [...table.constraints].sort(),
    options: table.options,
  };
}

/** The whole schema in canonical form, objects sorted by name. */
export function canonicalSchema(schema: Schema): Canonical {
  const byName = <T extends { name: string }>(items: T[], map: (item: T) => unknown) =>
    [...items].sort((a, b) => compare(foldName(a.name), foldName(b.name))).map(map);
  return {
    tables: byName(schema.tables, canonicalTable),
    indexes: byName(schema.indexes, (i) => [foldName(i.name), i.definition]),
    views: byName(schema.views, (v) => [foldName(v.name), v.definition]),
    triggers: byName(schema.triggers, (t) => [foldName(t.name), t.definition]),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const canonicalTexts = new WeakMap<object, string>();

/** One object's canonical form as text, built once per object (inspected schemas share objects). */
function canonicalText(object: object, canonical: () => unknown): string {
  let text = canonicalTexts.get(object);
  if (text === undefined) {
    text = JSON.stringify(canonical());
    canonicalTexts.set(object, text);
  }
  return text;
}

/**
 * SHA-256 of the canonical schema: equal hashes mean equal schemas. Objects are sorted by kind and
 * name, so their order in the file does not count.
 * @example
 * hashSchema(inspectSchema(a)) === hashSchema(inspectSchema(b));
 */
export function hashSchema(schema: Schema): string {
  const entries = [
    ...schema.tables.map((t) => `table ${foldName(t.name)} ${canonicalText(t, () => canonicalTable(t))}`),
    ...schema.indexes.map((i) => `index ${foldName(i.name)} ${canonicalText(i, () => i.definition)}`),
    ...schema.views.map((v) => `view ${foldName(v.name)} ${canonicalText(v, () => v.definition)}`),
    ...schema.triggers.map((t) => `trigger ${foldName(t.name)} ${canonicalText(t, () => t.definition)}`),
  ];
  return sha256Hex(entries.sort().join('\n'));
}

/** Hex SHA-256 of a string (synchronous: the engine runs inside one SQLite transaction). */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** One difference between two schemas, for error reports. */
export interface SchemaDifference {
  kind: 'table' | 'index' | 'view' | 'trigger';
  name: string;
  actual: unknown;
  expected: unknown;
}

/**
 * Lists the objects whose canonical forms differ.
 * @example
 * diffCanonical(inspectSchema(conn), target).length === 0;
 */
export function diffCanonical(actual: Schema, expected: Schema): SchemaDifference[] {
  const a = canonicalSchema(actual);
  const e = canonicalSchema(expected);
  const differences: SchemaDifference[] = [];
  const groups = [
    ['tables', 'table'],
    ['indexes', 'index'],
    ['views', 'view'],
    ['triggers', 'trigger'],
  ] as const;
  for (const [group, kind] of groups) {
    const index = (items: unknown[]) =>
      new Map(
        items.map((item) => {
          const name = Array.isArray(item) ? String(item[0]) : String((item as Canonical).name);
          return [name, JSON.stringify(item)] as const;
        }),
      );
    const left = index(a[group] as unknown[]);
    const right = index(e[group] as unknown[]);
    for (const name of new Set([...left.keys(), ...right.keys()])) {
      const l = left.get(name);
      const r = right.get(name);
      if (l !== r) {
        differences.push({
          kind,
          name,
          actual: l === undefined ? null : JSON.parse(l),
          expected: r === undefined ? null : JSON.parse(r),
        });
      }
    }
  }
  return differences;
}
