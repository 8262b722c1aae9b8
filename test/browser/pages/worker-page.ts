/**
 * The page behind the worker tests: it starts app workers (worker-app.ts), opens databases with the
 * real client, and exposes `window` functions that return plain data. A failure comes back as
 * `{ ok: false, code }` with the MoltError's code, since page.evaluate keeps only an Error's message.
 */
/// <reference types="vite/client" />
import { createStore, get, keys, set } from 'idb-keyval';
import wasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';
import {
  type Database,
  isMoltError,
  openDatabase,
  type ProgressEvent,
  type SchemaChangedMessage,
  type StartupReport,
} from '../../../src/client/index.ts';
import { loadSqlJs, openSqlJs } from '../../../src/sqlite/sql-js.ts';
import {
  createIndexedDbPort,
  createSnapshotStore,
  INDEXEDDB_STORE_NAME,
  indexedDbName,
} from '../../../src/storage/index.ts';

/** A failure keeps its message too, for the test output; tests assert only the code. */
type Result<T = unknown> =
  | { ok: true; value: T }
  | { ok: false; code: string; message: string; details?: unknown };

export interface OpenOptions {
  name: string;
  /** A key of APPS in worker-apps.ts. */
  app: string;
  /** Stop the worker's startup for good at the beginning of this phase. */
  hold?: string;
  /** Make migration 0002 of the items app post `halfway` and hold its transaction open this long. */
  stallMs?: number;
  lockTimeoutMs?: number;
  durability?: 'commit' | 'relaxed' | 'manual';
  relaxedDelayMs?: number;
}

/**
 * When to terminate a worker: `delayMs` after the first progress event of `phase`, or after the
 * worker's `halfway` message (see `stallMs`).
 */
export interface KillTrigger {
  phase: ProgressEvent['phase'] | 'halfway';
  delayMs: number;
  /**
   * From this phase's progress event until the worker is gone, keep a read transaction open on the
   * database's store: the worker's reads go through, its writes wait, so it dies with its save in flight.
   */
  holdWritesFrom?: ProgressEvent['phase'];
}

interface Handle {
  worker: Worker;
  db: Database;
  /** `ready`, or a `worker-error` failure when the worker script fails to load or throws. */
  ready: Promise<Result<StartupReport>>;
  /** The phases of the progress events (and `halfway`), in arrival order. */
  progress: string[];
  /** `schema-changed` messages received from other tabs' workers. */
  changes: SchemaChangedMessage[];
  /** `persisted` and `persist-failed` events, in arrival order. */
  persists: { kind: 'persisted' | 'persist-failed'; writes: number; code?: string; bytesWritten?: number }[];
}

const handles = new Map<string, Handle>();
const loops = new Map<string, { acknowledged: number }>();
const heldLocks = new Map<string, () => void>();

async function settle<T>(promise: Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    if (isMoltError(error))
      return { ok: false, code: error.code, message: error.message, details: error.details };
    return { ok: false, code: 'not-a-molt-error', message: String(error) };
  }
}

function handle(key: string): Handle {
  const found = handles.get(key);
  if (!found) throw new Error(`no database opened as ${key}`);
  return found;
}

function start(key: string, options: OpenOptions, onProgress?: (event: string) => void): Handle {
  if (handles.has(key)) throw new Error(`${key} is already open`);
  const url = new URL('./worker-app.ts', import.meta.url);
  url.searchParams.set('app', options.app);
  if (options.hold) url.searchParams.set('hold', options.hold);
  if (options.stallMs) url.searchParams.set('stall', String(options.stallMs));
  const worker = new Worker(url, { type: 'module' });
  const progress: string[] = [];
  // Comlink ignores messages without its ids; this one comes from the stalled migration.
  worker.addEventListener('message', (event: MessageEvent<{ test?: string }>) => {
    if (event.data?.test !== 'halfway') return;
    progress.push('halfway');
    onProgress?.('halfway');
  });
  const db = openDatabase({
    name: options.name,
    worker,
    ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
    ...(options.durability === undefined ? {} : { durability: options.durability }),
    ...(options.relaxedDelayMs === undefined ? {} : { relaxedDelayMs: options.relaxedDelayMs }),
    onProgress: (event) => {
      progress.push(event.phase);
      onProgress?.(event.phase);
    },
  });
  // A worker that fails to load never answers, and `ready` would never settle: fail instead.
  const failed = new Promise<Result<StartupReport>>((resolve) =>
    worker.addEventListener('error', (event) =>
      resolve({ ok: false, code: 'worker-error', message: event.message || 'the worker failed to load' }),
    ),
  );
  const ready = Promise.race([settle(db.ready), failed]);
  const changes: SchemaChangedMessage[] = [];
  db.on('schema-changed', (message) => changes.push(message));
  const persists: Handle['persists'] = [];
  db.on('persisted', (e) =>
    persists.push({ kind: 'persisted', writes: e.writes, bytesWritten: e.bytesWritten }),
  );
  db.on('persist-failed', (e) =>
    persists.push({ kind: 'persist-failed', writes: e.writes, code: e.error.code }),
  );
  const created = { worker, db, ready, progress, changes, persists };
  handles.set(key, created);
  return created;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Keeps a readonly transaction alive on the store of `name` (a chain of reads) until released. Other
 * connections' reads run alongside it; their readwrite transactions wait until it finishes
 * (w3c.github.io/IndexedDB, transaction scheduling).
 */
async function holdWrites(name: string): Promise<{ release(): Promise<void> }> {
  const request = indexedDB.open(indexedDbName(name));
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const tx = db.transaction(INDEXEDDB_STORE_NAME, 'readonly');
  const store = tx.objectStore(INDEXEDDB_STORE_NAME);
  let holding = true;
  const spin = () => {
    if (holding) store.get('head').onsuccess = spin;
  };
  spin();
  const finished = new Promise<void>((resolve) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => resolve();
  });
  return {
    async release() {
      holding = false;
      await finished;
      db.close();
    },
  };
}

const api = {
  /** Starts the app's worker and opens the database; read the outcome with `whenReady`. */
  open(key: string, options: OpenOptions) {
    start(key, options);
  },
  whenReady: (key: string) => handle(key).ready,
  /** `open` then `whenReady`. */
  openReady(key: string, options: OpenOptions) {
    return start(key, options).ready;
  },
  /** Calls a method of the Database, e.g. `query` or `snapshots.verify`. */
  call(key: string, method: string, ...args: unknown[]) {
    let target: unknown = handle(key).db;
    let owner: unknown;
    for (const part of method.split('.')) {
      owner = target;
      target = (target as Record<string, unknown>)[part];
    }
    if (typeof target !== 'function') throw new Error(`Database has no method ${method}`);
    return settle(Promise.resolve((target as (...a: unknown[]) => unknown).apply(owner, args)));
  },
  /** Verifies every snapshot the database lists. */
  async verifyAll(key: string) {
    const { db } = handle(key);
    const list = await db.snapshots.list();
    return Promise.all(
      list.map(async (s) => ({ id: s.id, reason: s.reason, kind: (await db.snapshots.verify(s.id)).kind })),
    );
  },
  progress: (key: string) => handle(key).progress,
  changes: (key: string) => handle(key).changes,
  persists: (key: string) => handle(key).persists,
  /**
   * Inserts `count` rows into `notes`, each one after the previous resolved, with bodies
   * `<prefix> <i>`; `written(key)` says how far it got. Resolves with the failures.
   */
  async writeLoop(key: string, prefix: string, count: number) {
    const state = { acknowledged: 0, failures: [] as { i: number; code: string }[] };
    loops.set(key, state);
    for (let i = 1; i <= count; i++) {
      const result = await settle(
        handle(key).db.exec('INSERT INTO notes (body) VALUES (?)', [`${prefix} ${i}`]),
      );
      if (result.ok) state.acknowledged = i;
      else state.failures.push({ i, code: result.code });
    }
    return state;
  },
  written: (key: string) => loops.get(key)?.acknowledged ?? 0,
  /** Sends `count` inserts at once (none waits for another); resolves with each one's outcome. */
  writeTogether(key: string, sql: string, rows: unknown[][]) {
    const { db } = handle(key);
    return Promise.all(
      rows.map(async (params) => {
        const result = await settle(db.exec(sql, params as never));
        return result.ok ? 'ok' : result.code;
      }),
    );
  },
  /** `navigator.storage.estimate()`. */
  estimate: () => navigator.storage.estimate().then(({ usage, quota }) => ({ usage, quota })),
  /** Closes the database and ends its worker. */
  async close(key: string) {
    const { db, worker } = handle(key);
    const closed = await settle(db.close());
    worker.terminate();
    handles.delete(key);
    return closed;
  },
  /** Ends the worker abruptly, as a closed tab or a crash would. */
  terminate(key: string) {
    handle(key).worker.terminate();
    handles.delete(key);
  },
  /**
   * Opens, then terminates the worker `delayMs` after the trigger's progress event arrives. Returns the
   * progress events seen up to the termination.
   */
  killAt(key: string, options: OpenOptions, trigger: KillTrigger) {
    const wanted = trigger.phase;
    return new Promise<string[]>((resolve, reject) => {
      let fired = false;
      let hold: Promise<{ release(): Promise<void> }> | undefined;
      const opened = start(key, options, async (event) => {
        if (event === trigger.holdWritesFrom) hold ??= holdWrites(options.name);
        if (fired || event !== wanted) return;
        fired = true;
        await sleep(trigger.delayMs);
        opened.worker.terminate();
        handles.delete(key);
        const seen = [...opened.progress];
        await (await hold)?.release();
        resolve(seen);
      });
      opened.ready.then((result) => {
        if (fired) return;
        reject(
          new Error(
            result.ok ? `the startup finished before ${wanted}` : `${result.code}: ${result.message}`,
          ),
        );
      });
    });
  },
  /**
   * Reads the persisted database as the next start would (head loaded and verified from IndexedDB,
   * here on the main thread), runs `quick_check` and the given queries, and verifies every snapshot.
   */
  async inspectStored(name: string, queries: Record<string, string> = {}) {
    const store = createSnapshotStore(createIndexedDbPort(name));
    try {
      const head = await store.loadHead();
      if (!head) return null;
      const conn = openSqlJs(await loadSqlJs({ wasmUrl }), head.bytes);
      try {
        const rows: Record<string, unknown[]> = {};
        for (const [title, sql] of Object.entries(queries)) rows[title] = conn.query(sql);
        const snapshots = await store.listSnapshots();
        const verified = await Promise.all(
          snapshots.map(async (s) => (await store.verifySnapshot(s.id)).kind),
        );
        return {
          snapshot: head.snapshot,
          skipped: head.skipped,
          quickCheck: conn.query('PRAGMA quick_check').map((r) => r.quick_check),
          rows,
          verified,
        };
      } finally {
        conn.close();
      }
    } finally {
      await store.close();
    }
  },
  /**
   * Flips a byte of a chunk that the head snapshot references and no other snapshot does, straight in
   * IndexedDB (a second connection to the worker's database).
   */
  async corruptHeadChunk(name: string) {
    const raw = createStore(indexedDbName(name), INDEXEDDB_STORE_NAME);
    const sealed = async (key: string) => {
      const text = new TextDecoder().decode(await get<Uint8Array>(key, raw));
      return JSON.parse(text.slice(0, text.lastIndexOf('\nsha256 ')));
    };
    const headId = (await sealed('head')).snapshotId as string;
    const manifestKeys = (await keys(raw)).map(String).filter((k) => k.startsWith('manifest/'));
    const elsewhere = new Set<string>();
    for (const key of manifestKeys) {
      if (key !== `manifest/${headId}`) for (const hash of (await sealed(key)).chunks) elsewhere.add(hash);
    }
    const chunks = (await sealed(`manifest/${headId}`)).chunks as string[];
    const index = chunks.findIndex((hash) => !elsewhere.has(hash));
    if (index < 0) throw new Error('every chunk of the head is shared with another snapshot');
    const hash = chunks[index]!;
    const bytes = (await get<Uint8Array>(`chunk/${hash}`, raw))!.slice();
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
    await set(`chunk/${hash}`, bytes, raw);
    return { headId, index, hash };
  },
  /** Takes the Web Lock `molt:<name>` from this page and keeps it until `releaseLock`. */
  holdLock(name: string) {
    return new Promise<void>((acquired) => {
      void navigator.locks.request(
        `molt:${name}`,
        () =>
          new Promise<void>((release) => {
            heldLocks.set(name, release);
            acquired();
          }),
      );
    });
  },
  releaseLock(name: string) {
    heldLocks.get(name)?.();
    heldLocks.delete(name);
  },
  /**
   * Opens the database while a PerformanceObserver watches for main-thread long tasks. Afterwards
   * blocks the main thread for 120 ms on purpose, which the observer must see: a control that proves
   * the observer works, so that "no long task" means something.
   */
  async longTasksDuring(key: string, options: OpenOptions) {
    const tasks: { startTime: number; duration: number }[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        tasks.push({ startTime: entry.startTime, duration: entry.duration });
    });
    observer.observe({ type: 'longtask' });
    const started = performance.now();
    const report = await start(key, options).ready;
    const finished = performance.now();
    await sleep(300);
    const controlStart = performance.now();
    while (performance.now() - controlStart < 120) {
      // Busy on purpose: the control long task.
    }
    await sleep(300);
    observer.disconnect();
    return {
      report,
      readyMs: finished - started,
      during: tasks.filter((t) => t.startTime >= started && t.startTime < finished),
      control: tasks.filter((t) => t.startTime >= controlStart - 1),
    };
  },
};

for (const [key, fn] of Object.entries(api)) (window as unknown as Record<string, unknown>)[key] = fn;
(window as unknown as { ready: boolean }).ready = true;
