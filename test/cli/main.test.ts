import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { molt, moltInProcess } from './helpers.ts';

const cwd = new URL('../..', import.meta.url).pathname;

describe.concurrent('help and version', () => {
  test('--help lists the commands and exits 0', async () => {
    const result = await molt(['--help'], cwd);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    for (const command of ['plan', 'apply', 'diff'])
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  test('<command> --help prints its usage, whatever else is on the line', async () => {
    const result = await moltInProcess(['apply', 'x.sqlite', '--help'], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: molt apply <db> <schema\.sql> \[options\]/);
    expect(result.stdout).toContain('--allow-data-loss');
  });

  test('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    const result = await molt(['--version'], cwd);
    expect(result).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });
});
