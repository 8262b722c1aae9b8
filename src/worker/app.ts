/**
 * What an app declares in its worker (schema, migrations, data-loss policy, renames), in a form that can
 * cross to another tab's worker. Plans, health and the startup check of a tab run in the owner's
 * worker, which may hold a different version of the app: they are made against the caller's
 * declarations, not the owner's. Function migrations cannot be sent; they cross as stand-ins that carry
 * their id and checksum (enough to compare with the ledger) and cannot run.
 */
import type { Renames } from '../engine/desired.ts';
import { MoltError } from '../engine/errors.ts';
import type { Migration } from '../engine/ledger.ts';

/** An app's declarations, ready to use. */
export interface AppContext {
  schema?: string;
  migrations: Migration[];
  allowDataLoss: boolean;
  renames?: Renames;
}

/** The same, as plain data. */
export interface AppDescription {
  schema?: string;
  /** `source` is the SQL, or a function's source text: what the checksum is taken of. */
  migrations: { id: string; kind: 'sql' | 'function'; source: string }[];
  allowDataLoss: boolean;
  renames?: Renames;
}

/**
 * The plain-data form of an app's declarations.
 * @example
 * const description = describeApp({ schema, migrations, allowDataLoss: false });
 */
export function describeApp(app: AppContext): AppDescription {
  return {
    ...(app.schema === undefined ? {} : { schema: app.schema }),
    migrations: app.migrations.map((m) =>
      typeof m.up === 'string'
        ? { id: m.id, kind: 'sql' as const, source: m.up }
        : { id: m.id, kind: 'function' as const, source: m.up.toString() },
    ),
    allowDataLoss: app.allowDataLoss,
    ...(app.renames ? { renames: app.renames } : {}),
  };
}

/**
 * Declarations received from another worker. SQL migrations are whole; a function migration becomes a
 * stand-in with the same checksum and kind, which throws if anything tries to run it.
 * @example
 * const app = appFromDescription(description);
 * checkMigration(conn, { ...app });
 */
export function appFromDescription(description: AppDescription): AppContext {
  return {
    ...(description.schema === undefined ? {} : { schema: description.schema }),
    migrations: description.migrations.map((m) => ({
      id: m.id,
      up: m.kind === 'sql' ? m.source : standIn(m.id, m.source),
    })),
    allowDataLoss: description.allowDataLoss,
    ...(description.renames ? { renames: description.renames } : {}),
  };
}

function standIn(id: string, source: string): Migration['up'] {
  const up = () => {
    throw new MoltError('internal', `migration ${id} lives in another tab's worker and cannot run here`);
  };
  // The ledger's checksum of a function migration is taken of its source text.
  up.toString = () => source;
  return up;
}
