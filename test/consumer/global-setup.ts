/**
 * Packs this checkout once for every consumer suite: `npm pack` runs `prepack` (the library build), and
 * the suites install the tarball into fresh projects, as an app installs molt from the registry.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { REPO_ROOT } from '../browser/harness.ts';
import { childEnv } from './helpers.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The absolute path of molt's packed tarball. */
    moltTarball: string;
    /** The files in it, as `npm pack` lists them. */
    moltTarballFiles: string[];
    /** Its size in bytes. */
    moltTarballSize: number;
  }
}

interface PackResult {
  filename: string;
  size: number;
  files: { path: string }[];
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'molt-pack-'));
  const { stdout } = await promisify(execFile)('npm', ['pack', '--json', '--pack-destination', dir], {
    cwd: REPO_ROOT,
    env: childEnv(),
    maxBuffer: 16 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout) as PackResult[];
  if (!packed) throw new Error('npm pack reported no tarball');
  project.provide('moltTarball', join(dir, packed.filename));
  project.provide(
    'moltTarballFiles',
    packed.files.map((f) => f.path),
  );
  project.provide('moltTarballSize', packed.size);
  return () => rm(dir, { recursive: true, force: true });
}
