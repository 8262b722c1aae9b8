/**
 * The database of the startup benchmark, shared by its page and its worker: the table of the rebuild
 * benchmark (two indexes, a trigger, a child table under ON DELETE CASCADE) with a short text column
 * more, so that 1,000,000 rows make about 100 MB. Version 2 changes a collation and adds a CHECK, which
 * only a rebuild can do.
 */
export const BEFORE = `
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL, category TEXT, created_at INTEGER, note TEXT);
CREATE INDEX items_category ON items (category);
CREATE INDEX items_name ON items (name);
CREATE TABLE audit (item_id INTEGER, at INTEGER);
CREATE TRIGGER items_audit AFTER UPDATE ON items BEGIN INSERT INTO audit VALUES (NEW.id, NEW.created_at); END;
CREATE TABLE reviews (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE, stars INTEGER);
CREATE INDEX reviews_item ON reviews (item_id);`;

const AFTER_ITEMS = `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL CHECK (price >= 0), category TEXT COLLATE NOCASE, created_at INTEGER, note TEXT)`;
export const AFTER = BEFORE.replace(/CREATE TABLE items \([^;]*\)/, AFTER_ITEMS);

/** The procedure of sqlite.org/lang_altertable.html#otheralter, written by hand for this change. */
export const HAND_WRITTEN = [
  'PRAGMA foreign_keys = OFF',
  'BEGIN IMMEDIATE',
  AFTER_ITEMS.replace('CREATE TABLE items', 'CREATE TABLE new_items'),
  'INSERT INTO new_items (id, name, price, category, created_at, note) SELECT id, name, price, category, created_at, note FROM items',
  'DROP TABLE items',
  'PRAGMA legacy_alter_table = ON',
  'ALTER TABLE new_items RENAME TO items',
  'PRAGMA legacy_alter_table = OFF',
  'CREATE INDEX items_category ON items (category)',
  'CREATE INDEX items_name ON items (name)',
  'CREATE TRIGGER items_audit AFTER UPDATE ON items BEGIN INSERT INTO audit VALUES (NEW.id, NEW.created_at); END',
  'PRAGMA foreign_key_check',
  'COMMIT',
  'PRAGMA foreign_keys = ON',
];

/** The rows: `rows` items and a fifth as many reviews. */
export function seedStatements(rows: number): string[] {
  return [
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
     INSERT INTO items SELECT i, 'item ' || i, (i % 1000) / 10.0, 'cat' || (i % 50), 1700000000 + i,
       substr(hex(randomblob(16)), 1, 24) FROM n`,
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${Math.round(rows / 5)})
     INSERT INTO reviews SELECT i, (i * 7) % ${rows} + 1, i % 5 + 1 FROM n`,
  ];
}
