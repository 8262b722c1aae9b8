import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  BASE_SCHEMA,
  expectOneLineError,
  molt,
  moltInProcess,
  sha256File,
  tempFolder,
  writeDatabase,
} from './helpers.ts';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempFolder());
  const rows = Array.from({ length: 400 }, (_, i) => `(${i}, '${'row '.repeat(20)}${i}')`).join(',');
  const bytes = await writeDatabase(
    join(dir, 'big.sqlite'),
    `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES ${rows};`,
  );
  await writeFile(join(dir, 'truncated.sqlite'), bytes.slice(0, 3 * 4096));
  await writeFile(join(dir, 'cut-header.sqlite'), bytes.slice(0, 50));
  const corrupt = bytes.slice();
  corrupt.fill(0xab, 4096, 4096 + 200);
  await writeFile(join(dir, 'corrupt.sqlite'), corrupt);
  await writeFile(join(dir, 'text.sqlite'), 'id,name\n1,not a database at all\n'.repeat(10));
  await mkdir(join(dir, 'folder.sqlite'));
  await writeFile(join(dir, 'schema.sql'), BASE_SCHEMA);
  await writeFile(join(dir, 'typo.sql'), 'CREATE TABLE a (id INTEGER);\nCREATE TABLEX b (id INTEGER);\n');
  await writeFile(join(dir, 'drop.sql'), 'DROP TABLE t;');
});
afterAll(() => cleanup());

/**
 * [what, arguments, error code, what stderr says]: one line on stderr, no stack trace, exit 1. These
 * run the real executable.
 */
const CASES: [string, string[], string, RegExp?][] = [
  ['a missing database', ['apply', 'missing.sqlite', 'schema.sql'], 'file-not-found', /missing\.sqlite/],
  ['a file that is not SQLite', ['plan', 'text.sqlite', 'schema.sql'], 'not-a-database', /text\.sqlite/],
  ['a truncated database', ['plan', 'truncated.sqlite', 'schema.sql'], 'corrupt-database', /quick_check/],
  ['a corrupt page', ['apply', 'corrupt.sqlite', 'schema.sql'], 'corrupt-database'],
  [
    'a schema with a syntax error',
    ['apply', 'big.sqlite', 'typo.sql'],
    'schema-invalid',
    /: typo\.sql: near "TABLEX": syntax error in: CREATE TABLEX b/,
  ],
  ['a bad schema on either side of diff', ['diff', 'typo.sql', 'schema.sql'], 'schema-invalid', /typo\.sql/],
  [
    'an unknown command',
    ['migrat', 'big.sqlite'],
    'invalid-argument',
    /unknown command 'migrat'.*'molt --help'/,
  ],
  [
    'an unknown option',
    ['plan', 'big.sqlite', 'schema.sql', '--dry'],
    'invalid-argument',
    /unknown option '--dry'.*'molt plan --help'/,
  ],
];

/** More of the same, run in this process through `main` (the executable only adds the loader). */
const IN_PROCESS_CASES: [string, string[], string, RegExp?][] = [
  ['a missing schema file', ['plan', 'big.sqlite', 'missing.sql'], 'file-not-found', /missing\.sql/],
  ['a database cut inside its header', ['plan', 'cut-header.sqlite', 'schema.sql'], 'corrupt-database'],
  ['a missing argument', ['apply', 'big.sqlite'], 'invalid-argument', /missing <schema\.sql>/],
  ['a missing database (plan)', ['plan', 'missing.sqlite', 'schema.sql'], 'file-not-found'],
  ['a missing schema file (diff)', ['diff', 'schema.sql', 'missing.sql'], 'file-not-found'],
  ['a folder as the database', ['plan', 'folder.sqlite', 'schema.sql'], 'invalid-argument', /folder/],
  [
    'a non-CREATE statement',
    ['apply', 'big.sqlite', 'drop.sql'],
    'schema-invalid',
    /drop\.sql: .*DROP TABLE t/,
  ],
  ['a malformed --rename', ['plan', 'big.sqlite', 'schema.sql', '--rename', 'users'], 'invalid-argument'],
  ['an option without its value', ['plan', 'big.sqlite', 'schema.sql', '--rename'], 'invalid-argument'],
  ['a value for a flag', ['plan', 'big.sqlite', 'schema.sql', '--json=yes'], 'invalid-argument'],
  [
    'one argument too many',
    ['diff', 'a.sql', 'b.sql', 'c.sql'],
    'invalid-argument',
    /unexpected argument 'c\.sql'/,
  ],
  ['an unknown global option', ['--verbose'], 'invalid-argument', /'molt --help'/],
  ['help for an unknown command', ['help', 'nope'], 'invalid-argument'],
];

describe.concurrent('bad input', () => {
  test.each(CASES)('%s: one line, exit 1', async (_what, args, code, says) => {
    // apply must leave whatever it was given exactly as it was.
    const db = args[0] === 'apply' ? join(dir, args[1]!) : null;
    const before = db ? await sha256File(db).catch(() => 'missing') : null;
    const result = await molt(args, dir);
    expectOneLineError(result, code);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    if (says) expect(result.stderr).toMatch(says);
    if (db) expect(await sha256File(db).catch(() => 'missing')).toBe(before);
  });

  test.each(IN_PROCESS_CASES)('%s: one line, exit 1 (in process)', async (_what, args, code, says) => {
    const result = await moltInProcess(args, dir);
    expectOneLineError(result, code);
    if (says) expect(result.stderr).toMatch(says);
  });
});
