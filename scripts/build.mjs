#!/usr/bin/env node
// The library build: ESM JavaScript, .d.ts and source maps under dist/, one file per source file (tsc
// with tsconfig.build.json). Then every entry of package.json `exports` must exist: adding an entry is
// one line there, with its source file under src/.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

rmSync(join(root, 'dist'), { recursive: true, force: true });
try {
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
} catch {
  console.error('build: tsc failed');
  process.exit(1);
}

const missing = [];
for (const [entry, target] of Object.entries(pkg.exports)) {
  const files = typeof target === 'string' ? [target] : Object.values(target);
  for (const file of files) if (!existsSync(join(root, file))) missing.push(`${entry}: ${file}`);
}
if (missing.length > 0) {
  console.error(
    `build: package.json exports point at files the build did not make:\n  ${missing.join('\n  ')}`,
  );
  process.exit(1);
}
