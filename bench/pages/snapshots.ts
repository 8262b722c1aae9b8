/**
 * The page bench/snapshots.ts drives: builds a database with sql.js and times the snapshot store on the
 * real IndexedDB against the naive way apps persist sql.js (export + one put). Times are taken here,
 * with performance.now(), so nothing of the remote-control channel is counted.
 */
/// <reference types="vite/client" />
import wasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';
import { loadSqlJs, openSqlJs, type SqlJsConnection } from '../../src/sqlite/sql-js.ts';
import {
  createIndexedDbPort,
  createSnapshotStore,
  indexedDbName,
  type SnapshotStore,
} from '../../src/storage/index.ts';

let db: SqlJsConnection | undefined;
let rows = 0;
const stores = new Map<string, SnapshotStore>();

function conn(): SqlJsConnection {
  if (!db) throw new Error('call makeDatabase first');
  return db;
}

/** The long-lived store of a name, as a worker keeps one. */
function store(name: string, chunkSize?: number): SnapshotStore {
  let existing = stores.get(name);
  if (!existing) {
    existing = createSnapshotStore(createIndexedDbPort(name), chunkSize ? { chunkSize } : {});
    stores.set(name, existing);
  }
  return existing;
}

function request<T>(req: IDBRequest<T> | IDBOpenDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result as T);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = tx.onerror = () => reject(tx.error);
  });
}

async function openNaive(): Promise<IDBDatabase> {
  const open = indexedDB.open('naive-bench');
  open.onupgradeneeded = () => open.result.createObjectStore('files');
  return request(open);
}

const api = {
  async makeDatabase(megabytes: number) {
    db?.close();
    db = openSqlJs(await loadSqlJs({ wasmUrl }));
    // About 1,330 bytes of file per row: 1,000 random bytes, the other columns, the index entry, b-tree slack.
    rows = Math.round((megabytes * 1024 * 1024) / 1330);
    db.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, title TEXT, counter INTEGER DEFAULT 0, body BLOB);
      CREATE INDEX items_title ON items(title);
      WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ${rows})
      INSERT INTO items (id, title, body) SELECT x, 'item ' || x, randomblob(1000) FROM n;`);
    return { byteLength: db.export().length, rows };
  },
  exportOnly() {
    const started = performance.now();
    const bytes = conn().export();
    return { ms: performance.now() - started, byteLength: bytes.length };
  },
  /** What most apps do: export, then put the whole file under one key, durably. */
  async naiveSave() {
    const started = performance.now();
    const bytes = conn().export();
    const exported = performance.now();
    const idb = await openNaive();
    const tx = idb.transaction('files', 'readwrite', { durability: 'strict' });
    tx.objectStore('files').put(bytes, 'db');
    await done(tx);
    idb.close();
    return { ms: performance.now() - started, exportMs: exported - started };
  },
  async naiveLoad() {
    const started = performance.now();
    const idb = await openNaive();
    const bytes = await request(idb.transaction('files').objectStore('files').get('db'));
    idb.close();
    return { ms: performance.now() - started, byteLength: (bytes as Uint8Array).length };
  },
  /** The first save into an empty store: every chunk is hashed and written. */
  async fullSave(name: string, chunkSize?: number) {
    const started = performance.now();
    const bytes = conn().export();
    const exported = performance.now();
    const saved = await store(name, chunkSize).saveSnapshot(bytes);
    const ms = performance.now() - started;
    return {
      ms,
      exportMs: exported - started,
      bytesWritten: saved.bytesWritten,
      chunks: saved.snapshot.chunkCount,
      id: saved.snapshot.id,
    };
  },
  /** Changes one row, then saves (export included: it is the input of every save). */
  async oneRowSave(name: string) {
    conn().exec('UPDATE items SET counter = counter + 1 WHERE id = ?', [
      1 + Math.floor(Math.random() * rows),
    ]);
    const started = performance.now();
    const bytes = conn().export();
    const exported = performance.now();
    const saved = await store(name).saveSnapshot(bytes);
    const ms = performance.now() - started;
    return {
      ms,
      exportMs: exported - started,
      storeMs: ms - (exported - started),
      bytesWritten: saved.bytesWritten,
      chunksWritten: saved.chunksWritten,
      byteLength: bytes.length,
      id: saved.snapshot.id,
    };
  },
  /** A verified load through a new store, as a worker does at startup. */
  async verifiedLoad(name: string) {
    const fresh = createSnapshotStore(createIndexedDbPort(name));
    const started = performance.now();
    const head = await fresh.loadHead();
    const ms = performance.now() - started;
    await fresh.close();
    return { ms, byteLength: head?.bytes.length ?? 0, skipped: head?.skipped.length ?? -1 };
  },
  async restore(name: string, id: string) {
    const started = performance.now();
    const restored = await store(name).restoreSnapshot(id);
    return { ms: performance.now() - started, byteLength: restored.bytes.length };
  },
  async preMigrate(name: string) {
    const started = performance.now();
    const result = await store(name).snapshotHead('pre-migrate');
    return { ms: performance.now() - started, bytesWritten: result.bytesWritten };
  },
  async drop(name: string) {
    await stores.get(name)?.close();
    stores.delete(name);
    await request(indexedDB.deleteDatabase(indexedDbName(name)));
  },
  async dropNaive() {
    await request(indexedDB.deleteDatabase('naive-bench'));
  },
};

Object.assign(window, api, { ready: true });
