/**
 * The database as its owner holds it: the engine (live connection and durable head), the durability
 * policy over it, and every call a tab can make, run here. Composes the engine (plans, migrations,
 * health) with the snapshot store, as DESIGN's worker does; only the owner of a database has one.
 */
import { hashSchema } from '../engine/canonical.ts';
import { MoltError, toErrorData } from '../engine/errors.ts';
import { type HealthReport, health, healthCheck, scoreHealth } from '../engine/health.ts';
import { inspectSchema } from '../engine/inspect.ts';
import { checkMigration, type MigrateOptions, type MigrateReport, migrate } from '../engine/migrate.ts';
import { planMigration } from '../engine/plan.ts';
import type { SqliteConnection, SqlValue } from '../sqlite/port.ts';
import type { RetentionPolicy, SnapshotInfo, SnapshotStore } from '../storage/index.ts';
import type { AppContext } from './app.ts';
import { runOnce } from './call-records.ts';
import type { CallMethod, CallResults, DatabaseCall } from './calls.ts';
import { createDurableWriter, type WriterEvent, type Written } from './durability.ts';
import type { DatabaseEngine, EngineLoad, OpenEngine } from './engine.ts';
import type {
  ExecResult,
  Outcome,
  ProgressEvent,
  SchemaChangedMessage,
  StartupPhase,
  Statement,
} from './protocol.ts';
import { channelName } from './protocol.ts';

/** What opening a local database needs from the service. */
export interface LocalDatabaseDeps {
  name: string;
  openEngine: OpenEngine;
  foreignKeys: boolean;
  appVersion?: string;
  snapshots?: RetentionPolicy;
  broadcast: (channel: string, message: SchemaChangedMessage) => void;
  onWriterEvent?: (event: WriterEvent) => void;
  onPhase?: (phase: StartupPhase) => void | Promise<void>;
}

/** A startup (or `migrate()`) run: what was checked, snapshotted, applied and saved. */
export interface MigrationRun {
  report: MigrateReport;
  pre: string | null;
  saved: SnapshotInfo | null;
  timings: { migrateMs: number; saveMs: number };
}

export interface LocalDatabase {
  /** What opening loaded. */
  readonly load: EngineLoad;
  /** Runs a call against the live database, with `app` as the caller's declarations. */
  run<M extends CallMethod>(call: DatabaseCall<M>, app: AppContext): Promise<Outcome<CallResults[M]>>;
  /** Pending versioned migrations and schema convergence, as at startup (the caller holds the lock). */
  migrate(
    app: AppContext,
    source: string,
    onProgress?: (event: ProgressEvent) => void,
  ): Promise<MigrationRun>;
  /** True while a write is not yet persisted or a persist runs. */
  readonly pending: boolean;
  /** Persists what is pending and closes; throws when that persist fails (the data is then lost). */
  close(): Promise<void>;
}

/** After a persist, retention and garbage collection run once the writer has been idle this long. */
const TIDY_DELAY_MS = 2000;

/**
 * Opens the database (loading its head) under the durability writer.
 * @example
 * const db = await openLocalDatabase({ name: 'notes', openEngine, foreignKeys: true, broadcast });
 */
export async function openLocalDatabase(deps: LocalDatabaseDeps): Promise<LocalDatabase> {
  const describe = describer(deps.appVersion);
  const { engine, load } = await deps.openEngine(deps.name, {
    configure: (conn) => {
      if (deps.foreignKeys) conn.exec('PRAGMA foreign_keys = ON');
    },
    describe,
  });
  let tidyTimer: ReturnType<typeof setTimeout> | undefined;
  const tidyLater = () => {
    clearTimeout(tidyTimer);
    tidyTimer = setTimeout(() => {
      if (writer.pending) return tidyLater();
      void tidy(engine.store, deps.snapshots);
    }, TIDY_DELAY_MS);
  };
  let hasHead = load.loaded !== null;
  const target = {
    persist: () => engine.persist(),
    revert: () => engine.revert(),
    reload: () => engine.reload(),
    // The app's own BEGIN … COMMIT across calls: nothing is persisted half-way through it.
    busy: () => inTransaction(engine.conn),
  };
  const writer = createDurableWriter(target, (event) => {
    if (event.kind === 'persisted') {
      hasHead = true;
      tidyLater();
    }
    deps.onWriterEvent?.(event);
  });
  const announce = (
    source: string,
    generation: number,
    snapshotId: string,
    reason: 'migrate' | 'restore' | 'import',
  ) =>
    deps.broadcast(channelName(deps.name), {
      type: 'schema-changed',
      source,
      name: deps.name,
      generation,
      snapshotId,
      reason,
    });
  const phase = async (name: StartupPhase, onProgress?: (e: ProgressEvent) => void) => {
    onProgress?.({ phase: name, message: name });
    await deps.onPhase?.(name);
  };

  const handlers: { [M in CallMethod]: (call: DatabaseCall<M>, app: AppContext) => Promise<CallResults[M]> } =
    {
      query: (call) => write(call, (conn) => readOrWrite(conn, ...call.args)),
      exec: (call) => write(call, (conn) => execute(conn, ...call.args)),
      transaction: (call) => write(call, (conn) => transaction(conn, call.args[0])),
      save: async () => {
        const saved = await writer.save();
        await tidy(engine.store, deps.snapshots);
        return saved;
      },
      flush: () => writer.flush().then(() => undefined),
      plan: async (call, app) => {
        const [schema, options = {}] = call.args;
        const sql = schema ?? app.schema;
        if (sql === undefined) throw new MoltError('invalid-argument', 'no schema to plan against');
        const renames = options.renames ?? app.renames;
        return planMigration(engine.conn, sql, {
          allowDataLoss: options.allowDataLoss ?? app.allowDataLoss,
          ...(renames ? { renames } : {}),
        });
      },
      health: (call, app) => {
        const [schema] = call.args;
        return fullHealth(engine, { ...app, ...(schema === undefined ? {} : { schema }) });
      },
      check: async (_call, app) => ({
        report: checkMigration(engine.conn, migrateOptions(app)),
        head: (await engine.store.listSnapshots()).find((s) => s.isHead) ?? null,
      }),
      listSnapshots: () => engine.store.listSnapshots(),
      verifySnapshot: (call) => engine.store.verifySnapshot(call.args[0]),
      restoreSnapshot: (call) =>
        writer.exclusive(async () => {
          const restored = await engine.restore(call.args[0]);
          hasHead = true;
          announce(call.source, restored.generation, restored.id, 'restore');
          return restored;
        }),
      exportSnapshot: async (call) => {
        const [id] = call.args;
        return id === undefined ? engine.exportLive() : (await engine.store.loadSnapshot(id)).bytes;
      },
      importDatabase: (call) =>
        writer.exclusive(async () => {
          const saved = await engine.importBytes(call.args[0]);
          hasHead = true;
          announce(call.source, saved.generation, saved.snapshot.id, 'import');
          return saved.snapshot;
        }),
    };

  /** A write through the durability writer; forwarded calls run at most once (call-records.ts). */
  async function write<T>(call: DatabaseCall, run: (conn: SqliteConnection) => Written<T>): Promise<T> {
    const once = (): Written<T> => {
      const written = call.id ? runOnce(engine.conn, call.id, () => run(engine.conn)) : run(engine.conn);
      return written.changed && inTransaction(engine.conn)
        ? { ...written, insideTransaction: true }
        : written;
    };
    const outcome = await writer.write(once, {
      durability: call.durability,
      ...(call.delayMs === undefined ? {} : { delayMs: call.delayMs }),
    });
    if (!outcome.ok) throw new MoltError(outcome.error.code, outcome.error.message, outcome.error.details);
    return outcome.value;
  }

  return {
    load,
    run: (call, app) => outcome(() => handlers[call.method](call as never, app)) as never,
    async migrate(app, source, onProgress) {
      return writer.exclusive(async () => {
        const timings = { migrateMs: 0, saveMs: 0 };
        await phase('check', onProgress);
        const check = checkMigration(engine.conn, migrateOptions(app, onProgress));
        if (check.status !== 'pending') return { report: check, pre: null, saved: null, timings };
        await phase('pre-migrate-snapshot', onProgress);
        const pre = hasHead ? (await engine.snapshotHead('pre-migrate')).snapshot.id : null;
        await phase('migrate', onProgress);
        let started = performance.now();
        const report = migrate(engine.conn, { ...migrateOptions(app, onProgress, pre), plan: check.plan });
        timings.migrateMs = performance.now() - started;
        if (report.status !== 'applied') return { report, pre, saved: null, timings };
        await phase('save', onProgress);
        started = performance.now();
        const saved = await engine.persist();
        hasHead = true;
        timings.saveMs = performance.now() - started;
        await phase('broadcast', onProgress);
        announce(source, saved.generation, saved.snapshot.id, 'migrate');
        await tidy(engine.store, deps.snapshots);
        return { report, pre, saved: saved.snapshot, timings };
      });
    },
    get pending() {
      return writer.pending;
    },
    async close() {
      clearTimeout(tidyTimer);
      try {
        await writer.close();
      } finally {
        await engine.close();
      }
    },
  };
}

function migrateOptions(
  app: AppContext,
  onProgress?: (e: ProgressEvent) => void,
  snapshotId?: string | null,
): MigrateOptions {
  return {
    migrations: app.migrations,
    ...(app.schema === undefined ? {} : { schema: app.schema }),
    allowDataLoss: app.allowDataLoss,
    ...(app.renames ? { renames: app.renames } : {}),
    snapshotId: snapshotId ?? null,
    onProgress: (p) => onProgress?.({ phase: p.phase, message: describeProgress(p), ...fraction(p) }),
  };
}

/**
 * The manifest fields of a snapshot. The schema hash is kept per connection and schema version: a
 * persist after an ordinary write does not inspect the schema again.
 */
function describer(appVersion: string | undefined) {
  const cache = new WeakMap<SqliteConnection, { version: number; hash: string }>();
  return (conn: SqliteConnection) => {
    const version = Number(conn.query('PRAGMA schema_version')[0]?.schema_version ?? 0);
    let known = cache.get(conn);
    if (known?.version !== version) {
      known = { version, hash: hashSchema(inspectSchema(conn)) };
      cache.set(conn, known);
    }
    return { schemaHash: known.hash, ...(appVersion ? { appVersion } : {}) };
  };
}

/** Retention, then the chunks no snapshot needs any more; best effort (a failure keeps extra data). */
async function tidy(store: SnapshotStore, policy: RetentionPolicy | undefined): Promise<void> {
  try {
    await store.prune(policy);
    await store.collectGarbage();
  } catch {
    // Keeping a snapshot too many is harmless; the next tidy tries again.
  }
}

/** What identifies a change: rows changed through this connection, and the schema's version. */
function changeStamp(conn: SqliteConnection): { changes: number; stamp: string } {
  const row = conn.query(
    'SELECT total_changes() AS n, (SELECT schema_version FROM pragma_schema_version) AS v',
  )[0];
  return { changes: Number(row?.n), stamp: `${row?.n}:${row?.v}` };
}

/**
 * Whether the connection is inside a transaction the app opened with `BEGIN` (a deferred BEGIN and
 * COMMIT with nothing between them take no lock and change nothing).
 */
export function inTransaction(conn: SqliteConnection): boolean {
  try {
    conn.exec('BEGIN');
  } catch {
    return true;
  }
  conn.exec('COMMIT');
  return false;
}

function failed(error: unknown): Outcome<never> {
  return { ok: false, error: toErrorData(error) };
}

function execute(conn: SqliteConnection, sql: string, params?: readonly SqlValue[]): Written<ExecResult> {
  const before = changeStamp(conn);
  try {
    conn.exec(sql, params);
  } catch (error) {
    // A statement that failed may follow others that ran (several statements in one exec).
    return { outcome: failed(error), changed: changeStamp(conn).stamp !== before.stamp };
  }
  const row = conn.query('SELECT total_changes() AS n, last_insert_rowid() AS id')[0]!;
  const value = { changes: Number(row.n) - before.changes, lastInsertRowid: Number(row.id) };
  return { outcome: { ok: true, value }, changed: true };
}

/** A query, which may write (`INSERT … RETURNING`): then it is a write like any other. */
function readOrWrite(
  conn: SqliteConnection,
  sql: string,
  params?: readonly SqlValue[],
): Written<CallResults['query']> {
  const before = changeStamp(conn).stamp;
  let outcome: Outcome<CallResults['query']>;
  try {
    outcome = { ok: true, value: conn.query(sql, params) };
  } catch (error) {
    outcome = failed(error);
  }
  return { outcome, changed: changeStamp(conn).stamp !== before };
}

function transaction(conn: SqliteConnection, statements: Statement[]): Written<ExecResult[]> {
  try {
    conn.exec('BEGIN IMMEDIATE');
  } catch (error) {
    return { outcome: failed(error), changed: false };
  }
  const results: ExecResult[] = [];
  for (const [index, statement] of statements.entries()) {
    const done = execute(conn, statement.sql, statement.params);
    if (!done.outcome.ok) {
      conn.exec('ROLLBACK');
      // Which statement failed, for the caller to point at.
      const { code, message, details } = done.outcome.error;
      const error = { code, message, details: { ...details, statementIndex: index } };
      return { outcome: { ok: false, error }, changed: false };
    }
    results.push(done.outcome.value);
  }
  try {
    conn.exec('COMMIT');
  } catch (error) {
    conn.exec('ROLLBACK');
    return { outcome: failed(error), changed: false };
  }
  return { outcome: { ok: true, value: results }, changed: true };
}

async function fullHealth(engine: DatabaseEngine, app: AppContext): Promise<HealthReport> {
  const base = health(engine.conn, {
    ...(app.schema === undefined ? {} : { schema: app.schema }),
    migrations: app.migrations,
  });
  const store = engine.store;
  const snapshots = await store.listSnapshots();
  const newest = snapshots[0];
  const snapshot = !newest
    ? healthCheck('snapshot', 'warn', 'no snapshot saved yet')
    : (await store.verifySnapshot(newest.id)).kind === 'verified'
      ? healthCheck('snapshot', 'pass', `newest snapshot ${newest.id} verifies`, {
          id: newest.id,
          createdAt: newest.createdAt,
        })
      : healthCheck('snapshot', 'fail', `newest snapshot ${newest.id} fails verification`, { id: newest.id });
  const usage = await store.usage();
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

type MigrateProgress = Parameters<NonNullable<MigrateOptions['onProgress']>>[0];

function describeProgress(p: MigrateProgress): string {
  if (p.phase === 'migration') return `migration ${p.id} (${p.index}/${p.total})`;
  if (p.phase === 'schema') return `${p.kind} ${p.object} (${p.step}/${p.total})`;
  return 'checking the result';
}

function fraction(p: MigrateProgress): { fraction?: number } {
  if (p.phase === 'migration') return { fraction: p.index / p.total };
  if (p.phase === 'schema') return { fraction: p.step / p.total };
  return {};
}
