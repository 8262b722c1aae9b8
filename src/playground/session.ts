/**
 * A session is one worker plus the database opened in it through the public client API. The page
 * keeps one at a time: a "browse" session (no schema: it only opens the database) for everything
 * read-only and for plans, and an "apply" session, started with the target schema, whose startup
 * migration is the apply.
 */
import {
  type Database,
  MoltError,
  openDatabase,
  type ProgressEvent,
  type StartupReport,
} from '../client/index.ts';
import { CONFIGURE, type WorkerConfig } from './worker-config.ts';

/** The database's name: its IndexedDB store, Web Lock and BroadcastChannel. */
export const DATABASE_NAME = 'molt-playground';

export interface SessionOptions {
  schema?: string;
  allowDataLoss?: boolean;
  onProgress?: (event: ProgressEvent) => void;
}

export interface Session {
  db: Database;
  options: SessionOptions;
  /** The startup report; rejects with a MoltError when the open (or its migration) failed. */
  ready: Promise<StartupReport>;
  stop(): Promise<void>;
}

/**
 * Starts a worker, hands it its options, and opens the database in it.
 * @example
 * const session = startSession({ schema: target, onProgress: draw });
 * const report = await session.ready;
 */
export function startSession(options: SessionOptions = {}): Session {
  const worker = new Worker(new URL('./playground.worker.ts', import.meta.url), {
    type: 'module',
    name: DATABASE_NAME,
  });
  const config: WorkerConfig = { type: CONFIGURE, allowDataLoss: options.allowDataLoss === true };
  if (options.schema !== undefined) config.schema = options.schema;
  worker.postMessage(config);
  const db = openDatabase({
    name: DATABASE_NAME,
    worker,
    lockTimeoutMs: 8_000,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  // A worker that fails to load (a blocked script, a missing file) never answers: turn its error
  // event into a failed open instead of a page that waits forever.
  const crashed = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      reject(
        new MoltError('internal', `the database worker could not start: ${event.message || 'load error'}`),
      );
    });
  });
  const ready = Promise.race([db.ready, crashed]);
  ready.catch(() => undefined);
  return {
    db,
    options,
    ready,
    async stop() {
      await Promise.race([db.close().catch(() => undefined), delay(2_000)]);
      worker.terminate();
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A snapshot as `db.snapshots.list()` gives it. */
export type SnapshotEntry = Awaited<ReturnType<Database['snapshots']['list']>>[number];

/** What a verification found: `checking` while it runs. */
export type ChecksumStatus = 'checking' | 'verified' | 'corrupt';
