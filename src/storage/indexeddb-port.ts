/**
 * The IndexedDB adapter, over an idb-keyval custom store (one object store in its own database). Keys:
 * `head`, `manifest/<id>`, `chunk/<sha-256>`.
 *
 * idb-keyval's `createStore` opens its transactions with the default durability, which browsers may treat
 * as "relaxed" (Chromium does): `complete` can fire before the data reaches the disk, so a power cut
 * could lose a commit the app was told about. Every write here therefore opens its own transaction with
 * `durability: 'strict'` on the connection idb-keyval opened (a browser without the option ignores it).
 * The head's compare-and-swap runs inside the transaction that writes it: IndexedDB serialises
 * overlapping readwrite transactions, so no other writer can slip between the check and the write.
 */
import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';
import { MoltError } from '../engine/errors.ts';
import type {
  ChunkEntry,
  CommitRequest,
  CommitResult,
  DeleteChunksResult,
  KvPort,
  StorageEstimate,
} from './kv-port.ts';
import { sameBytes } from './seal.ts';

/** The object store's name inside the database. */
export const INDEXEDDB_STORE_NAME = 'snapshots';
const HEAD = 'head';
const MANIFEST = 'manifest/';
const CHUNK = 'chunk/';

/**
 * The IndexedDB database name used for a molt database called `name`.
 * @example
 * indexedDbName('notes'); // 'molt-snapshots:notes'
 */
export function indexedDbName(name: string): string {
  return `molt-snapshots:${name}`;
}

/**
 * Creates the IndexedDB port for the database called `name`.
 * @example
 * const store = createSnapshotStore(createIndexedDbPort('notes'));
 */
export function createIndexedDbPort(name: string): KvPort {
  const opening = createStore(indexedDbName(name), INDEXEDDB_STORE_NAME);
  let opened = false;
  const useStore: UseStore = (mode, callback) => {
    opened = true;
    return opening(mode, callback);
  };
  const read = <T>(run: (store: IDBObjectStore) => Promise<T>) => guard(() => useStore('readonly', run));
  const write = <T>(run: (store: IDBObjectStore, tx: IDBTransaction) => T) =>
    guard(() => strictWrite(useStore, run));
  return {
    kind: 'indexeddb',
    readHead: () => read((s) => getBytes(s, HEAD)),
    readManifest: (id) => read((s) => getBytes(s, MANIFEST + id)),
    listManifestIds: () => read((s) => listKeys(s, MANIFEST)),
    deleteManifest: (id) => write((s) => s.delete(MANIFEST + id)).then(() => undefined),
    readChunks: (hashes) => read((s) => Promise.all(hashes.map((h) => getBytes(s, CHUNK + h)))),
    hasChunks: (hashes) =>
      read((s) =>
        hasKeys(
          s,
          hashes.map((h) => CHUNK + h),
        ),
      ),
    writeChunks: (chunks) => write((s) => putChunks(s, chunks)).then(() => undefined),
    listChunkHashes: () => read((s) => listKeys(s, CHUNK)),
    deleteChunks: (hashes, expectHead) => write((s, tx) => deleteIfHead(s, tx, hashes, expectHead)),
    commit: (request) => write((s, tx) => commitIfHead(s, tx, request)),
    estimate: browserEstimate,
    collectTemporaries: async () => 0,
    close: async () => {
      // idb-keyval keeps its connection open; closing it makes this port unusable, as documented.
      if (opened) (await useStore('readonly', (store) => store.transaction.db)).close();
    },
  };
}

/** Runs `run` in a readwrite transaction with strict durability; resolves when the transaction commits. */
async function strictWrite<T>(
  useStore: UseStore,
  run: (store: IDBObjectStore, tx: IDBTransaction) => T,
): Promise<Awaited<T>> {
  // Borrow idb-keyval's connection (it opens and upgrades the database) to open our own transaction.
  const db = await useStore('readonly', (store) => store.transaction.db);
  const tx = db.transaction(INDEXEDDB_STORE_NAME, 'readwrite', { durability: 'strict' });
  // Both settle on an abort; awaiting them together leaves no rejection unhandled.
  const [, value] = await Promise.all([promisifyRequest(tx), run(tx.objectStore(INDEXEDDB_STORE_NAME), tx)]);
  return value;
}

function getBytes(store: IDBObjectStore, key: string): Promise<Uint8Array | undefined> {
  return promisifyRequest(store.get(key)).then(toBytes);
}

async function listKeys(store: IDBObjectStore, prefix: string): Promise<string[]> {
  const keys = await promisifyRequest(store.getAllKeys(IDBKeyRange.bound(prefix, `${prefix}\uffff`)));
  return keys.map((key) => String(key).slice(prefix.length));
}

async function hasKeys(store: IDBObjectStore, keys: readonly string[]): Promise<boolean[]> {
  const counts = await Promise.all(keys.map((key) => promisifyRequest(store.count(key))));
  return counts.map((count) => count > 0);
}

function putChunks(store: IDBObjectStore, chunks: readonly ChunkEntry[]): void {
  // Structured cloning a view clones its whole buffer: copy each chunk into a buffer of its own.
  for (const { hash, bytes } of chunks) store.put(bytes.slice(), CHUNK + hash);
}

/**
 * Reads the head and the required chunks, then writes or not, all inside the one transaction. Writes are
 * issued from request callbacks (not after awaiting a promise) so the transaction is still active.
 */
function commitIfHead(
  store: IDBObjectStore,
  tx: IDBTransaction,
  request: CommitRequest,
): Promise<CommitResult> {
  return new Promise((resolve, reject) => {
    const headRequest = store.get(HEAD);
    const writing = new Set(request.chunks.map((chunk) => chunk.hash));
    const required = request.requireChunks.filter((hash) => !writing.has(hash));
    const counts = required.map((hash) => store.count(CHUNK + hash));
    const last = counts.at(-1) ?? headRequest;
    last.addEventListener('success', () => {
      const head = toBytes(headRequest.result);
      if (!sameBytes(head, request.expectHead)) return resolve({ kind: 'stale-head', head });
      const missing = required.filter((_, i) => (counts[i]?.result ?? 0) === 0);
      if (missing.length > 0) return resolve({ kind: 'missing-chunks', hashes: missing });
      putChunks(store, request.chunks);
      store.put(request.manifest.slice(), MANIFEST + request.manifestId);
      store.put(request.head.slice(), HEAD);
      resolve({ kind: 'committed' });
    });
    tx.addEventListener('abort', () => reject(tx.error));
  });
}

function deleteIfHead(
  store: IDBObjectStore,
  tx: IDBTransaction,
  hashes: readonly string[],
  expectHead: Uint8Array | undefined,
): Promise<DeleteChunksResult> {
  return new Promise((resolve, reject) => {
    const headRequest = store.get(HEAD);
    headRequest.addEventListener('success', () => {
      if (!sameBytes(toBytes(headRequest.result), expectHead)) return resolve({ kind: 'stale-head' });
      for (const hash of hashes) store.delete(CHUNK + hash);
      resolve({ kind: 'deleted' });
    });
    tx.addEventListener('abort', () => reject(tx.error));
  });
}

function toBytes(value: unknown): Uint8Array | undefined {
  if (value === undefined) return undefined;
  return value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBuffer);
}

/** Turns what IndexedDB throws into MoltError: `quota-exceeded` with usage and quota, else `storage-error`. */
async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof MoltError) throw error;
    const name = (error as { name?: unknown } | null)?.name;
    const message = error instanceof Error ? error.message : String(error);
    if (name === 'QuotaExceededError') {
      const estimate = await browserEstimate();
      throw new MoltError('quota-exceeded', 'The browser refused to store more data: the quota is full.', {
        usage: estimate?.usage ?? null,
        quota: estimate?.quota ?? null,
      });
    }
    throw new MoltError('storage-error', `IndexedDB failed: ${message}`, {
      name: typeof name === 'string' ? name : null,
    });
  }
}

async function browserEstimate(): Promise<StorageEstimate | undefined> {
  const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
  if (!storage?.estimate) return undefined;
  try {
    const { usage, quota } = await storage.estimate();
    return usage === undefined || quota === undefined ? undefined : { usage, quota };
  } catch {
    return undefined;
  }
}
