/**
 * The engine's promise, on random schema pairs with random rows (test/support/random-migration.ts):
 *
 *   - an invalid desired schema makes planMigration throw `schema-invalid`, and planning never writes;
 *   - a plan with blockers cannot be applied (`blocked`) and the bytes stay as they were;
 *   - otherwise applyPlan either reaches the target — semantically the pristine desired schema, with
 *     nothing left to plan, every kept value intact (a type change may convert a value exactly as
 *     SQLite converts it on insert, and a new NOT NULL may fill a NULL with the default, but only where
 *     the plan warned), no value dropped unless allowDataLoss was given — or it throws and leaves the
 *     database byte-identical.
 *
 * 300 runs under CI, 60 locally; MOLT_PROPERTY_RUNS sets another count. A failure prints fast-check's
 * seed and the shrunk scenario as SQL; MOLT_PROPERTY_SEED=<seed> replays it, and MOLT_PROPERTY_SHRINK=0
 * reports the first failure as found (shrinking a long run can take many minutes).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { loadSqlJs, openSqlJs, type SqlJsConnection, type SqlJsStatic } from '../../src/sqlite/index.ts';
import { runScenario } from '../support/migration-check.ts';
import { Choices } from '../support/random-schema.ts';

const RUNS = Number(process.env.MOLT_PROPERTY_RUNS) || (process.env.CI === 'true' ? 300 : 60);
const SEED = process.env.MOLT_PROPERTY_SEED ? Number(process.env.MOLT_PROPERTY_SEED) : undefined;
const SHRINK = process.env.MOLT_PROPERTY_SHRINK !== '0';

describe('planMigration and applyPlan on random schema pairs', () => {
  let sqlite: SqlJsStatic;
  let probe: SqlJsConnection;
  const outcomes = new Map<string, number>();

  beforeAll(async () => {
    sqlite = await loadSqlJs();
    probe = openSqlJs(sqlite);
  });

  afterAll(() => {
    probe.close();
    const counts = [...outcomes].sort().map(([outcome, n]) => `${n} ${outcome}`);
    console.log(`migration property: ${RUNS} runs (and shrinks): ${counts.join(', ')}`);
  });

  it('blocks, or reaches the target with every kept value intact, or changes nothing', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 400, size: 'max' }), (stream) => {
        const outcome = runScenario(sqlite, probe, new Choices(stream));
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }),
      { numRuns: RUNS, endOnFailure: !SHRINK, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  }, 600_000);
});
