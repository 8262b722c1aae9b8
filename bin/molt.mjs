#!/usr/bin/env node
// molt's command line: the compiled JavaScript in dist/ (made by `npm run build`, and before every pack).
let cli;
try {
  cli = await import('../dist/cli/run.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('/dist/cli/')) throw error;
  process.stderr.write("molt: error: internal: the CLI is not built: run 'npm run build' in molt's folder\n");
  process.exit(1);
}
await cli.runCli(process.argv.slice(2));
