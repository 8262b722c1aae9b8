/**
 * The main-thread API: `openDatabase()` starts the app's worker service, opens the database under the
 * cross-tab lock (migrating it if the app's schema changed) and hands back a `Database` whose methods
 * all run in the worker.
 */
import * as Comlink from 'comlink';
import type { HealthReport } from '../engine/health.ts';
import type { MigrateReport } from '../engine/migrate.ts';
import type { PlanOptions } from '../engine/plan.ts';
import type { Plan } from '../engine/plan-types.ts';
import type { Row, SqlValue } from '../sqlite/port.ts';
import type { SnapshotInfo, SnapshotListEntry, VerifyResult } from '../storage/index.ts';
import {
  channelName,
  type ExecResult,
  type MoltService,
  type PersistedEvent,
  type ProgressEvent,
  type SaveReport,
  type SchemaChangedMessage,
  type StartupReport,
  type Statement,
  type WorkerEvent,
} from '../worker/protocol.ts';
import { DEFAULT_LOCK_TIMEOUT_MS } from '../worker/service.ts';
import { asMoltError, type ErrorData, MoltError, unwrap } from './errors.ts';
import { createPersistState, watchPageLifecycle } from './lifecycle.ts';

export interface OpenDatabaseOptions {
  /** The database's name: one IndexedDB store, one Web Lock and one BroadcastChannel per name. */
  name: string;
  /** The app's worker (which calls `serve()`), or any Comlink endpoint. */
  worker: Comlink.Endpoint;
  /**
   * How long to wait for another tab's startup migration before failing with `locked` (default 10 s).
   * A worker that does not answer at all fails with `worker-unresponsive` after this long too, and never
   * sooner than the default: starting a worker takes its own time, whatever the lock's.
   */
  lockTimeoutMs?: number;
  /**
   * When writes (`exec`, `transaction`, a `query` that writes) resolve. `commit` (default): once they
   * are in the persisted head. `relaxed`: at once; persisted within `relaxedDelayMs`, and when the page
   * is hidden or left and on `close()`. `manual`: at once; persisted by `save()`.
   */
  durability?: 'commit' | 'relaxed' | 'manual';
  /** For `relaxed`: the longest a write stays unpersisted, in ms. Default 1000. */
  relaxedDelayMs?: number;
  onProgress?: (event: ProgressEvent) => void;
}

export interface DatabaseEvents {
  'schema-changed': SchemaChangedMessage;
  progress: ProgressEvent;
  /** This tab's worker persisted writes (only the tab that holds the database persists). */
  persisted: PersistedEvent;
  /** A persist failed; `commit` writes it carried were rejected with the same code. */
  'persist-failed': { error: ErrorData; writes: number; lost: number };
}

export interface Database {
  /** Resolves with the startup report once the database is open and migrated. */
  readonly ready: Promise<StartupReport>;
  query<T extends Row = Row>(sql: string, params?: SqlValue[]): Promise<T[]>;
  exec(sql: string, params?: SqlValue[]): Promise<ExecResult>;
  /** Runs the statements in one transaction: all of them or none. */
  transaction(statements: Statement[]): Promise<ExecResult[]>;
  /** Persists the database as a new snapshot (only the changed chunks are written). */
  save(): Promise<SaveReport>;
  /** Persists writes not yet persisted (`relaxed`, `manual`); resolves at once when there are none. */
  flush(): Promise<void>;
  /** The plan to `schema` (default: the worker's declared schema), with per-call options. */
  plan(schema?: string, options?: PlanOptions): Promise<Plan>;
  migrate(): Promise<MigrateReport>;
  /** Checks the database; `schema` overrides the worker's declared schema for the drift check. */
  health(schema?: string): Promise<HealthReport>;
  readonly snapshots: {
    list(): Promise<SnapshotListEntry[]>;
    verify(id: string): Promise<VerifyResult>;
    restore(id: string): Promise<SnapshotInfo>;
    /** The bytes of a snapshot (or of the live database), for a download. */
    export(id?: string): Promise<Uint8Array>;
  };
  /** Replaces the database with an uploaded file (checked first), saved as a new snapshot. */
  import(bytes: Uint8Array): Promise<SnapshotInfo>;
  close(): Promise<void>;
  on<K extends keyof DatabaseEvents>(event: K, listener: (detail: DatabaseEvents[K]) => void): () => void;
}

/**
 * Opens (and, when the app's schema changed, migrates) a database in the app's worker.
 * @example
 * const db = openDatabase({ name: 'notes', worker: new Worker(new URL('./db.worker.ts', import.meta.url), { type: 'module' }) });
 * await db.ready;
 * const rows = await db.query('SELECT * FROM notes WHERE id = ?', [1]);
 */
export function openDatabase(options: OpenDatabaseOptions): Database {
  checkOptions(options);
  const service = Comlink.wrap<MoltService>(options.worker);
  const answerTimeoutMs = Math.max(options.lockTimeoutMs ?? 0, DEFAULT_LOCK_TIMEOUT_MS);
  const listeners = new Map<keyof DatabaseEvents, Set<(detail: never) => void>>();
  const emit = <K extends keyof DatabaseEvents>(event: K, detail: DatabaseEvents[K]) => {
    for (const listener of listeners.get(event) ?? []) (listener as (d: DatabaseEvents[K]) => void)(detail);
  };
  const progress = (event: ProgressEvent) => {
    options.onProgress?.(event);
    emit('progress', event);
  };
  const persistState = createPersistState();
  const onWorkerEvent = (event: WorkerEvent) => {
    persistState.onEvent(event);
    if (event.kind === 'persisted') {
      const { kind: _kind, ...detail } = event;
      emit('persisted', detail);
    } else if (event.kind === 'persist-failed') {
      emit('persist-failed', { error: event.error, writes: event.writes, lost: event.lost });
    }
  };
  // Other tabs hear about a change; this tab knows about its own (it is in the report or the result).
  const source = randomId();
  const channel =
    typeof BroadcastChannel === 'function' ? new BroadcastChannel(channelName(options.name)) : undefined;
  if (channel) {
    channel.onmessage = (e: MessageEvent<SchemaChangedMessage>) => {
      if (e.data?.source !== source) emit('schema-changed', e.data);
    };
  }

  const ready = (async () => {
    if ((globalThis as { isSecureContext?: boolean }).isSecureContext === false) {
      throw new MoltError(
        'insecure-context',
        'molt needs a secure context (https, or http on localhost) for Web Locks and WebCrypto',
      );
    }
    const request = {
      name: options.name,
      source,
      ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
      ...(options.durability === undefined ? {} : { durability: options.durability }),
      ...(options.relaxedDelayMs === undefined ? {} : { relaxedDelayMs: options.relaxedDelayMs }),
    };
    // A worker that fails to load (a bad URL, a syntax error) or never calls serve() never answers:
    // fail instead of waiting.
    const failed = workerFailure(options.worker);
    await Promise.race([workerAnswers(service, answerTimeoutMs), failed]);
    const report = unwrap(
      await Promise.race([
        service.open(request, Comlink.proxy(progress), Comlink.proxy(onWorkerEvent)),
        failed,
      ]),
    );
    persistState.setOwner(report.role === 'owner');
    return report;
  })();
  // Calls wait for the open to finish, whatever its outcome: after a blocked migration the database
  // is still there, unchanged, for the app to read.
  // A worker that never answered will not answer these calls either: they fail as `ready` did.
  const opened = ready.then(
    () => undefined,
    (error: unknown) => (isUnanswered(error) ? error : undefined),
  );
  const call = async <T>(run: () => Promise<import('../worker/protocol.ts').Outcome<T>>): Promise<T> => {
    const unanswered = await opened;
    if (unanswered) throw unanswered;
    try {
      return unwrap(await run());
    } catch (error) {
      throw asMoltError(error);
    }
  };
  /** A write: `pagehide` waits for it while it is in flight or unpersisted in this tab's worker. */
  const write = async <T>(
    run: () => Promise<import('../worker/protocol.ts').Outcome<T>>,
    surely = true,
  ): Promise<T> => {
    persistState.onWrite(true, false);
    let acknowledged = false;
    try {
      const value = await call(run);
      acknowledged = surely && (options.durability === 'relaxed' || options.durability === 'manual');
      return value;
    } finally {
      persistState.onWrite(false, acknowledged);
    }
  };
  let isOpen = false;
  void opened.then(() => (isOpen = true));
  // Called from `pagehide`, whose handler then waits: the message must leave now, not in a microtask.
  const stopWatching = watchPageLifecycle(() => {
    if (isOpen) service.flush().catch(() => undefined);
  }, persistState);

  return {
    ready,
    query: <T extends Row>(sql: string, params?: SqlValue[]) =>
      write(() => service.query(sql, params), false) as Promise<T[]>,
    exec: (sql, params) => write(() => service.exec(sql, params)),
    transaction: (statements) => write(() => service.transaction(statements)),
    save: () => call(() => service.save()),
    flush: () => call(() => service.flush()),
    plan: (schema, planOptions) => call(() => service.plan(schema, planOptions)),
    migrate: () => call(() => service.migrate(Comlink.proxy(progress))),
    health: (schema) => call(() => service.health(schema)),
    snapshots: {
      list: () => call(() => service.listSnapshots()),
      verify: (id) => call(() => service.verifySnapshot(id)),
      restore: (id) => call(() => service.restoreSnapshot(id)),
      export: (id) => call(() => service.exportSnapshot(id)),
    },
    import: (bytes) =>
      call(() => service.importDatabase(Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]))),
    close: async () => {
      channel?.close();
      stopWatching();
      await call(() => service.close());
      service[Comlink.releaseProxy]();
    },
    on: (event, listener) => {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (detail: never) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (detail: never) => void);
    },
  };
}

function checkOptions(options: OpenDatabaseOptions): void {
  if (typeof options?.name !== 'string' || options.name === '') {
    throw new MoltError('invalid-argument', 'openDatabase needs a `name` for the database', {
      option: 'name',
    });
  }
  const worker = options.worker as Partial<Comlink.Endpoint> | undefined;
  if (typeof worker?.postMessage !== 'function' || typeof worker.addEventListener !== 'function') {
    throw new MoltError(
      'invalid-argument',
      "openDatabase needs a `worker`: new Worker(new URL('./db.worker.ts', import.meta.url), { type: 'module' }), " +
        "whose file calls serve() from 'molt/worker'",
      { option: 'worker' },
    );
  }
}

/** How often to ask a worker that has not answered yet. */
const PROBE_INTERVAL_MS = 100;

/**
 * Resolves once the worker answers at all; fails with `worker-unresponsive` after `timeoutMs`. It asks
 * for a property the service does not have (Comlink answers `undefined`), and asks again while there is
 * no answer: a worker that calls `serve()` only after an `await` has not heard the messages sent before.
 */
async function workerAnswers(service: Comlink.Remote<MoltService>, timeoutMs: number): Promise<void> {
  const probe = () => (service as unknown as Record<string, PromiseLike<unknown>>).probe;
  let interval: ReturnType<typeof setInterval> | undefined;
  let timeout: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => {
        const ask = () => void Promise.resolve(probe()).then(() => resolve());
        ask();
        interval = setInterval(ask, PROBE_INTERVAL_MS);
      }),
      new Promise<never>((_, reject) => {
        timeout = setTimeout(
          () =>
            reject(
              new MoltError(
                'worker-unresponsive',
                `the database worker did not answer within ${timeoutMs} ms: its file must call serve() from 'molt/worker'`,
                { timeoutMs },
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearInterval(interval);
    clearTimeout(timeout);
  }
}

function isUnanswered(error: unknown): error is MoltError {
  return error instanceof MoltError && error.code === 'worker-unresponsive';
}

function randomId(): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Rejects when a Worker reports an error before it answers (never, for other endpoints). */
function workerFailure(endpoint: Comlink.Endpoint): Promise<never> {
  return new Promise((_, reject) => {
    if (typeof Worker === 'undefined' || !(endpoint instanceof Worker)) return;
    endpoint.addEventListener('error', (event) => {
      const message =
        event instanceof ErrorEvent && event.message ? event.message : 'the worker failed to start';
      reject(new MoltError('internal', `the database worker failed: ${message}`));
    });
  });
}
