/**
 * The schema as plain data. Both sides of a migration (the live database and the desired SQL loaded
 * into a scratch database) are read into this shape the same way, then compared.
 */

/** A column as SQLite reports it (pragma table_xinfo) plus its definition from the CREATE text. */
export interface Column {
  name: string;
  /** Declared type as written, '' when none. */
  type: string;
  notNull: boolean;
  /** The DEFAULT expression as SQL text, or null. */
  default: string | null;
  /** 1-based position in the primary key; 0 when not part of it. */
  primaryKey: number;
  generated: 'virtual' | 'stored' | null;
  /** Everything after the name, canonicalised: the unit of comparison. */
  definition: string;
  /** The whole column definition as written (comments blanked), for ALTER TABLE … ADD COLUMN. */
  source: string;
  /** Set while planning when the column still has this name in the database (renamed by a rebuild). */
  storedAs?: string;
}

export interface ForeignKey {
  columns: string[];
  /** The parent table as written in the REFERENCES clause. */
  table: string;
  /** Parent columns; empty means the parent's primary key. */
  references: string[];
  onUpdate: string;
  onDelete: string;
}

export interface Table {
  name: string;
  kind: 'table' | 'virtual';
  /** The CREATE statement as stored in sqlite_schema. */
  sql: string;
  columns: Column[];
  /** Table constraints (PRIMARY KEY(…), UNIQUE(…), CHECK(…), FOREIGN KEY …), canonicalised. */
  constraints: string[];
  /** Table options after the closing parenthesis, canonicalised (STRICT, WITHOUT ROWID). */
  options: string;
  withoutRowid: boolean;
  strict: boolean;
  autoincrement: boolean;
  foreignKeys: ForeignKey[];
  /** Column sets that a PRIMARY KEY or UNIQUE constraint keeps unique. */
  uniques: string[][];
  /** For virtual tables: the canonical `USING module(args)` text. */
  module: string | null;
}

export interface Index {
  name: string;
  table: string;
  unique: boolean;
  sql: string;
  /** The statement after the index name, canonicalised, after `"unique"` for a unique index. */
  definition: string;
}

export interface View {
  name: string;
  sql: string;
  /** The result columns as SQLite names them (code reads rows keyed by them); null when SQLite cannot read the view. */
  columns: string[] | null;
  definition: string;
}

export interface Trigger {
  name: string;
  table: string;
  sql: string;
  definition: string;
}

/** A whole schema, in the order SQLite stores it. */
export interface Schema {
  tables: Table[];
  indexes: Index[];
  views: View[];
  triggers: Trigger[];
}

/** Tables molt keeps for itself (the ledger); never part of a user's schema. */
export const MOLT_TABLE_PREFIX = '_molt_';
