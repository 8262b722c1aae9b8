/**
 * The values `molt test` puts in a column: SQL literals chosen from the column's declared type (its
 * affinity, and hints such as BOOL or DATE in the type name), the literals its CHECK constraints
 * mention, and the awkward values real databases hold: NULLs, empty strings, non-ASCII text, the
 * largest integers, blobs, and text in an INTEGER column where the affinity lets SQLite keep it.
 */
import { pickIndex, type Random } from './random.ts';

export type Affinity = 'integer' | 'text' | 'blob' | 'real' | 'numeric' | 'any';

/**
 * SQLite's affinity rules (sqlite.org/datatype3.html#determination_of_column_affinity).
 * @example
 * affinityOf('VARCHAR(20)', false); // 'text'
 */
export function affinityOf(type: string, strict: boolean): Affinity {
  const t = type.toUpperCase();
  if (strict && t.trim() === 'ANY') return 'any';
  if (t.includes('INT')) return 'integer';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'text';
  if (t.includes('BLOB') || t.trim() === '') return 'blob';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'real';
  return 'numeric';
}

/** What the generator knows of one column. */
export interface ColumnFacts {
  name: string;
  type: string;
  affinity: Affinity;
  strict: boolean;
  notNull: boolean;
  /** Part of the primary key, of a UNIQUE constraint or of a unique index: values carry the row number. */
  distinct: boolean;
  /** The column is the table's INTEGER PRIMARY KEY (its rowid). */
  rowid: boolean;
  /** Literals the table's CHECK constraints compare this column with. */
  checkLiterals: string[];
  /** What the type's name says beyond its affinity (BOOL, DATE, DATETIME, JSON). */
  hint?: TypeHint;
}

export type TypeHint = 'bool' | 'date' | 'datetime' | 'json' | null;

/**
 * What a declared type's name suggests about its values.
 * @example
 * typeHint('DATETIME', 'numeric'); // 'datetime'
 */
export function typeHint(type: string, affinity: Affinity): TypeHint {
  const t = type.toUpperCase();
  if (t.includes('BOOL')) return 'bool';
  if (/DATE|TIME/.test(t) && affinity !== 'integer' && affinity !== 'real')
    return t.includes('TIME') ? 'datetime' : 'date';
  if (t.includes('JSON')) return 'json';
  return null;
}

const LONG_TEXT = `'${'long text '.repeat(60).trim()}'`;

// Each list is tried in order by the first rows of a table: the awkward values come first.
const EDGES: Record<Affinity, string[]> = {
  integer: [
    '0',
    '-1',
    '9223372036854775807',
    '-9223372036854775808',
    '9007199254740993',
    `'abc'`,
    '1.5',
    `''`,
  ],
  text: [`''`, `'ünïcödé ✓ 漢字 🚀'`, `'O''Brien'`, `'007'`, `' padded '`, LONG_TEXT, `'line one\nline two'`],
  real: ['0.0', '-0.5', '1e300', '3.0', '-2.5e-300', `'abc'`, '7'],
  numeric: ['0', '2.5', `'2024-01-02 03:04:05'`, `'12'`, `'abc'`, '9223372036854775807', `''`],
  blob: [`X''`, `X'00FF'`, `'text'`, '42', '1.25', `X'DEADBEEF'`],
  any: [`X'00'`, `'x'`, '9223372036854775807', '2.5', `'007'`, '-1'],
};

// STRICT tables refuse values of another type (sqlite.org/stricttables.html).
const STRICT_EDGES: Record<Affinity, string[]> = {
  integer: ['0', '-1', '9223372036854775807', '-9223372036854775808', '9007199254740993'],
  text: EDGES.text,
  real: ['0.0', '-0.5', '1e300', '3.0', '-2.5e-300'],
  numeric: EDGES.numeric,
  blob: [`X''`, `X'00FF'`, `X'DEADBEEF'`],
  any: EDGES.any,
};

const WORDS = ['alpha', 'bravo', 'café', 'delta', 'echo', 'Zürich', 'golf', 'hôtel', 'india', 'jazz', '東京'];

/**
 * The literal for row `row` of a column. Rows below the edge count take the column's awkward values
 * in turn; later rows take plain values of the column's kind. With `plain`, only plain values.
 * @example
 * valueFor(column, 0, random, false); // "''" for a TEXT column
 */
export function valueFor(column: ColumnFacts, row: number, random: Random, plain: boolean): string {
  if (column.rowid) return String(row === 2 && !plain ? 9007199254740993n : row + 1);
  const nullable = !column.notNull;
  const edges = edgesFor(column);
  if (!plain && row < edges.length + (nullable ? 1 : 0)) {
    if (nullable && row === 0) return 'NULL';
    // Each awkward value once, so that distinct columns stay distinct.
    return edges[row - (nullable ? 1 : 0)]!;
  }
  if (column.checkLiterals.length > 0 && random() < 0.85) {
    const literal = column.checkLiterals[pickIndex(random, column.checkLiterals.length)]!;
    if (!column.distinct) return literal;
  }
  if (nullable && !plain && random() < 0.12) return 'NULL';
  return plainValue(column, row, random);
}

function edgesFor(column: ColumnFacts): string[] {
  if (column.hint === 'bool') return ['0', '1'];
  return (column.strict ? STRICT_EDGES : EDGES)[column.affinity];
}

/** A plain value of the column's kind; distinct columns carry the row number. */
export function plainValue(column: ColumnFacts, row: number, random: Random): string {
  // Real columns repeat values (two notes with one title): a quarter of the values come from a few.
  const tag = column.distinct ? row : random() < 0.25 ? pickIndex(random, 8) : pickIndex(random, 1_000_000);
  switch (column.hint) {
    case 'bool':
      return String(column.distinct ? row : pickIndex(random, 2));
    case 'date':
    case 'datetime': {
      const day = new Date(
        Date.UTC(2020, 0, 1) + (tag % 20_000) * 86_400_000 + (tag % 86_400) * 1000,
      ).toISOString();
      return `'${column.hint === 'datetime' ? day.replace('T', ' ').slice(0, 19) : day.slice(0, 10)}'`;
    }
    case 'json':
      return `'{"n":${tag}}'`;
    default:
      break;
  }
  switch (column.affinity) {
    case 'integer':
      return String(column.distinct ? 100_000 + row : tag - 500_000);
    case 'real':
      return `${tag / 100 + 0.25}`;
    case 'numeric':
      return column.strict ? String(tag) : `${tag / 4}`;
    case 'text': {
      const word = WORDS[tag < 8 ? tag : pickIndex(random, WORDS.length)]!;
      return `'${word} ${tag}'`;
    }
    case 'blob':
    case 'any':
      return `X'${(column.distinct ? row : tag).toString(16).padStart(8, '0')}${random() < 0.5 ? 'A0' : ''}'`;
  }
}
