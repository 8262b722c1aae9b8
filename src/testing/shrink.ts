/**
 * Shrinking a failure: the same release, rebuilt and refilled with fewer and fewer of its generated
 * rows (and, when neither side has versioned migrations, fewer tables), as long as the upgrade still
 * shows the same problem. What is left is small enough to read: the rows as INSERT statements and
 * the two schemas.
 */
import { mentionsAny, nameTokenIndex, quoteId } from '../engine/parse.ts';
import { codeTokens, foldName, identifierName, isWord, splitStatements } from '../engine/tokens.ts';
import type { SqliteConnection } from '../sqlite/port.ts';
import { fillDatabase } from './fill.ts';
import type { Problem, ReleaseContext } from './run.ts';
import { buildRelease, freshSchemaHash, schemaHints, upgrade } from './run.ts';
import { readValues } from './snapshot.ts';

/** The smallest reproduction found of a release's first problem. */
export interface Repro {
  /** The problem it shows, in one line. */
  problem: string;
  /** Rows left, in all. */
  rows: number;
  /** The INSERT statements of those rows, to run on the release's database. */
  inserts: string;
  /** The release's schema, with the tables the problem does not need taken out (when it has one). */
  releaseSchema: string | null;
  /** The current schema, likewise. */
  currentSchema: string | null;
  /** Whether tables were taken out of the schemas (only without versioned migrations). */
  schemaShrunk: boolean;
  /** How many reruns it took. */
  runs: number;
}

interface TableRows {
  name: string;
  columns: string[];
  rows: string[][];
}

interface Candidate {
  tables: TableRows[];
  releaseSchema: string | undefined;
  currentSchema: string | undefined;
}

/**
 * Finds the fewest rows (and tables) that still show `problem`, within `maxRuns` reruns. Returns null
 * when even the full set no longer shows it.
 * @example
 * const repro = shrinkFailure(context, report.problems[0], { maxRuns: 200, rows: 100, seed: '1' });
 */
export function shrinkFailure(
  context: ReleaseContext,
  problem: Problem,
  options: { maxRuns: number; rows: number; seed: string },
): Repro | null {
  const target = signature(problem);
  let runs = 0;
  const fails = (candidate: Candidate): boolean => {
    if (runs >= options.maxRuns) return false;
    runs++;
    return reproduces(context, candidate, target);
  };
  let best: Candidate = {
    tables: generatedRows(context, options),
    releaseSchema: context.release.schema,
    currentSchema: context.current.schema,
  };
  if (!fails(best)) return null;
  // Children usually come after their parents: emptying them first lets the parents go too.
  for (const table of [...best.tables].reverse()) {
    if (table.rows.length === 0) continue;
    const without = withRows(best, table.name, []);
    if (fails(without)) best = without;
  }
  for (const table of best.tables) best = shrinkTable(best, table.name, fails);
  const declarative = !(context.release.migrations?.length || context.current.migrations?.length);
  let schemaShrunk = false;
  if (declarative) {
    // Tables without rows left, then tables only the current schema has.
    const empty = best.tables.filter((t) => t.rows.length === 0).map((t) => t.name);
    const added = tablesOf(best.currentSchema).filter(
      (n) => !tablesOf(best.releaseSchema).some((r) => foldName(r) === foldName(n)),
    );
    for (const table of [...empty, ...added]) {
      const without = withoutTable(best, table);
      if (without && fails(without)) {
        best = without;
        schemaShrunk = true;
      }
    }
  }
  const kept = best.tables.filter((t) => t.rows.length > 0);
  return {
    problem: target,
    rows: kept.reduce((n, t) => n + t.rows.length, 0),
    inserts: kept.flatMap((t) => t.rows.map((r) => insertSql(t, r))).join('\n'),
    releaseSchema: best.releaseSchema ?? null,
    currentSchema: best.currentSchema ?? null,
    schemaShrunk,
    runs,
  };
}

/** One line naming a problem: what shrinking must keep seeing. */
export function signature(problem: Problem): string {
  switch (problem.kind) {
    case 'blocked':
      return `blocked: ${problem.blocker.kind} ${problem.blocker.object}`;
    case 'failed':
      return `failed: ${problem.error.code}`;
    case 'not-converged':
      return `not converged: ${problem.message}`;
    case 'table-dropped':
      return `table ${problem.table} dropped`;
    case 'column-dropped':
      return `column ${problem.table}.${problem.column} dropped`;
    case 'rows-lost':
      return `rows of ${problem.table} lost`;
    case 'value-changed':
      return `values of ${problem.table}.${problem.column} changed`;
    default: {
      const never: never = problem;
      return never;
    }
  }
}

/** The rows the run generated, regenerated from the same seed. */
function generatedRows(context: ReleaseContext, options: { rows: number; seed: string }): TableRows[] {
  const db = context.conn.openScratch();
  try {
    if (buildRelease(db, context)) return [];
    fillDatabase(db, { rows: options.rows, seed: `${options.seed}:${context.release.name}` });
    return [...readValues(db).values()].map((t) => ({
      name: t.name,
      columns: t.columns,
      rows: t.rows.map((r) => r.values),
    }));
  } finally {
    db.close();
  }
}

/** Removes chunks of a table's rows, halving the chunk size, while the problem stays. */
function shrinkTable(start: Candidate, name: string, fails: (c: Candidate) => boolean): Candidate {
  let best = start;
  const rowsOf = (c: Candidate) => c.tables.find((t) => t.name === name)!.rows;
  let chunk = Math.ceil(rowsOf(best).length / 2);
  while (chunk >= 1 && rowsOf(best).length > 0) {
    let at = 0;
    while (at < rowsOf(best).length) {
      const rows = rowsOf(best);
      const candidate = withRows(best, name, [...rows.slice(0, at), ...rows.slice(at + chunk)]);
      if (fails(candidate)) best = candidate;
      else at += chunk;
    }
    if (chunk === 1) break;
    chunk = Math.ceil(chunk / 2);
  }
  return best;
}

function withRows(candidate: Candidate, name: string, rows: string[][]): Candidate {
  return { ...candidate, tables: candidate.tables.map((t) => (t.name === name ? { ...t, rows } : t)) };
}

/**
 * The candidate without a table: its statements out of both schemas, with every statement that
 * mentions it, and those that mention what they defined (an index on a table that referenced it).
 */
function withoutTable(candidate: Candidate, name: string): Candidate | null {
  const strip = (sql: string | undefined) => {
    if (sql === undefined) return undefined;
    const names = new Set([foldName(name)]);
    let statements = splitStatements(sql);
    for (let size = -1; size !== statements.length; ) {
      size = statements.length;
      statements = statements.filter((s) => {
        if (!mentionsAny(s, names)) return true;
        const defined = definedName(s);
        if (defined) names.add(foldName(defined));
        return false;
      });
    }
    return statements.map((s) => `${s};`).join('\n');
  };
  const releaseSchema = strip(candidate.releaseSchema);
  const currentSchema = strip(candidate.currentSchema);
  if (releaseSchema === candidate.releaseSchema && currentSchema === candidate.currentSchema) return null;
  return { tables: candidate.tables.filter((t) => t.name !== name), releaseSchema, currentSchema };
}

/** The name a CREATE statement defines. */
function definedName(statement: string): string | null {
  const tokens = codeTokens(statement);
  if (!isWord(tokens[0], 'create')) return null;
  const token = tokens[nameTokenIndex(tokens)];
  return token ? identifierName(token) : null;
}

/** The tables a schema creates. */
function tablesOf(sql: string | undefined): string[] {
  if (sql === undefined) return [];
  return splitStatements(sql)
    .filter((s) => /^\s*create\s+(virtual\s+)?table\b/i.test(s))
    .map(definedName)
    .filter((n): n is string => n !== null);
}

function reproduces(context: ReleaseContext, candidate: Candidate, target: string): boolean {
  const db = context.conn.openScratch();
  try {
    const release = {
      ...context.release,
      ...(candidate.releaseSchema === undefined ? {} : { schema: candidate.releaseSchema }),
    };
    const current = {
      ...context.current,
      ...(candidate.currentSchema === undefined ? {} : { schema: candidate.currentSchema }),
    };
    const shrunk = candidate.currentSchema !== context.current.schema;
    const run: ReleaseContext = {
      ...context,
      release,
      current,
      ...(shrunk
        ? {
            schemaHash: freshSchemaHash(context.conn, current),
            hints: schemaHints(context.conn, current.schema ?? ''),
          }
        : {}),
    };
    if (buildRelease(db, run)) return false;
    insertExactly(db, candidate.tables);
    return upgrade(db, run).problems.some((p) => signature(p) === target);
  } catch {
    return false;
  } finally {
    db.close();
  }
}

/** Inserts the rows as they were read, with triggers out of the way (they fired when the rows were made). */
function insertExactly(db: SqliteConnection, tables: TableRows[]): void {
  const triggers = db.query("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'");
  const foreignKeys = Number(db.query('PRAGMA foreign_keys')[0]?.foreign_keys ?? 0) === 1;
  db.exec('PRAGMA foreign_keys = OFF');
  try {
    for (const t of triggers) db.exec(`DROP TRIGGER ${quoteId(String(t.name))}`);
    for (const table of tables) for (const row of table.rows) db.exec(insertSql(table, row));
    for (const t of triggers) db.exec(String(t.sql));
  } finally {
    if (foreignKeys) db.exec('PRAGMA foreign_keys = ON');
  }
}

function insertSql(table: TableRows, row: string[]): string {
  if (table.columns.length === 0) return `INSERT INTO ${quoteId(table.name)} DEFAULT VALUES;`;
  return `INSERT INTO ${quoteId(table.name)} (${table.columns.map(quoteId).join(', ')}) VALUES (${row.join(', ')});`;
}
