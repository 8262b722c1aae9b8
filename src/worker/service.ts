/**
 * The service a worker runs: it owns one sql.js database and composes the engine (plans, migrations,
 * health) with the snapshot store (the persisted copy and the way back). Plain async methods over
 * injected dependencies, so it runs the same in a Worker, over a MessageChannel in Node, or called
 * directly in a test.
 */
import { hashSchema } from '../engine/canonical.ts';
import type { Renames } from '../engine/desired.ts';
import { MoltError, toErrorData } from '../engine/errors.ts';
import { type HealthReport, health, healthCheck, scoreHealth } from '../engine/health.ts';
import { inspectSchema } from '../engine/inspect.ts';
import type { Migration } from '../engine/ledger.ts';
import { checkMigration, type MigrateOptions, type MigrateReport, migrate } from '../engine/migrate.ts';
import { planMigration } from '../engine/plan.ts';
import { openSqlJs, type SqlJsConnection, type SqlJsStatic } from '../sqlite/sql-js.ts';
import { openUntrusted } from '../sqlite/untrusted.ts';
import type { RetentionPolicy, SnapshotStore } from '../storage/index.ts';
import type {
  ExecResult,
  MoltService,
  Outcome,
  ProgressEvent,
  SchemaChangedMessage,
  StartupPhase,
  StartupReport,
} from './protocol.ts';
import { channelName } from './protocol.ts';

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
    options: { mode: 'exclusive'; signal?: AbortSignal },
    callback: () => Promise<T>,
  ): Promise<T>;
}

export interface ServiceDeps {
  options: ServeOptions;
  loadSqlite: () => Promise<SqlJsStatic>;
  openStore: (name: string) => SnapshotStore;
  locks: LockManagerLike;
  broadcast: (channel: string, message: SchemaChangedMessage) => void;
  /** Called as each startup phase begins; tests use it to stop the worker at a chosen point. */
  onPhase?: (phase: StartupPhase) => void | Promise<void>;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

interface State {
  name: string;
  /** Who opened it (the client's id), so its own broadcasts can be told apart. */
  source: string;
  conn: SqlJsConnection;
  store: SnapshotStore;
}

/**
 * Creates the service over its dependencies.
 * @example
 * const service = createService({ options: { schema }, loadSqlite, openStore, locks: navigator.locks, broadcast });
 * const report = await service.open({ name: 'notes' });
 */
export function createService(deps: ServiceDeps): MoltService {
  let state: State | undefined;
  const current = () => {
    if (!state) throw new MoltError('closed', 'the database is not open');
    return state;
  };
  const migrateOptions = (
    onProgress?: (e: ProgressEvent) => void,
    snapshotId?: string | null,
  ): MigrateOptions => ({
    migrations: deps.options.migrations ?? [],
    ...(deps.options.schema === undefined ? {} : { schema: deps.options.schema }),
    allowDataLoss: deps.options.allowDataLoss ?? false,
    ...(deps.options.renames ? { renames: deps.options.renames } : {}),
    snapshotId: snapshotId ?? null,
    onProgress: (p) => onProgress?.({ phase: p.phase, message: describe(p), ...fraction(p) }),
  });
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

  /** Runs pending work under the lock: pre-migrate snapshot, one transaction, save, broadcast. */
  const runMigration = async (s: State, onProgress?: (e: ProgressEvent) => void, hasHead = true) => {
    const timings = { migrateMs: 0, saveMs: 0 };
    await phase('check', onProgress);
    const check = checkMigration(s.conn, migrateOptions(onProgress));
    if (check.status !== 'pending') return { report: check, pre: null, saved: null, timings };
    await phase('pre-migrate-snapshot', onProgress);
    const pre = hasHead ? (await s.store.snapshotHead('pre-migrate')).snapshot.id : null;
    await phase('migrate', onProgress);
    let started = performance.now();
    const report = migrate(s.conn, { ...migrateOptions(onProgress, pre), plan: check.plan });
    timings.migrateMs = performance.now() - started;
    if (report.status !== 'applied') return { report, pre, saved: null, timings };
    await phase('save', onProgress);
    started = performance.now();
    const saved = await s.store.saveSnapshot(s.conn.export(), meta(s.conn));
    timings.saveMs = performance.now() - started;
    await phase('broadcast', onProgress);
    deps.broadcast(channelName(s.name), {
      type: 'schema-changed',
      source: s.source,
      name: s.name,
      generation: saved.generation,
      snapshotId: saved.snapshot.id,
      reason: 'migrate',
    });
    await tidy(s.store, deps.options.snapshots);
    return { report, pre, saved: saved.snapshot, timings };
  };
  const meta = (conn: SqlJsConnection) => ({
    schemaHash: hashSchema(inspectSchema(conn)),
    ...(deps.options.appVersion ? { appVersion: deps.options.appVersion } : {}),
  });
  const configure = (conn: SqlJsConnection) => {
    if (deps.options.foreignKeys !== false) conn.exec('PRAGMA foreign_keys = ON');
    return conn;
  };

  const service: MoltService = {
    open: (request, onProgress) =>
      outcome(async () => {
        if (state) throw new MoltError('invalid-argument', `${state.name} is already open in this worker`);
        const started = performance.now();
        const store = deps.openStore(request.name);
        return withLock(request.name, request.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, async () => {
          const lockMs = performance.now() - started;
          await phase('lock', onProgress);
          await phase('load', onProgress);
          const head = await store.loadHead();
          const sqlite = await deps.loadSqlite();
          const s: State = {
            name: request.name,
            source: request.source ?? '',
            conn: configure(openSqlJs(sqlite, head?.bytes)),
            store,
          };
          state = s;
          const loadMs = performance.now() - started - lockMs;
          const run = await runMigration(s, onProgress, head !== undefined);
          failIfNotDone(run.report);
          await phase('done', onProgress);
          const report: StartupReport = {
            status: !head ? 'created' : run.saved ? 'migrated' : 'up-to-date',
            name: request.name,
            loaded: head?.snapshot ?? null,
            skipped: head?.skipped ?? [],
            preMigrateSnapshot: run.pre,
            saved: run.saved,
            migration: run.report,
            timings: { lockMs, loadMs, ...run.timings, totalMs: performance.now() - started },
          };
          return report;
        });
      }),
    query: (sql, params) => outcome(async () => current().conn.query(sql, params)),
    exec: (sql, params) => outcome(async () => execute(current().conn, sql, params)),
    transaction: (statements) =>
      outcome(async () => {
        const { conn } = current();
        conn.exec('BEGIN IMMEDIATE');
        try {
          const results = statements.map((s, index) => {
            try {
              return execute(conn, s.sql, s.params);
            } catch (error) {
              // Which statement failed, for the caller to point at.
              const data = toErrorData(error);
              throw new MoltError(data.code, data.message, { ...data.details, statementIndex: index });
            }
          });
          conn.exec('COMMIT');
          return results;
        } catch (error) {
          conn.exec('ROLLBACK');
          throw error;
        }
      }),
    save: () =>
      outcome(async () => {
        const s = current();
        const saved = await s.store.saveSnapshot(s.conn.export(), meta(s.conn));
        await tidy(s.store, deps.options.snapshots);
        return {
          snapshot: saved.snapshot,
          generation: saved.generation,
          bytesWritten: saved.bytesWritten,
          chunksWritten: saved.chunksWritten,
        };
      }),
    plan: (schema, options = {}) =>
      outcome(async () => {
        const sql = schema ?? deps.options.schema;
        if (sql === undefined) throw new MoltError('invalid-argument', 'no schema to plan against');
        const renames = options.renames ?? deps.options.renames;
        return planMigration(current().conn, sql, {
          allowDataLoss: options.allowDataLoss ?? deps.options.allowDataLoss ?? false,
          ...(renames ? { renames } : {}),
        });
      }),
    migrate: (onProgress) =>
      outcome(async () => {
        const s = current();
        return withLock(s.name, DEFAULT_LOCK_TIMEOUT_MS, async () => {
          const run = await runMigration(s, onProgress);
          failIfNotDone(run.report);
          return run.report;
        });
      }),
    health: (schema) =>
      outcome(async () =>
        fullHealth(current(), { ...deps.options, ...(schema === undefined ? {} : { schema }) }),
      ),
    listSnapshots: () => outcome(async () => current().store.listSnapshots()),
    verifySnapshot: (id) => outcome(async () => current().store.verifySnapshot(id)),
    restoreSnapshot: (id) =>
      outcome(async () => {
        const s = current();
        const restored = await s.store.restoreSnapshot(id);
        replaceConnection(s, configure(openSqlJs(await deps.loadSqlite(), restored.bytes)));
        deps.broadcast(channelName(s.name), {
          type: 'schema-changed',
          source: s.source,
          name: s.name,
          generation: restored.generation,
          snapshotId: restored.snapshot.id,
          reason: 'restore',
        });
        return restored.snapshot;
      }),
    exportSnapshot: (id) =>
      outcome(async () => {
        const s = current();
        return id === undefined ? s.conn.export() : (await s.store.loadSnapshot(id)).bytes;
      }),
    importDatabase: (bytes) =>
      outcome(async () => {
        const s = current();
        const conn = configure(openUntrusted(await deps.loadSqlite(), bytes, 'the imported file'));
        const saved = await s.store.saveSnapshot(conn.export(), { reason: 'manual', ...meta(conn) });
        replaceConnection(s, conn);
        deps.broadcast(channelName(s.name), {
          type: 'schema-changed',
          source: s.source,
          name: s.name,
          generation: saved.generation,
          snapshotId: saved.snapshot.id,
          reason: 'import',
        });
        return saved.snapshot;
      }),
    close: () =>
      outcome(async () => {
        if (!state) return;
        state.conn.close();
        await state.store.close();
        state = undefined;
      }),
  };
  return service;
}

/** Retention, then the chunks no snapshot needs any more; best effort (a failure keeps extra data). */
async function tidy(store: SnapshotStore, policy: RetentionPolicy | undefined): Promise<void> {
  try {
    await store.prune(policy);
    await store.collectGarbage();
  } catch {
    // Keeping a snapshot too many is harmless; the next save tries again.
  }
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

function replaceConnection(s: State, conn: SqlJsConnection): void {
  s.conn.close();
  s.conn = conn;
}

function execute(conn: SqlJsConnection, sql: string, params?: readonly unknown[]): ExecResult {
  const before = Number(conn.query('SELECT total_changes() AS n')[0]!.n);
  conn.exec(sql, params as never);
  const row = conn.query('SELECT total_changes() AS n, last_insert_rowid() AS id')[0]!;
  return { changes: Number(row.n) - before, lastInsertRowid: Number(row.id) };
}

async function fullHealth(s: State, options: ServeOptions): Promise<HealthReport> {
  const base = health(s.conn, {
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    ...(options.migrations ? { migrations: options.migrations } : {}),
  });
  const snapshots = await s.store.listSnapshots();
  const newest = snapshots[0];
  const snapshot = !newest
    ? healthCheck('snapshot', 'warn', 'no snapshot saved yet')
    : (await s.store.verifySnapshot(newest.id)).kind === 'verified'
      ? healthCheck('snapshot', 'pass', `newest snapshot ${newest.id} verifies`, {
          id: newest.id,
          createdAt: newest.createdAt,
        })
      : healthCheck('snapshot', 'fail', `newest snapshot ${newest.id} fails verification`, { id: newest.id });
  const usage = await s.store.usage();
  const quota = usage.estimate?.quota ?? 0;
  const used = usage.estimate?.usage ?? 0;
  const storage =
    quota > 0 && used / quota > 0.9
      ? healthCheck('storage', 'warn', `storage is ${Math.round((100 * used) / quota)}% full`, {
          used,
          quota,
        })
      : healthCheck(
          'storage',
          'pass',
          quota > 0 ? `${Math.round((100 * used) / quota)}% of the quota used` : 'quota unknown',
          { used, quota, stored: usage.storedBytes },
        );
  return scoreHealth([...base.checks, snapshot, storage]);
}

async function outcome<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error: toErrorData(error) };
  }
}

function describe(
  p: NonNullable<MigrateOptions['onProgress']> extends (x: infer P) => void ? P : never,
): string {
  if (p.phase === 'migration') return `migration ${p.id} (${p.index}/${p.total})`;
  if (p.phase === 'schema') return `${p.kind} ${p.object} (${p.step}/${p.total})`;
  return 'checking the result';
}

function fraction(p: Parameters<NonNullable<MigrateOptions['onProgress']>>[0]): { fraction?: number } {
  if (p.phase === 'migration') return { fraction: p.index / p.total };
  if (p.phase === 'schema') return { fraction: p.step / p.total };
  return {};
}
