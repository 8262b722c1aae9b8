/**
 * The page behind test/browser/storage.test.ts: the real IndexedDB adapter driven from `window`
 * functions. Every function returns plain data; a MoltError comes back as `{ error: { code, details } }`.
 */
/// <reference types="vite/client" />
import { createStore, get, keys, set } from 'idb-keyval';
import wasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';
import { isMoltError } from '../../../src/engine/errors.ts';
import { loadSqlJs, openSqlJs, type SqlJsConnection } from '../../../src/sqlite/sql-js.ts';
import {
  createIndexedDbPort,
  createSnapshotStore,
  INDEXEDDB_STORE_NAME,
  indexedDbName,
  type SnapshotStore,
} from '../../../src/storage/index.ts';

let db: SqlJsConnection | undefined;
const stores = new Map<string, SnapshotStore>();

/** One long-lived store per name, as a worker keeps; `fresh` opens another, as after a restart. */
function store(name: string, fresh = false): SnapshotStore {
  if (fresh) return createSnapshotStore(createIndexedDbPort(name));
  let existing = stores.get(name);
  if (!existing) {
    existing = createSnapshotStore(createIndexedDbPort(name));
    stores.set(name, existing);
  }
  return existing;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function current(): SqlJsConnection {
  if (!db) throw new Error('no database: call makeDatabase first');
  return db;
}

const api = {
  /** A database of about `megabytes` MB: rows with an indexed title and an incompressible body. */
  async makeDatabase(megabytes: number) {
    db?.close();
    db = undefined;
    db = openSqlJs(await loadSqlJs({ wasmUrl }));
    // About 1,330 bytes of file per row: 1,000 random bytes, the other columns, the index entry, b-tree slack.
    const rows = Math.round((megabytes * 1024 * 1024) / 1330);
    db.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, title TEXT, counter INTEGER DEFAULT 0, body BLOB);
      CREATE INDEX items_title ON items(title);
      WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ${rows})
      INSERT INTO items (id, title, body) SELECT x, 'item ' || x, randomblob(1000) FROM n;`);
    const bytes = db.export();
    return { byteLength: bytes.length, rows, sha256: await sha256(bytes) };
  },
  changeOneRow(id: number) {
    current().exec('UPDATE items SET counter = counter + 1 WHERE id = ?', [id]);
  },
  async currentSha256() {
    return sha256(current().export());
  },
  async save(name: string, reason: 'save' | 'manual' = 'save') {
    const bytes = current().export();
    const saved = await store(name).saveSnapshot(bytes, { reason, appVersion: 'test' });
    return { ...saved, byteLength: bytes.length, sha256: await sha256(bytes) };
  },
  async snapshotHead(name: string) {
    return store(name).snapshotHead('pre-migrate');
  },
  /**
   * Loads the head, verified, through the page's long-lived store (as a worker does) or a new one (as
   * after a restart); reopens the database from it unless `reopen` is false.
   */
  async loadHead(name: string, options: { fresh?: boolean; reopen?: boolean } = {}) {
    const source = store(name, options.fresh);
    const head = await source.loadHead();
    if (options.fresh) await source.close();
    if (!head) return null;
    let rows: number | null = null;
    if (options.reopen !== false) {
      db?.close();
      db = openSqlJs(await loadSqlJs({ wasmUrl }), head.bytes);
      rows = Number(db.query('SELECT count(*) AS n FROM items')[0]?.n);
    }
    const { bytes, ...rest } = head;
    return { ...rest, sha256: await sha256(bytes), rows };
  },
  async restore(name: string, id: string) {
    const { bytes, ...rest } = await store(name).restoreSnapshot(id);
    return { ...rest, sha256: await sha256(bytes) };
  },
  list: (name: string) => store(name).listSnapshots(),
  verifySnapshot: (name: string, id: string) => store(name).verifySnapshot(id),
  verifyStore: (name: string) => store(name, true).verifyStore(),
  prune: (name: string, keepSaves: number) => store(name).prune({ keepSaves }),
  collectGarbage: (name: string) => store(name).collectGarbage(),
  usage: (name: string) => store(name).usage(),
  /** Flips one byte of a stored chunk, through a second connection to the same database. */
  async damageChunk(name: string, hash: string) {
    const raw = createStore(indexedDbName(name), INDEXEDDB_STORE_NAME);
    const bytes = (await get<Uint8Array>(`chunk/${hash}`, raw))!.slice();
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    await set(`chunk/${hash}`, bytes, raw);
  },
  /** The index and hash of the first chunk of snapshot `id` that snapshot `other` does not share. */
  async chunkOnlyIn(name: string, id: string, other: string) {
    const raw = createStore(indexedDbName(name), INDEXEDDB_STORE_NAME);
    const chunksOf = async (snapshot: string) => {
      const text = new TextDecoder().decode(await get<Uint8Array>(`manifest/${snapshot}`, raw));
      return JSON.parse(text.slice(0, text.lastIndexOf('\nsha256 '))).chunks as string[];
    };
    const theirs = new Set(await chunksOf(other));
    const mine = await chunksOf(id);
    const index = mine.findIndex((hash) => !theirs.has(hash));
    return { index, hash: mine[index] };
  },
  async keyCount(name: string) {
    return (await keys(createStore(indexedDbName(name), INDEXEDDB_STORE_NAME))).length;
  },
};

/** Wraps each function so that a MoltError arrives in Node as data (page.evaluate keeps only messages). */
for (const [key, fn] of Object.entries(api)) {
  (window as unknown as Record<string, unknown>)[key] = async (...args: unknown[]) => {
    try {
      return await (fn as (...a: unknown[]) => unknown)(...args);
    } catch (error) {
      if (isMoltError(error)) return { error: { code: error.code, details: error.details } };
      throw error;
    }
  };
}
(window as unknown as { ready: boolean }).ready = true;
