/**
 * molt's command line: finds the command, prints help and versions, and turns every error into one
 * line on stderr with its code (no stack trace unless MOLT_DEBUG is set). Commands are loaded only when
 * run, so `molt --help` does not load SQLite.
 */
import { readFileSync } from 'node:fs';
import { toErrorData } from '../engine/errors.ts';
import { type CliContext, type CommandModule, EXIT, type ExitCode, usageError } from './command.ts';
import { toJson } from './format.ts';
import { DEFAULT_FILE_SYSTEM } from './io.ts';

/** Every command: a one-line summary for `molt --help` and the module that runs it. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  plan: {
    summary: 'show what migrating a database to a schema would do',
    load: () => import('./commands/plan.ts'),
  },
  apply: {
    summary: 'migrate a database file to a schema, atomically',
    load: () => import('./commands/apply.ts'),
  },
  diff: { summary: 'show the steps between two schema files', load: () => import('./commands/diff.ts') },
  migrate: {
    summary: 'run the versioned .sql migrations of a folder on a database file',
    load: () => import('./commands/migrate.ts'),
  },
  check: { summary: 'report the health of a database file', load: () => import('./commands/check.ts') },
  test: {
    summary: "prove every past release's database migrates to this schema",
    load: () => import('./commands/test.ts'),
  },
  snapshots: {
    summary: 'list the snapshots kept of a database file',
    load: () => import('./commands/snapshots.ts'),
  },
  restore: {
    summary: 'write a snapshot back to its database file',
    load: () => import('./commands/restore.ts'),
  },
  verify: {
    summary: 'verify every checksum of the snapshots of a database file',
    load: () => import('./commands/verify.ts'),
  },
};

export const USAGE = `molt: safe SQLite schema migrations

Usage: molt <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Options:
  -h, --help     show help (also: molt <command> --help)
  -v, --version  print molt's version

Exit status: 0 done (or can be done), 1 error, 2 blocked (nothing was changed).
Set MOLT_DEBUG=1 to see the stack trace of an error.
`;

export interface MainOptions extends Partial<CliContext> {
  /** Environment variables (MOLT_DEBUG); the process's by default. */
  env?: Record<string, string | undefined>;
}

/**
 * Runs the command line and returns the exit code; never throws.
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: string[], options: MainOptions = {}): Promise<ExitCode> {
  const context: CliContext = {
    stdout: options.stdout ?? ((text) => process.stdout.write(text)),
    stderr: options.stderr ?? ((text) => process.stderr.write(text)),
    fs: options.fs ?? DEFAULT_FILE_SYSTEM,
  };
  const env = options.env ?? process.env;
  let printed = false;
  const stdout = context.stdout;
  context.stdout = (text) => {
    printed = true;
    stdout(text);
  };
  try {
    return await dispatch(argv, context);
  } catch (error) {
    const data = toErrorData(error);
    // With --json, a program reads stdout: the error is JSON there too, unless a report already is.
    if (wantsJson(argv) && !printed) stdout(`${toJson({ status: 'error', error: data })}\n`);
    context.stderr(`molt: error: ${data.code}: ${oneLine(data.message)}\n`);
    if (env.MOLT_DEBUG && error instanceof Error && error.stack) context.stderr(`${error.stack}\n`);
    return EXIT.error;
  }
}

async function dispatch(argv: string[], context: CliContext): Promise<ExitCode> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    context.stderr(USAGE);
    return EXIT.error;
  }
  if (first === '-h' || first === '--help') return print(context, USAGE);
  if (first === '-v' || first === '--version') return print(context, `${version()}\n`);
  if (first === 'help') return help(rest[0], context);
  if (first.startsWith('-')) throw usageError(null, `unknown option '${first}'`);
  const entry = COMMANDS[first];
  if (!entry) throw usageError(null, `unknown command '${first}'`);
  const command = await entry.load();
  if (wantsHelp(rest)) return print(context, command.usage);
  return command.run(rest, context);
}

async function help(name: string | undefined, context: CliContext): Promise<ExitCode> {
  if (name === undefined) return print(context, USAGE);
  const entry = COMMANDS[name];
  if (!entry) throw usageError(null, `unknown command '${name}'`);
  return print(context, (await entry.load()).usage);
}

function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** `--help` anywhere before a `--` asks for the command's help, whatever else is there. */
function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

function print(context: CliContext, text: string): ExitCode {
  context.stdout(text);
  return EXIT.ok;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
