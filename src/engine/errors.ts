/**
 * Every error molt reports has a `code` from this union, a message for people and plain `details` for
 * programs. Expected problems travel as data (a plan's blockers, a run's report); `MoltError` is thrown
 * at API edges and rebuilt on the main thread from `{ code, message, details }`.
 */
export type ErrorCode =
  | 'schema-invalid'
  | 'blocked'
  | 'plan-stale'
  | 'plan-did-not-converge'
  | 'foreign-key-violation'
  | 'constraint-violation'
  | 'transaction-open'
  | 'checksum-mismatch'
  | 'out-of-order'
  | 'unknown-migration'
  | 'database-from-future'
  | 'migration-failed'
  | 'corrupt-snapshot'
  | 'corrupt-database'
  | 'not-a-database'
  | 'snapshot-not-found'
  | 'stale-head'
  | 'quota-exceeded'
  | 'storage-error'
  | 'locked'
  | 'owner-changed'
  | 'read-only'
  | 'sqlite-unavailable'
  | 'insecure-context'
  | 'wasm-load-failed'
  | 'worker-unresponsive'
  | 'closed'
  | 'invalid-argument'
  | 'file-not-found'
  | 'sqlite-error'
  | 'internal';

/** The serialisable form of an error, as it crosses a worker boundary or goes into JSON output. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * An error with a stable `code`. Tests and callers check the code, never the message.
 * @example
 * try { applyPlan(conn, plan); } catch (e) { if (isMoltError(e, 'blocked')) console.log(e.details); }
 */
export class MoltError extends Error {
  override readonly name = 'MoltError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }

  toJSON(): ErrorData {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** True when `error` is a MoltError (optionally with the given code), across realms too. */
export function isMoltError(error: unknown, code?: ErrorCode): error is MoltError {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { name?: unknown; code?: unknown };
  if (candidate.name !== 'MoltError' || typeof candidate.code !== 'string') return false;
  return code === undefined || candidate.code === code;
}

/** Turns anything thrown into error data; SQLite's errors become `sqlite-error` with the statement. */
export function toErrorData(error: unknown): ErrorData {
  if (isMoltError(error)) return { code: error.code, message: error.message, details: error.details };
  if (error instanceof Error) {
    const sql = (error as { sql?: unknown }).sql;
    if (error.name === 'SqliteError') {
      return {
        code: 'sqlite-error',
        message: error.message,
        details: typeof sql === 'string' ? { sql } : {},
      };
    }
    return { code: 'internal', message: error.message, details: {} };
  }
  return { code: 'internal', message: String(error), details: {} };
}

/** Rebuilds a MoltError from its data (the inverse of `toJSON`). */
export function fromErrorData(data: ErrorData): MoltError {
  return new MoltError(data.code, data.message, data.details ?? {});
}
