import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  BASE_SCHEMA,
  BASE_SQL,
  DROP_COLUMN_SCHEMA,
  molt,
  moltInProcess,
  REBUILD_SCHEMA,
  sha256File,
  tempFolder,
  writeDatabase,
} from './helpers.ts';

let dir: string;
let cleanup: () => Promise<void>;
let original: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempFolder());
  await writeDatabase(join(dir, 'app.sqlite'), BASE_SQL);
  await writeFile(join(dir, 'same.sql'), BASE_SCHEMA);
  await writeFile(join(dir, 'rebuild.sql'), REBUILD_SCHEMA);
  await writeFile(join(dir, 'drop.sql'), DROP_COLUMN_SCHEMA);
  await writeFile(
    join(dir, 'renamed.sql'),
    BASE_SCHEMA.replace('TABLE users', 'TABLE people')
      .replace('REFERENCES users', 'REFERENCES people')
      .replace('name TEXT', 'full_name TEXT'),
  );
  original = await sha256File(join(dir, 'app.sqlite'));
});

afterAll(async () => {
  // Planning reads only: whatever ran, the database file is as it was.
  expect(await sha256File(join(dir, 'app.sqlite'))).toBe(original);
  await cleanup();
});

describe.concurrent('molt plan', () => {
  test('prints each step with its kind, object, risk, reason and SQL', async () => {
    const result = await molt(['plan', 'app.sqlite', 'rebuild.sql'], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Plan for app.sqlite -> rebuild.sql');
    expect(result.stdout).toMatch(/\d+\. rebuild-table users \[rebuild\]/);
    expect(result.stdout).toMatch(/\d+\. add-column body \(on posts\) \[safe\]/);
    expect(result.stdout).toMatch(/\d+\. create-index users_email \(on users\) \[safe\]/);
    expect(result.stdout).toContain('| CREATE UNIQUE INDEX users_email ON users(email);');
    expect(result.stdout).toContain('fill-default users.name');
  });

  test('--json prints the plan object and nothing else', async () => {
    const result = await molt(['plan', '--json', 'app.sqlite', 'rebuild.sql'], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const plan = JSON.parse(result.stdout);
    expect(Object.keys(plan)).toEqual(expect.arrayContaining(['steps', 'warnings', 'blockers', 'fromHash']));
    expect(plan.blockers).toEqual([]);
    expect(plan.steps.map((s: { kind: string }) => s.kind)).toContain('rebuild-table');
    for (const step of plan.steps) expect(['safe', 'rebuild', 'data-loss']).toContain(step.risk);
  });

  test('a plan that drops data is blocked (exit 2) with the count and the way out', async () => {
    const result = await molt(['plan', 'app.sqlite', 'drop.sql'], dir);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/1 blocker:\n {2}x data-loss users\.legacy: .*1 values/);
    expect(result.stdout).toContain('--allow-data-loss');
    expect(result.stdout).toContain('Blocked');
  });

  test('--json on a blocked plan still prints only the plan, and exits 2', async () => {
    const result = await molt(['plan', 'app.sqlite', 'drop.sql', '--json'], dir);
    expect(result.code).toBe(2);
    const plan = JSON.parse(result.stdout);
    expect(plan.blockers).toMatchObject([{ kind: 'data-loss', object: 'users.legacy', count: 1 }]);
  });

  test('--rename names a table rename and a column rename', async () => {
    const result = await molt(
      [
        'plan',
        'app.sqlite',
        'renamed.sql',
        '--rename',
        'users=people',
        '--rename',
        'people.name=full_name',
        '--json',
      ],
      dir,
    );
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.blockers).toEqual([]);
    const kinds = plan.steps.map((s: { kind: string; object: string }) => `${s.kind} ${s.object}`);
    expect(kinds).toEqual(expect.arrayContaining(['rename-table people', 'rename-column full_name']));
  });

  test('an unchanged schema is up to date', async () => {
    const result = await moltInProcess(['plan', 'app.sqlite', 'same.sql'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('No steps');
    expect(result.stdout).toContain('Up to date.');
  });
});
