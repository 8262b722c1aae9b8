import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BASE_SCHEMA, DROP_COLUMN_SCHEMA, molt, REBUILD_SCHEMA, tempFolder } from './helpers.ts';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempFolder());
  await writeFile(join(dir, 'v1.sql'), BASE_SCHEMA);
  await writeFile(join(dir, 'v2.sql'), REBUILD_SCHEMA);
  await writeFile(join(dir, 'v3.sql'), DROP_COLUMN_SCHEMA.replace('name TEXT', 'full_name TEXT'));
});
afterAll(() => cleanup());

describe.concurrent('molt diff', () => {
  test('prints the steps from one schema file to another', async () => {
    const result = await molt(['diff', 'v1.sql', 'v2.sql'], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Diff v1.sql -> v2.sql');
    expect(result.stdout).toMatch(/\d+\. rebuild-table users \[rebuild\]/);
    expect(result.stdout).toMatch(/\d+\. create-index users_email \(on users\) \[safe\]/);
    expect(result.stdout).not.toContain('blocker');
  });

  test('--json prints only the plan; with no rows a dropped column is no blocker', async () => {
    const result = await molt(
      ['diff', 'v1.sql', 'v3.sql', '--json', '--rename', 'users.name=full_name'],
      dir,
    );
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.blockers).toEqual([]);
    const steps = plan.steps.map((s: { kind: string; object: string }) => `${s.kind} ${s.object}`);
    expect(steps).toEqual(expect.arrayContaining(['rename-column full_name', 'drop-column legacy']));
  });
});
