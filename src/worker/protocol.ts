/**
 * What crosses between the main thread and the worker. Read this file first: every method of the
 * service, its arguments and its results are here. Results come wrapped in `Outcome` because Comlink
 * keeps only name, message and stack of a thrown Error; the client turns `{ ok: false }` back into a
 * `MoltError` with its `code`.
 */
import type { ErrorData } from '../engine/errors.ts';
import type { HealthReport } from '../engine/health.ts';
import type { MigrateReport } from '../engine/migrate.ts';
import type { PlanOptions } from '../engine/plan.ts';
import type { Plan } from '../engine/plan-types.ts';
import type { Row, SqlValue } from '../sqlite/port.ts';
import type { SkippedSnapshot, SnapshotInfo, SnapshotListEntry, VerifyResult } from '../storage/index.ts';
import type { Durability } from './durability.ts';

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ErrorData };

/** Phases of opening a database, in order; progress events and test hooks name them. */
export type StartupPhase =
  | 'lock'
  | 'load'
  | 'check'
  | 'pre-migrate-snapshot'
  | 'migrate'
  | 'save'
  | 'broadcast'
  | 'done';

export interface ProgressEvent {
  phase: StartupPhase | 'migration' | 'schema' | 'checks';
  message: string;
  /** 0–1 when known. */
  fraction?: number;
}

export interface OpenRequest {
  name: string;
  /** An id for the opener, echoed in the broadcasts its worker sends. */
  source?: string;
  /** How long to wait for another tab's startup migration. Default 10 s. */
  lockTimeoutMs?: number;
  /** When this opener's writes resolve (durability.ts). Default `commit`. */
  durability?: Durability;
  /** For `relaxed`: the longest a write stays unpersisted. Default 1 s. */
  relaxedDelayMs?: number;
}

/**
 * What the worker tells its page as it happens: whether something is unpersisted (so that `pagehide`
 * can give the persist time to finish, with `persistMs`, how long recent persists took), each persist,
 * each failed one (with the writes it carried, and the acknowledged ones lost). Only the owner's worker
 * persists.
 */
export type WorkerEvent =
  | { kind: 'pending'; pending: boolean; persistMs: number }
  | ({ kind: 'persisted' } & PersistedEvent)
  | { kind: 'persist-failed'; error: ErrorData; writes: number; lost: number };

/** One persist: the snapshot it made, how many writes it carried, what it wrote, how long it took. */
export interface PersistedEvent {
  snapshotId: string;
  generation: number;
  writes: number;
  bytesWritten: number;
  chunksWritten: number;
  ms: number;
}

/** The outcome of opening: what was loaded, what ran, what was saved. */
export interface StartupReport {
  /** `created`: a new database. `migrated`: changes ran and were saved. `up-to-date`: nothing to do. */
  status: 'created' | 'migrated' | 'up-to-date';
  name: string;
  /**
   * `owner`: this tab's worker holds the database. `follower`: another tab's worker does, and this
   * one forwards every call to it.
   */
  role: 'owner' | 'follower';
  /** The snapshot the database was loaded from (null for a new database). */
  loaded: SnapshotInfo | null;
  /** Snapshots skipped because they failed verification, newest first, with why. */
  skipped: SkippedSnapshot[];
  preMigrateSnapshot: string | null;
  /** The head saved after migrating. */
  saved: SnapshotInfo | null;
  migration: MigrateReport | null;
  timings: { lockMs: number; loadMs: number; migrateMs: number; saveMs: number; totalMs: number };
}

export interface ExecResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
  lastInsertRowid: number;
}

export interface Statement {
  sql: string;
  params?: SqlValue[];
}

export interface SaveReport {
  snapshot: SnapshotInfo;
  generation: number;
  bytesWritten: number;
  chunksWritten: number;
}

/** The service a worker exposes. Every method resolves to an Outcome. */
export interface MoltService {
  open(
    request: OpenRequest,
    onProgress?: (event: ProgressEvent) => void,
    onEvent?: (event: WorkerEvent) => void,
  ): Promise<Outcome<StartupReport>>;
  query(sql: string, params?: SqlValue[]): Promise<Outcome<Row[]>>;
  exec(sql: string, params?: SqlValue[]): Promise<Outcome<ExecResult>>;
  transaction(statements: Statement[]): Promise<Outcome<ExecResult[]>>;
  save(): Promise<Outcome<SaveReport>>;
  /** Persists whatever is not yet persisted (relaxed and manual writes), and waits for it. */
  flush(): Promise<Outcome<void>>;
  plan(schema?: string, options?: PlanOptions): Promise<Outcome<Plan>>;
  migrate(onProgress?: (event: ProgressEvent) => void): Promise<Outcome<MigrateReport>>;
  health(schema?: string): Promise<Outcome<HealthReport>>;
  listSnapshots(): Promise<Outcome<SnapshotListEntry[]>>;
  verifySnapshot(id: string): Promise<Outcome<VerifyResult>>;
  restoreSnapshot(id: string): Promise<Outcome<SnapshotInfo>>;
  exportSnapshot(id?: string): Promise<Outcome<Uint8Array>>;
  importDatabase(bytes: Uint8Array): Promise<Outcome<SnapshotInfo>>;
  close(): Promise<Outcome<void>>;
}

/** The message other tabs receive on BroadcastChannel `molt:<name>` after a migration or restore. */
export interface SchemaChangedMessage {
  type: 'schema-changed';
  /** The opener whose worker made the change. */
  source: string;
  name: string;
  generation: number;
  snapshotId: string;
  reason: 'migrate' | 'restore' | 'import';
}

/** The Web Lock and BroadcastChannel name for a database. */
export function channelName(name: string): string {
  return `molt:${name}`;
}
