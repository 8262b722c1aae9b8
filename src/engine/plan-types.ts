/**
 * A plan is plain, serialisable data: what the database is now (a hash), what it will be, every step
 * with its SQL and reason, and the problems found in the real rows.
 */
import type { Statement } from './simulate.ts';

export type StepKind =
  | 'drop-trigger'
  | 'drop-view'
  | 'drop-index'
  | 'drop-table'
  | 'rename-table'
  | 'rename-column'
  | 'create-table'
  | 'add-column'
  | 'drop-column'
  | 'alter-column'
  | 'rebuild-table'
  | 'create-index'
  | 'create-view'
  | 'create-trigger'
  | 'rebuild-fts-index';

/** How much a step can hurt: shown at a glance in the playground and the CLI. */
export type Risk = 'safe' | 'rebuild' | 'data-loss';

export interface Step {
  kind: StepKind;
  /** The object the step acts on (its name after the step). */
  object: string;
  /** The table the object belongs to, for indexes, triggers and columns. */
  table?: string;
  reason: string;
  risk: Risk;
  statements: Statement[];
  /** For renames: the name before the step. */
  from?: string;
}

export type BlockerKind =
  | 'data-loss'
  | 'possible-rename'
  | 'not-null-violation'
  | 'check-violation'
  | 'unique-violation'
  | 'foreign-key-violation'
  | 'type-mismatch';

/** Something in the real rows that stops the plan; `count` is exact. */
export interface Blocker {
  kind: BlockerKind;
  object: string;
  message: string;
  count: number;
  /** A few of the rows concerned (their rowid or key), to find them. */
  rows?: unknown[];
  /** What to write in the schema to resolve it, when there is such a thing. */
  hint?: string;
}

export type WarningKind =
  | 'data-loss-allowed'
  | 'fill-default'
  | 'type-change'
  | 'possible-rename'
  | 'unused-rename'
  | 'deprecated-hint';

export interface Warning {
  kind: WarningKind;
  object: string;
  message: string;
  count?: number;
}

export interface Plan {
  version: 1;
  /** Hash of the schema the plan starts from; applying checks it. */
  fromHash: string;
  /** Hash of the pristine target schema; applying verifies the result against it. */
  toHash: string;
  sqliteVersion: string;
  steps: Step[];
  warnings: Warning[];
  blockers: Blocker[];
  /** Tables whose rows are copied by a rebuild. */
  rebuilds: string[];
  /** Tables whose foreign keys must be checked after the steps. */
  foreignKeyCheck: string[];
}
