/**
 * The service a worker runs. It opens the database under the startup lock, migrates it as the app's
 * declarations say, and answers every call through the local database (local-database.ts): the
 * engine, the snapshot store and the durability policy. Plain async methods over injected
 * dependencies, so it runs the same in a Worker, over a MessageChannel in Node, or called directly in
 * a test.
 */
import type { Renames } from '../engine/desired.ts';
import { MoltError, toErrorData } from '../engine/errors.ts';
import type { Migration } from '../engine/ledger.ts';
import type { MigrateReport } from '../engine/migrate.ts';
import type { SqlJsStatic } from '../sqlite/sql-js.ts';
import type { RetentionPolicy, SnapshotStore } from '../storage/index.ts';
import type { AppContext } from './app.ts';
import type { CallArgs, CallMethod, CallResults } from './calls.ts';
import { DEFAULT_DURABILITY, type Durability, type WriterEvent } from './durability.ts';
import type { OpenEngine } from './engine.ts';
import { type LocalDatabase, openLocalDatabase } from './local-database.ts';
import type {
  MoltService,
  Outcome,
  ProgressEvent,
  SchemaChangedMessage,
  StartupPhase,
  StartupReport,
  WorkerEvent,
} from './protocol.ts';
import { channelName } from './protocol.ts';
import { sqlJsEngine } from './sqljs-engine.ts';

/** What the app's worker file passes to `serve`. */
export interface ServeOptions {
  /** The declared schema (CREATE statements) the database must have. */
  schema?: string;
  /** Versioned migrations, run before converging to `schema`. Functions must live in the worker. */
  migrations?: Migration[];
  /** Retention of snapshots (defaults: see the storage module). */
  snapshots?: RetentionPolicy;
  /** Enforce foreign keys on the connection (default true). */
  foreignKeys?: boolean;
  /** Let startup migrations drop data (default false: such a plan is blocked). */
  allowDataLoss?: boolean;
  renames?: Renames;
  /** Recorded in each snapshot's manifest. */
  appVersion?: string;
  /**
   * Where sql.js's wasm comes from. The default, `new URL('sql.js/dist/sql-wasm-browser.wasm',
   * import.meta.url)`, is found by Vite and webpack 5; with other bundlers give `wasmUrl` (a URL the
   * app serves the file at) or `wasmBinary` (its bytes).
   */
  sqlite?: { wasmUrl?: string; wasmBinary?: ArrayBuffer | Uint8Array };
}

/** The Web Locks API, or a stand-in with the same shape (tests, Node). */
export interface LockManagerLike {
  request<T>(
    name: string,
    options: { mode?: 'exclusive'; signal?: AbortSignal; ifAvailable?: boolean; steal?: boolean },
    callback: (lock: unknown) => Promise<T>,
  ): Promise<T>;
}

export interface ServiceDeps {
  options: ServeOptions;
  loadSqlite: () => Promise<SqlJsStatic>;
  openStore: (name: string) => SnapshotStore;
  locks: LockManagerLike;
  broadcast: (channel: string, message: SchemaChangedMessage) => void;
  /** Another engine than sql.js over `openStore` (see engine.ts). */
  openEngine?: OpenEngine;
  /** Called as each startup phase begins; tests use it to stop the worker at a chosen point. */
  onPhase?: (phase: StartupPhase) => void | Promise<void>;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

interface State {
  name: string;
  /** Who opened it (the client's id), so its own broadcasts can be told apart. */
  source: string;
  durability: Durability;
  delayMs?: number;
  local: LocalDatabase;
}

/**
 * Creates the service over its dependencies.
 * @example
 * const service = createService({ options: { schema }, loadSqlite, openStore, locks: navigator.locks, broadcast });
 * const report = await service.open({ name: 'notes' });
 */
export function createService(deps: ServiceDeps): MoltService {
  let state: State | undefined;
  const app: AppContext = {
    ...(deps.options.schema === undefined ? {} : { schema: deps.options.schema }),
    migrations: deps.options.migrations ?? [],
    allowDataLoss: deps.options.allowDataLoss ?? false,
    ...(deps.options.renames ? { renames: deps.options.renames } : {}),
  };
  const openEngine = deps.openEngine ?? sqlJsEngine(deps.loadSqlite, deps.openStore);
  const current = () => {
    if (!state) throw new MoltError('closed', 'the database is not open');
    return state;
  };
  const phase = async (name: StartupPhase, onProgress?: (e: ProgressEvent) => void) => {
    onProgress?.({ phase: name, message: name });
    await deps.onPhase?.(name);
  };
  const withLock = async <T>(name: string, timeoutMs: number, run: () => Promise<T>): Promise<T> => {
    const signal = AbortSignal.timeout(timeoutMs);
    let granted = false;
    try {
      return await deps.locks.request(channelName(name), { mode: 'exclusive', signal }, () => {
        granted = true;
        return run();
      });
    } catch (error) {
      // Only a wait that never got the lock is `locked`; a failure while holding it keeps its own code.
      if (!granted && signal.aborted) {
        throw new MoltError('locked', `another tab kept ${name} locked for more than ${timeoutMs} ms`, {
          name,
          timeoutMs,
        });
      }
      throw error;
    }
  };
  const call = <M extends CallMethod>(method: M, ...args: CallArgs[M]): Promise<Outcome<CallResults[M]>> =>
    outcome(async () => {
      const s = current();
      const result = await s.local.run(
        {
          method,
          args,
          durability: s.durability,
          ...(s.delayMs === undefined ? {} : { delayMs: s.delayMs }),
          source: s.source,
        },
        app,
      );
      if (!result.ok) throw new MoltError(result.error.code, result.error.message, result.error.details);
      return result.value;
    });

  const service: MoltService = {
    open: (request, onProgress, onEvent) =>
      outcome(async () => {
        if (state) throw new MoltError('invalid-argument', `${state.name} is already open in this worker`);
        const started = performance.now();
        return withLock(request.name, request.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, async () => {
          const lockMs = performance.now() - started;
          await phase('lock', onProgress);
          await phase('load', onProgress);
          const local = await openLocalDatabase({
            name: request.name,
            openEngine,
            foreignKeys: deps.options.foreignKeys !== false,
            ...(deps.options.appVersion ? { appVersion: deps.options.appVersion } : {}),
            ...(deps.options.snapshots ? { snapshots: deps.options.snapshots } : {}),
            broadcast: deps.broadcast,
            onWriterEvent: forward(onEvent),
            ...(deps.onPhase ? { onPhase: deps.onPhase } : {}),
          });
          const source = request.source ?? '';
          state = {
            name: request.name,
            source,
            durability: request.durability ?? DEFAULT_DURABILITY,
            ...(request.relaxedDelayMs === undefined ? {} : { delayMs: request.relaxedDelayMs }),
            local,
          };
          const loadMs = performance.now() - started - lockMs;
          const run = await local.migrate(app, source, onProgress);
          failIfNotDone(run.report);
          await phase('done', onProgress);
          const report: StartupReport = {
            status: !local.load.loaded ? 'created' : run.saved ? 'migrated' : 'up-to-date',
            name: request.name,
            role: 'owner',
            loaded: local.load.loaded,
            skipped: local.load.skipped,
            preMigrateSnapshot: run.pre,
            saved: run.saved,
            migration: run.report,
            timings: { lockMs, loadMs, ...run.timings, totalMs: performance.now() - started },
          };
          return report;
        });
      }),
    query: (sql, params) => call('query', sql, params),
    exec: (sql, params) => call('exec', sql, params),
    transaction: (statements) => call('transaction', statements),
    save: () => call('save'),
    flush: () => call('flush'),
    plan: (schema, options) => call('plan', schema, options),
    migrate: (onProgress) =>
      outcome(async () => {
        const s = current();
        return withLock(s.name, DEFAULT_LOCK_TIMEOUT_MS, async () => {
          const run = await s.local.migrate(app, s.source, onProgress);
          failIfNotDone(run.report);
          return run.report;
        });
      }),
    health: (schema) => call('health', schema),
    listSnapshots: () => call('listSnapshots'),
    verifySnapshot: (id) => call('verifySnapshot', id),
    restoreSnapshot: (id) => call('restoreSnapshot', id),
    exportSnapshot: (id) => call('exportSnapshot', id),
    importDatabase: (bytes) => call('importDatabase', bytes),
    close: () =>
      outcome(async () => {
        const s = state;
        if (!s) return;
        state = undefined;
        await s.local.close();
      }),
  };
  return service;
}

/** The writer's events as the page hears them; `pending` carries how long persists have been taking. */
function forward(onEvent: ((event: WorkerEvent) => void) | undefined): (event: WriterEvent) => void {
  let persistMs = 0;
  return (event) => {
    if (!onEvent) return;
    if (event.kind === 'pending') {
      onEvent({ kind: 'pending', pending: event.pending, persistMs });
    } else if (event.kind === 'persisted') {
      // A slowly decaying maximum: one slow persist keeps the estimate up for a while.
      persistMs = Math.max(event.ms, persistMs * 0.9);
      onEvent({
        kind: 'persisted',
        snapshotId: event.result.snapshot.id,
        generation: event.result.generation,
        writes: event.writes,
        bytesWritten: event.result.bytesWritten,
        chunksWritten: event.result.chunksWritten,
        ms: event.ms,
      });
    } else {
      onEvent({ kind: 'persist-failed', error: event.error, writes: event.writes, lost: event.lost });
    }
  };
}

/** Startup and migrate() fail loudly for what needs the app's attention; the database stays as it was. */
function failIfNotDone(report: MigrateReport): void {
  if (report.status === 'blocked') {
    throw new MoltError(
      'blocked',
      `the migration is blocked: ${report.plan?.blockers.map((b) => b.message).join('; ')}`,
      { report },
    );
  }
  if (report.status === 'failed' && report.error) {
    throw new MoltError(report.error.code, report.error.message, { ...report.error.details, report });
  }
}

async function outcome<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error: toErrorData(error) };
  }
}
