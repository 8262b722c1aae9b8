/**
 * Errors on the main thread: the worker sends `{ code, message, details }` and the client throws a
 * `MoltError` with that code (a class never survives the worker boundary, data does).
 */
import { fromErrorData, MoltError } from '../engine/errors.ts';
import type { Outcome } from '../worker/protocol.ts';

export { type ErrorCode, type ErrorData, isMoltError, MoltError } from '../engine/errors.ts';

/** The value of an outcome, or its error thrown as a MoltError. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw fromErrorData(outcome.error);
}

/** Anything that is not a MoltError (a dead worker, a cloning failure) as one. */
export function asMoltError(error: unknown): MoltError {
  if (error instanceof MoltError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new MoltError('internal', message);
}
