/**
 * Errors as a person reads them. Every failure the page can meet ends up here, so that the page never
 * goes blank or leaves the only trace in the console: a title that says what happened, a line that
 * says what to do, and the error's code for anyone reporting it.
 */
import { isMoltError } from '../client/index.ts';

export interface ErrorMessage {
  title: string;
  detail: string;
  code: string;
}

/**
 * Describes anything thrown.
 * @example
 * const { title, detail } = describeError(error);
 */
export function describeError(error: unknown): ErrorMessage {
  if (!isMoltError(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return { title: 'Something went wrong', detail: message, code: 'unexpected' };
  }
  const details = error.details as Record<string, unknown>;
  const text = (key: string) => (typeof details[key] === 'string' ? (details[key] as string) : '');
  const make = (title: string, detail: string) => ({ title, detail, code: error.code });
  switch (error.code) {
    case 'not-a-database':
      return make(
        'This file is not a SQLite database',
        'A SQLite database file starts with the words "SQLite format 3". Pick a .sqlite, .sqlite3 or .db file. Your current database was not changed.',
      );
    case 'corrupt-database':
      return make(
        'This SQLite file is damaged',
        `SQLite's own check found problems, so the file was not loaded: ${error.message}. Your current database was not changed.`,
      );
    case 'schema-invalid':
      return make(
        'The schema does not parse',
        text('sqliteMessage')
          ? `SQLite says "${text('sqliteMessage')}" in: ${oneLine(text('statement'))}`
          : error.message,
      );
    case 'blocked':
      return make(
        'The migration is blocked',
        'Some rows would be lost or would break a constraint. Nothing was changed: see the blockers in the plan.',
      );
    case 'locked':
      return make(
        'Another tab is busy with this database',
        'Another tab of the playground holds the database lock. Wait for it to finish, or close it, and try again.',
      );
    case 'stale-head':
      return make(
        'Another tab saved this database first',
        'The page reloaded the database; repeat the last action if it is still needed.',
      );
    case 'insecure-context':
      return make(
        'This page needs a secure context',
        'Web Locks and WebCrypto exist only over https or on localhost. Open the playground from https:// or http://localhost.',
      );
    case 'quota-exceeded':
      return make(
        'The browser has no storage left for this site',
        'Free some space (delete old snapshots or other site data) and try again. The saved database was not changed.',
      );
    case 'corrupt-snapshot':
      return make('A snapshot failed its checksum', error.message);
    case 'plan-did-not-converge':
      return make(
        'molt stopped before changing anything',
        'The result of the plan did not match the target schema, so the transaction was rolled back. This is a bug in molt worth reporting, with both schemas (use "Copy link").',
      );
    case 'constraint-violation':
    case 'foreign-key-violation':
      return make('The change would break a constraint', `${error.message}. Nothing was changed.`);
    case 'sqlite-error':
      return make(
        'SQLite could not run this',
        text('statement')
          ? `SQLite says "${error.message}" at line ${error.details.line}, in: ${oneLine(text('statement'))}`
          : error.message,
      );
    default:
      return make('Something went wrong', error.message);
  }
}

function oneLine(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 157)}…` : flat;
}
