#!/usr/bin/env node
// molt's command line. It runs the TypeScript sources through tsx, so a checkout works after `npm ci`
// with no build step; molt's own tsconfig is used whatever folder it is run from.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// `molt plan … | head` closes the pipe early: that is the reader's choice, not an error to report.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
