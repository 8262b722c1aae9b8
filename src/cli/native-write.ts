/**
 * Writing a database file in place under native SQLite, with its snapshots: a `pre-migrate` snapshot
 * read from the file under SQLite's lock, the engine's transaction on the file (started only if no
 * other process committed since the snapshot), then the result as the store's new head.
 */
import type { SqliteConnection } from '../sqlite/port.ts';
import type { SaveResult, SnapshotMeta, SnapshotStore } from '../storage/index.ts';
import { saveHead } from './backup.ts';
import {
  checkStoreHead,
  explainNativeError,
  type NativeDatabase,
  snapshotInPlace,
  unchangedSince,
} from './native-database.ts';
import type { ProgressLine } from './progress.ts';

export interface WriteInPlaceOptions {
  /** The snapshot store, or null with --no-backup. */
  store: SnapshotStore | null;
  progress: ProgressLine;
  /** What the `pre-migrate` snapshot records. */
  pre: SnapshotMeta;
  /** What the head saved after the write records; null to save none (the write did nothing). */
  head: SnapshotMeta | ((result: unknown) => SnapshotMeta | null);
  warn: (line: string) => void;
}

/**
 * Runs `write` on the file in place, between the two snapshots (it gets the `pre-migrate` one, whose
 * id migrate records in its ledger). SQLite's refusals come out as `locked`
 * or `read-only`.
 * @example
 * const { result } = await writeInPlace(db, (conn) => applyPlan(conn, plan), options);
 */
export async function writeInPlace<T>(
  db: NativeDatabase,
  write: (conn: SqliteConnection, pre: SaveResult | null) => T,
  options: WriteInPlaceOptions,
): Promise<{ result: T; pre: SaveResult | null; head: SaveResult | null }> {
  const { store, progress } = options;
  let pre: SaveResult | null = null;
  let conn: SqliteConnection = db.conn;
  if (store) {
    await checkStoreHead(store, db.label);
    progress.phase('snapshot');
    const taken = await snapshotInPlace(db, store, options.pre, (done, total) =>
      progress.bytes('pre-migrate snapshot', done, total),
    );
    pre = taken.saved;
    conn = unchangedSince(db.conn, taken.dataVersion, db.label);
  }
  let result: T;
  try {
    progress.phase('waiting for SQLite’s write lock');
    result = write(conn, pre);
  } catch (error) {
    throw await explainNativeError(error, db.label, db.path);
  }
  const meta = typeof options.head === 'function' ? options.head(result) : options.head;
  if (!store || !meta) return { result, pre, head: null };
  progress.phase('snapshot');
  const head = await saveHead(
    store,
    async () => {
      const taken = await snapshotInPlace(db, store, meta, (done, total) =>
        progress.bytes('snapshot', done, total),
      );
      if (!taken.saved) throw new Error('the file is empty');
      return taken.saved;
    },
    { warn: options.warn },
  );
  return { result, pre, head };
}
