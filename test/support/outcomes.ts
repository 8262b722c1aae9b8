/** How a step ended, as the suites compare it: an error's code, and a digest of the database bytes. */
import { createHash } from 'node:crypto';
import { isMoltError } from '../../src/engine/index.ts';

/**
 * The code of the MoltError `run` throws, 'no error' when it returns, or a description of anything else.
 * @example
 * expect(codeOf(() => applyPlan(conn, plan))).toBe('blocked');
 */
export function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return isMoltError(error) ? error.code : `not a MoltError: ${String(error)}`;
  }
  return 'no error';
}

/** SHA-256 of bytes as hex: equal digests, identical databases. */
export function hashBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
