/**
 * The apps the worker tests run: each is what an app's worker file would pass to `serve()`. The worker
 * file (worker-app.ts) picks one by name from its URL, so a page can start "version 1" or "version 2" of
 * an app against the same database. Function migrations live here, in the worker bundle, because
 * functions do not cross postMessage.
 */
import type { Migration } from '../../../src/engine/index.ts';
import type { ServeOptions } from '../../../src/worker/index.ts';

const NOTES_V1: Migration[] = [
  { id: '0001', up: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);' },
];
const NOTES_V2_SCHEMA = `CREATE TABLE notes (
  id INTEGER PRIMARY KEY,
  body TEXT NOT NULL,
  pinned INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notes_pinned ON notes (pinned);`;

/** `items` starts plain; version 2 rewrites every row (migration 0002) and rebuilds the table (COLLATE). */
const ITEMS_V1: Migration[] = [
  {
    id: '0001',
    up: `CREATE TABLE items (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, label TEXT NOT NULL, body BLOB);
CREATE INDEX items_label ON items (label);`,
  },
];
/** Set by worker-app.ts from `?stall=<ms>`; the migration's source, hence its checksum, stays the same. */
export const testHooks = { stallMs: 0 };

const ITEMS_V2: Migration[] = [
  ...ITEMS_V1,
  {
    id: '0002',
    // A function migration: it runs inside the startup transaction, like any migration. With a stall,
    // it tells the page once half the rows are updated, then keeps the transaction open that long.
    up: (tx) => {
      tx.exec(`UPDATE items SET n = n + 1000000, label = label || ' v2' WHERE id % 2 = 0`);
      if (testHooks.stallMs > 0) {
        (globalThis as unknown as { postMessage(m: unknown): void }).postMessage({ test: 'halfway' });
        const until = Date.now() + testHooks.stallMs;
        while (Date.now() < until) {
          // Busy on purpose: a migration cannot wait, it runs synchronously.
        }
      }
      tx.exec(`UPDATE items SET n = n + 1000000, label = label || ' v2' WHERE id % 2 = 1`);
    },
  },
];
const ITEMS_V2_SCHEMA = `CREATE TABLE items (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, label TEXT NOT NULL COLLATE NOCASE, body BLOB);
CREATE INDEX items_label ON items (label);`;

/** A parent with children under ON DELETE CASCADE; version 2 forces a rebuild of the parent. */
const FAMILY_V1 = `CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE child (
  id INTEGER PRIMARY KEY,
  parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE,
  note TEXT
);
CREATE INDEX child_parent ON child (parent_id);`;
const FAMILY_V2 = FAMILY_V1.replace(
  'name TEXT NOT NULL)',
  "name TEXT NOT NULL COLLATE NOCASE, kind TEXT NOT NULL DEFAULT 'plain' CHECK (kind <> ''))",
);

/** One big table for the responsiveness test; version 2 changes a collation, which needs a rebuild. */
const BIG_V1 = `CREATE TABLE big (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b TEXT NOT NULL);
CREATE INDEX big_a ON big (a);`;
const BIG_V2 = BIG_V1.replace('b TEXT NOT NULL', 'b TEXT NOT NULL COLLATE NOCASE');

export const APPS: Record<string, ServeOptions> = {
  'notes-v1': { migrations: NOTES_V1 },
  'notes-v2': { migrations: NOTES_V1, schema: NOTES_V2_SCHEMA },
  /** Not SQL: `schema-invalid`. */
  'notes-invalid': { migrations: NOTES_V1, schema: 'CREATE TABLEX notes (id);' },
  /** Drops `notes`, which holds rows: `blocked`. */
  'notes-drop': { migrations: NOTES_V1, schema: 'CREATE TABLE other (x INTEGER);' },
  /** Migration 0001 edited after it ran: `checksum-mismatch`. */
  'notes-edited': { migrations: [{ id: '0001', up: `${NOTES_V1[0]!.up}\n-- edited` }] },
  'items-v1': { migrations: ITEMS_V1 },
  'items-v2': { migrations: ITEMS_V2, schema: ITEMS_V2_SCHEMA },
  'family-v1': { schema: FAMILY_V1 },
  'family-v2': { schema: FAMILY_V2 },
  'big-v1': { schema: BIG_V1 },
  'big-v2': { schema: BIG_V2 },
};
