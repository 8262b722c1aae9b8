/**
 * molt in plain Node, installed from its packed tarball into an empty ESM project, with no TypeScript
 * loader anywhere: what the tarball holds and installs, every `exports` entry loading, `molt/engine`
 * planning and applying on a sql.js connection, and the `molt` command (compiled JavaScript).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../browser/harness.ts';
import { type ConsumerProject, createProject } from './helpers.ts';

const PACKAGE = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
};

/** Plans a change that needs a rebuild and applies it on a database with rows, then prints the rows. */
const MIGRATE = `import { applyPlan, planMigration } from 'molt/engine';
import { loadSqlJs, openSqlJs } from 'molt/sqlite';

const conn = openSqlJs(await loadSqlJs());
conn.exec(\`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
INSERT INTO notes (body) VALUES ('first'), ('second');\`);
const plan = planMigration(conn, 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL COLLATE NOCASE, pinned INTEGER NOT NULL DEFAULT 0);');
const report = applyPlan(conn, plan);
console.log(JSON.stringify({
  steps: plan.steps.map((s) => s.kind),
  blockers: plan.blockers.length,
  applied: report.steps.length,
  rows: conn.query('SELECT id, body, pinned FROM notes ORDER BY id'),
}));
`;

/** Writes a database file with sql.js through molt, for the CLI to read. */
const MAKE_DB = `import { writeFileSync } from 'node:fs';
import { loadSqlJs, openSqlJs } from 'molt/sqlite';

const conn = openSqlJs(await loadSqlJs());
conn.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('kept');");
writeFileSync('notes.sqlite', conn.export());
`;

/** A Node app's TypeScript settings: NodeNext, no DOM library, every strict check, libraries checked too. */
const TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    target: 'es2022',
    lib: ['es2023'],
    types: ['node'],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    skipLibCheck: false,
    noEmit: true,
  },
  files: ['check.ts'],
};

/** Uses the types of every entry a Node app imports. */
const CHECK = `import { applyPlan, type Plan, planMigration } from 'molt/engine';
import { loadSqlJs, openSqlJs, type SqlJsConnection } from 'molt/sqlite';
import { openBetterSqlite3 } from 'molt/sqlite/node';
import { createDiskPort, createSnapshotStore } from 'molt/storage';
import * as testing from 'molt/testing';

const conn: SqlJsConnection = openSqlJs(await loadSqlJs());
const plan: Plan = planMigration(conn, 'CREATE TABLE notes (id INTEGER PRIMARY KEY)');
const steps: number = applyPlan(conn, plan).steps.length;
export { createDiskPort, createSnapshotStore, openBetterSqlite3, steps, testing };
`;

let project: ConsumerProject;
beforeAll(async () => {
  project = await createProject('node', {
    files: {
      'package.json': `${JSON.stringify({ name: 'app', private: true, type: 'module' }, null, 2)}\n`,
      'migrate.mjs': MIGRATE,
      'make-db.mjs': MAKE_DB,
      'schema.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, tag TEXT);\n',
      'tsconfig.json': JSON.stringify(TSCONFIG, null, 2),
      'check.ts': CHECK,
    },
  });
});
afterAll(() => project?.remove());

describe('the tarball', () => {
  it('holds only what apps need: dist (JavaScript, .d.ts, source maps), bin, README, LICENSE', () => {
    const files = inject('moltTarballFiles');
    const outside = files.filter(
      (f) =>
        !/^dist\/.+\.(js|d\.ts|js\.map)$/.test(f) &&
        !['bin/molt.mjs', 'README.md', 'LICENSE', 'package.json'].includes(f),
    );
    expect(outside).toEqual([]);
    expect(files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('installs no TypeScript runner, and sql.js in the range the tests cover', () => {
    const modules = join(project.dir, 'node_modules');
    for (const runner of ['tsx', 'esbuild', 'typescript', 'ts-node']) {
      expect(existsSync(join(modules, runner)), runner).toBe(false);
    }
    const sqlJs = JSON.parse(readFileSync(join(modules, 'sql.js/package.json'), 'utf8')) as {
      version: string;
    };
    expect(sqlJs.version).toMatch(/^1\.16\./);
  });
});

describe('plain Node ESM, no loader', () => {
  it('loads every entry of package.json exports', async () => {
    const entries = Object.keys(PACKAGE.exports)
      .filter((e) => e !== './package.json')
      .map((e) => (e === '.' ? 'molt' : `molt/${e.slice(2)}`));
    const script = `for (const entry of ${JSON.stringify(entries)}) {
  const names = Object.keys(await import(entry));
  if (names.length === 0) throw new Error(entry + ' exports nothing');
}`;
    await expect(project.run('node', ['--input-type=module', '-e', script])).resolves.toBeDefined();
  });

  it('plans and applies with molt/engine on a sql.js connection, keeping the rows', async () => {
    const { stdout } = await project.run('node', ['migrate.mjs']);
    expect(JSON.parse(stdout)).toEqual({
      steps: ['rebuild-table'],
      blockers: 0,
      applied: 1,
      rows: [
        { id: 1, body: 'first', pinned: 0 },
        { id: 2, body: 'second', pinned: 0 },
      ],
    });
  });

  it('type-checks for Node (NodeNext, no DOM library, skipLibCheck false) with TypeScript 7 and 5.9', async () => {
    // After the checks of what molt alone installs: TypeScript comes with the app, not with molt.
    await project.run('npm', [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      'typescript@~7.0.2',
      'typescript-5.9@npm:typescript@~5.9.0',
      '@types/node@20',
      '@types/better-sqlite3',
    ]);
    await expect(project.run('tsc', [])).resolves.toBeDefined();
    await expect(project.run('node', ['node_modules/typescript-5.9/bin/tsc'])).resolves.toBeDefined();
  });

  it('runs the molt command (compiled JavaScript): --version, plan and apply', async () => {
    const pkg = JSON.parse(readFileSync(join(project.dir, 'node_modules/molt/package.json'), 'utf8'));
    expect((await project.run('npx', ['molt', '--version'])).stdout.trim()).toBe(pkg.version);
    await project.run('node', ['make-db.mjs']);
    const plan = await project.run('npx', ['molt', 'plan', 'notes.sqlite', 'schema.sql', '--json']);
    expect((JSON.parse(plan.stdout) as { steps: { kind: string }[] }).steps.length).toBeGreaterThan(0);
    await project.run('molt', ['apply', 'notes.sqlite', 'schema.sql']);
    const after = await project.run('molt', ['plan', 'notes.sqlite', 'schema.sql', '--json']);
    expect(JSON.parse(after.stdout)).toMatchObject({ steps: [], blockers: [] });
  });
});
