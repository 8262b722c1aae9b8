#!/usr/bin/env node
// molt's command line straight from the TypeScript sources, through tsx (a devDependency): what the
// checkout's tests run, so they need no build and always see the current sources.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { runCli } = await import('../src/cli/run.ts');
await runCli(process.argv.slice(2));
