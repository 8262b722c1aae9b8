/**
 * The sql.js engine: the database file lives in WebAssembly memory and reaches IndexedDB as snapshots.
 * A persist is one `export()` (the floor: stock sql.js does not say which pages changed) and a save
 * that writes only the chunks that differ from the last one.
 */
import type { SqliteConnection } from '../sqlite/port.ts';
import { openSqlJs, type SqlJsConnection, type SqlJsStatic } from '../sqlite/sql-js.ts';
import { openUntrusted } from '../sqlite/untrusted.ts';
import type { SnapshotStore } from '../storage/index.ts';
import type { DatabaseEngine, EngineHooks, EngineLoad, OpenEngine } from './engine.ts';

/**
 * The `OpenEngine` for sql.js over a snapshot store.
 * @example
 * const open = sqlJsEngine(() => loadSqlJs(), (name) => createSnapshotStore(createIndexedDbPort(name)));
 * const { engine, load } = await open('notes', { configure, describe });
 */
export function sqlJsEngine(
  loadSqlite: () => Promise<SqlJsStatic>,
  openStore: (name: string) => SnapshotStore,
): OpenEngine {
  return async (name, hooks) => {
    const store = openStore(name);
    try {
      const sqlite = await loadSqlite();
      warmUp(sqlite);
      const engine = createSqlJsEngine(sqlite, store, hooks);
      const load = await engine.reload();
      // The first snapshot's description (a schema hash) is computed now: it is kept per schema version.
      hooks.describe(engine.conn);
      return { engine, load };
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
  };
}

/**
 * Runs `export()` once on a tiny database. The first export in a new worker compiles its code path
 * (measured: 200 ms on a loaded machine, for a 16 KB file); doing it at open keeps that out of the
 * first persist, which may be the one a closing page is waiting for.
 */
function warmUp(sqlite: SqlJsStatic): void {
  const scratch = openSqlJs(sqlite);
  try {
    scratch.exec('CREATE TABLE t (x)');
    scratch.export();
  } finally {
    scratch.close();
  }
}

function createSqlJsEngine(sqlite: SqlJsStatic, store: SnapshotStore, hooks: EngineHooks): DatabaseEngine {
  let conn: SqlJsConnection | undefined;
  /** The bytes of the persisted head: what `revert` goes back to. The store keeps them too (no copy). */
  let persisted: Uint8Array | undefined;
  const live = () => {
    if (!conn) throw new Error('the engine has no open database');
    return conn;
  };
  const replace = (next: SqlJsConnection) => {
    hooks.configure(next);
    conn?.close();
    conn = next;
  };
  const engine: DatabaseEngine = {
    get conn(): SqliteConnection {
      return live();
    },
    store,
    persist() {
      // Captured here, synchronously: see DatabaseEngine.persist.
      const bytes = live().export();
      const meta = hooks.describe(live());
      return store.saveSnapshot(bytes, meta).then((saved) => {
        persisted = bytes;
        return saved;
      });
    },
    snapshotHead: (reason) => store.snapshotHead(reason),
    async revert() {
      replace(openSqlJs(sqlite, persisted));
    },
    async reload(): Promise<EngineLoad> {
      const head = await store.loadHead();
      replace(openSqlJs(sqlite, head?.bytes));
      persisted = head?.bytes;
      return { loaded: head?.snapshot ?? null, skipped: head?.skipped ?? [] };
    },
    async restore(id) {
      const restored = await store.restoreSnapshot(id);
      replace(openSqlJs(sqlite, restored.bytes));
      persisted = restored.bytes;
      return restored.snapshot;
    },
    async importBytes(bytes) {
      const next = openUntrusted(sqlite, bytes, 'the imported file');
      try {
        hooks.configure(next);
        const exported = next.export();
        const saved = await store.saveSnapshot(exported, { reason: 'manual', ...hooks.describe(next) });
        replace(next);
        persisted = exported;
        return saved;
      } catch (error) {
        if (conn !== next) next.close();
        throw error;
      }
    },
    exportLive: async () => live().export(),
    async close() {
      conn?.close();
      conn = undefined;
      persisted = undefined;
      await store.close();
    },
  };
  return engine;
}
