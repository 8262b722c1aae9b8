/**
 * The desired schema: SQL text loaded into a scratch database, so that SQLite itself is the parser,
 * plus the rename hints written in its comments (`-- @renamed from=old`, `/* @renamed from=old *\/`).
 */
import type { SqliteConnection } from '../sqlite/port.ts';
import { MoltError } from './errors.ts';
import { parseRenameHints } from './hints.ts';
import { type InspectOptions, inspectSchema } from './inspect.ts';
import { closingParen, nameTokenIndex } from './parse.ts';
import { checkDuplicates, describeStatement, mergeSchema, selectStatements } from './reuse.ts';
import { MOLT_TABLE_PREFIX, type Schema } from './schema.ts';
import { openScratch } from './simulate.ts';
import { foldName, identifierName, isWord, type ScriptStatement, splitScript, type Token } from './tokens.ts';

/** Renames declared by the caller or by hints: old name → new name. */
export interface Renames {
  /** `{ old_table: 'new_table' }` */
  tables?: Record<string, string>;
  /** `{ 'table.old_column': 'new_column' }`; the table may be named by its old or new name. */
  columns?: Record<string, string>;
  /** `{ old_index: 'new_index' }` */
  indexes?: Record<string, string>;
}

export interface DesiredSchema {
  schema: Schema;
  /** Renames found in the schema's comments. */
  hints: Required<Renames>;
  /** Hints written with the deprecated `@rename` spelling. */
  deprecatedHints: number;
}

const IGNORED = /^(begin|commit|end|pragma)$/i;

/**
 * Loads `sql` into a scratch database and inspects it. Statements are retried in later passes when
 * they depend on objects defined further down, so the order of the file does not matter.
 * @example
 * const desired = loadDesiredSchema(conn, 'CREATE TABLE t (id INTEGER PRIMARY KEY);');
 */
export function loadDesiredSchema(
  conn: SqliteConnection,
  sql: string,
  options: InspectOptions = {},
): DesiredSchema {
  const statements = splitScript(sql).filter((s) => !IGNORED.test(firstCode(s)) && !internalObject(s));
  for (const statement of statements) checkStatement(statement);
  const described = statements.map(describeStatement);
  checkDuplicates(described);
  const { run, reused } = selectStatements(described, options.known);
  const scratch = openScratch(conn);
  try {
    loadStatements(
      scratch,
      run.map((d) => d.statement.text),
    );
    for (const statement of statements) checkDeterministic(statement);
    checkForeignKeyTargets(scratch);
    const hints = parseRenameHints(statements);
    return {
      schema: mergeSchema(described, inspectSchema(scratch, options), reused),
      hints: hints.renames,
      deprecatedHints: hints.deprecated,
    };
  } finally {
    scratch.close();
  }
}

/**
 * Runs the statements in one go; when that fails, one by one in passes, retrying the failures after
 * each pass until nothing more succeeds (a view above its table, say). What still fails is invalid.
 */
function loadStatements(scratch: SqliteConnection, statements: string[]): void {
  scratch.exec('SAVEPOINT load');
  try {
    // A newline before each semicolon, so a trailing -- comment cannot swallow it.
    scratch.exec(statements.join('\n;\n'));
    return;
  } catch {
    scratch.exec('ROLLBACK TO load');
  }
  let pending = statements;
  let failures: { statement: string; message: string }[] = [];
  while (pending.length > 0) {
    failures = [];
    for (const statement of pending) {
      try {
        scratch.exec(statement);
      } catch (error) {
        failures.push({ statement, message: error instanceof Error ? error.message : String(error) });
      }
    }
    if (failures.length === pending.length) break;
    pending = failures.map((f) => f.statement);
  }
  const first = failures[0];
  if (first) {
    throw new MoltError('schema-invalid', `${first.message} in: ${abbreviate(first.statement)}`, {
      statement: first.statement,
      sqliteMessage: first.message,
    });
  }
}

function firstCode(statement: ScriptStatement): string {
  return statement.tokens.find((t) => t.kind !== 'comment')?.text ?? '';
}

/**
 * `sqlite3 .schema` and Rails' structure.sql list SQLite's own tables (sqlite_sequence, sqlite_stat1);
 * SQLite creates those itself, so a schema may mention them and molt skips them.
 */
function internalObject({ tokens: all }: ScriptStatement): boolean {
  const tokens = all.filter((t) => t.kind !== 'comment');
  if (!isWord(tokens[0], 'create')) return false;
  const name = tokens[nameTokenIndex(tokens)];
  return name !== undefined && /^sqlite_(sequence|stat\d)$/i.test(identifierName(name));
}

/**
 * A foreign key must point at a PRIMARY KEY or UNIQUE column set (sqlite.org/foreignkeys.html#fk_indexes):
 * SQLite accepts the CREATE, then fails every write to the child with "foreign key mismatch". The
 * scratch tables are empty, so asking SQLite to check them costs nothing and finds exactly that.
 */
function checkForeignKeyTargets(scratch: SqliteConnection): void {
  try {
    scratch.query('PRAGMA foreign_key_check');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new MoltError(
      'schema-invalid',
      `${message}: a foreign key must reference a PRIMARY KEY or UNIQUE column`,
      {
        sqliteMessage: message,
      },
    );
  }
}

function checkStatement({ text: statement, tokens: all }: ScriptStatement): void {
  const tokens = all.filter((t) => t.kind !== 'comment');
  if (!isWord(tokens[0], 'create')) {
    throw new MoltError(
      'schema-invalid',
      `only CREATE statements belong in a schema: ${abbreviate(statement)}`,
      {
        statement,
      },
    );
  }
  if (isWord(tokens[1], 'temp') || isWord(tokens[1], 'temporary')) {
    throw new MoltError(
      'schema-invalid',
      `TEMP objects do not belong in a schema: ${abbreviate(statement)}`,
      {
        statement,
      },
    );
  }
  const name = tokens[nameTokenIndex(tokens)];
  if (name && foldName(identifierName(name)).startsWith(MOLT_TABLE_PREFIX)) {
    throw new MoltError('schema-invalid', `names starting with ${MOLT_TABLE_PREFIX} are reserved for molt`, {
      statement,
    });
  }
}

function abbreviate(statement: string): string {
  const flat = statement.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}

const ALWAYS_RANDOM = new Set(['random', 'randomblob', 'changes', 'total_changes', 'last_insert_rowid']);
const CLOCK = new Set([
  'date',
  'time',
  'datetime',
  'julianday',
  'unixepoch',
  'strftime',
  'timediff',
  'current_date',
  'current_time',
  'current_timestamp',
]);

/**
 * SQLite accepts a non-deterministic function in a CHECK, a generated column or an index at CREATE
 * time but refuses it at the first row it evaluates (sqlite.org/deterministic.html): for a table that
 * already has rows, that is in the middle of the migration. Refuse such a schema up front. DEFAULT
 * expressions may be non-deterministic, so they are not looked at.
 */
function checkDeterministic({ text, tokens: all }: ScriptStatement): void {
  const tokens = all.filter((t) => t.kind !== 'comment');
  const head = tokens.slice(0, 4);
  const isIndex = head.some((t) => isWord(t, 'index'));
  const isTable = head.some((t) => isWord(t, 'table')) && !head.some((t) => isWord(t, 'virtual'));
  if (!isIndex && !isTable) return;
  const spans: Token[][] = [];
  if (isIndex) spans.push(tokens.slice(nameTokenIndex(tokens) + 1));
  else {
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if ((isWord(t, 'check') || isWord(t, 'as')) && tokens[i + 1]?.text === '(') {
        const close = closingParen(tokens, i + 1);
        spans.push(tokens.slice(i + 2, close));
        i = close;
      }
    }
  }
  for (const span of spans) {
    const bad = nonDeterministicCall(span);
    if (bad) {
      throw new MoltError(
        'schema-invalid',
        `${bad}() is not deterministic, so SQLite refuses it in a CHECK, a generated column or an index: ${abbreviate(text)}`,
        { statement: text, function: bad },
      );
    }
  }
}

function nonDeterministicCall(tokens: Token[]): string | null {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'word') continue;
    const name = foldName(t.text);
    if (name.startsWith('current_') && CLOCK.has(name)) return name;
    if (tokens[i + 1]?.text !== '(') continue;
    if (ALWAYS_RANDOM.has(name)) return name;
    if (CLOCK.has(name)) {
      const args = tokens.slice(i + 2, closingParen(tokens, i + 1));
      if (args.length === 0 || args.some((a) => a.kind === 'string' && /^'now'$/i.test(a.text))) return name;
    }
  }
  return null;
}
