/**
 * Shared pieces of the storage tests: real SQLite files made with sql.js, the two adapters behind one
 * interface (fake-indexeddb and a temporary directory), raw access to what they store (to damage it),
 * and a port wrapper that fails or "stops the process" at a chosen write.
 */
import 'fake-indexeddb/auto';
import { type Dirent, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, del, get, keys, set } from 'idb-keyval';
import { MoltError } from '../../src/engine/errors.ts';
import { loadSqlJs, openSqlJs, type SqlJsConnection } from '../../src/sqlite/sql-js.ts';
import {
  createDiskPort,
  createIndexedDbPort,
  type DiskPortOptions,
  INDEXEDDB_STORE_NAME,
  indexedDbName,
  type KvPort,
} from '../../src/storage/index.ts';

/** A database with `rows` rows of ~120 bytes over two tables and an index. */
export async function makeDatabase(rows = 300, userVersion = 0): Promise<SqlJsConnection> {
  const conn = openSqlJs(await loadSqlJs());
  conn.exec(`
    CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT, stars INTEGER DEFAULT 0);
    CREATE INDEX notes_title ON notes(title);
    CREATE TABLE tags (note_id INTEGER REFERENCES notes(id), tag TEXT);
    PRAGMA user_version = ${userVersion};
  `);
  conn.exec('BEGIN');
  for (let i = 1; i <= rows; i++) {
    conn.exec('INSERT INTO notes (id, title, body) VALUES (?, ?, ?)', [
      i,
      `note ${i}`,
      `body ${i} `.repeat(10),
    ]);
    conn.exec('INSERT INTO tags VALUES (?, ?)', [i, `tag${i % 7}`]);
  }
  conn.exec('COMMIT');
  return conn;
}

/** The number of rows in `notes`, read back from database bytes. */
export async function countNotes(bytes: Uint8Array): Promise<number> {
  const conn = openSqlJs(await loadSqlJs(), bytes);
  try {
    return Number(conn.query('SELECT count(*) AS n FROM notes')[0]?.n);
  } finally {
    conn.close();
  }
}

/** One adapter under test: how to open it again, and raw access to its stored values. */
export interface AdapterUnderTest {
  /** Opens the port on the same storage (a "restart"). */
  open(options?: DiskPortOptions): KvPort;
  /** Every stored item, as an opaque name. */
  items(): Promise<string[]>;
  read(item: string): Promise<Uint8Array>;
  write(item: string, bytes: Uint8Array): Promise<void>;
  remove(item: string): Promise<void>;
  dispose(): Promise<void>;
}

let counter = 0;

/** A fresh IndexedDB store (fake-indexeddb), raw access through idb-keyval on the same database. */
export function indexedDbAdapter(): AdapterUnderTest {
  const name = `test-${process.pid}-${++counter}-${Math.random().toString(36).slice(2)}`;
  const raw = createStore(indexedDbName(name), INDEXEDDB_STORE_NAME);
  return {
    open: () => createIndexedDbPort(name),
    items: async () => (await keys(raw)).map(String),
    read: async (item) => new Uint8Array((await get<Uint8Array>(item, raw)) as Uint8Array),
    write: (item, bytes) => set(item, bytes.slice(), raw),
    remove: (item) => del(item, raw),
    dispose: async () => undefined,
  };
}

/** A fresh store directory; raw access through the files themselves. */
export function diskAdapter(): AdapterUnderTest {
  const root = mkdtempSync(join(tmpdir(), 'molt-storage-'));
  const dir = join(root, 'app.db.molt');
  return {
    open: (options) => createDiskPort(dir, fs, options),
    items: async () => listFiles(dir),
    read: async (item) => new Uint8Array(readFileSync(join(dir, item))),
    write: async (item, bytes) => writeFileSync(join(dir, item), bytes),
    remove: async (item) => rmSync(join(dir, item), { force: true }),
    dispose: async () => rmSync(root, { recursive: true, force: true }),
  };
}

function listFiles(dir: string, prefix = ''): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(join(dir, prefix), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(dir, path) : [path];
  });
}

/** Both adapters, for `describe.each`. */
export const ADAPTERS: { name: string; create: () => AdapterUnderTest }[] = [
  { name: 'indexeddb', create: indexedDbAdapter },
  { name: 'disk', create: diskAdapter },
];

/** The write operations of the port, in the order a save issues them. */
const WRITES = ['writeChunks', 'commit', 'deleteManifest', 'deleteChunks'] as const;

/** How a faulty port misbehaves at its chosen write. */
export type FaultMode = 'throw' | 'stop-before' | 'stop-after';

/**
 * Wraps a port so that its `at`-th write (1-based) throws, or the process "stops" there: that write
 * (`stop-before`) or everything after it (`stop-after`) never happens, and no call ever returns again.
 */
export function faultyPort(
  port: KvPort,
  at: number,
  mode: FaultMode,
): { port: KvPort; writes: () => number; fault: Promise<void> } {
  let writes = 0;
  let stopped = false;
  const never = new Promise<never>(() => undefined);
  let reached: () => void = () => undefined;
  const fault = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const wrapped = { ...port } as Record<string, unknown>;
  for (const [name, fn] of Object.entries(port)) {
    if (typeof fn !== 'function') continue;
    const isWrite = (WRITES as readonly string[]).includes(name);
    wrapped[name] = async (...args: unknown[]) => {
      if (stopped) return never;
      if (!isWrite || ++writes !== at) return fn.apply(port, args);
      if (mode === 'throw') {
        reached();
        throw new MoltError('storage-error', `injected failure at write ${at}`, {});
      }
      stopped = true;
      if (mode === 'stop-after') await fn.apply(port, args);
      reached();
      return never;
    };
  }
  return { port: wrapped as unknown as KvPort, writes: () => writes, fault };
}

/** A port that counts its writes, to learn how many fault points an operation has. */
export function countingPort(port: KvPort): { port: KvPort; writes: () => number; fault: Promise<void> } {
  return faultyPort(port, Number.POSITIVE_INFINITY, 'throw');
}

/** A deterministic pseudo-random generator (mulberry32), so a failing flip can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options that make small databases span many chunks and several write batches. */
export const SMALL_CHUNKS = { chunkSize: 4096, batchBytes: 16384 };
