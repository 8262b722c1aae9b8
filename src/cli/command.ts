/**
 * What every command shares: the context it runs in (output streams and file system, injected), its
 * exit codes, and argument parsing over `node:util` parseArgs with errors that point to `--help`.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { MoltError } from '../engine/errors.ts';
import type { Renames } from '../engine/index.ts';
import type { FileSystem } from './io.ts';

/** The `options` of `node:util` parseArgs (the type itself is not exported). */
export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** What `parseCommandArgs` returns for the options `O`: parseArgs' result, named. */
export type ParsedCommandArgs<O extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;

/** 0: done or can be done; 1: error; 2: blocked, or not healthy (nothing was changed). */
export const EXIT = { ok: 0, error: 1, blocked: 2 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Where a command writes and which file system it uses. */
export interface CliContext {
  /** Writes to standard output, as is. */
  stdout(text: string): void;
  /** Writes to standard error, as is. */
  stderr(text: string): void;
  fs: FileSystem;
}

/** A command module: `src/cli/commands/<name>.ts` exports these two. */
export interface CommandModule {
  /** The full `molt <name> --help` text. */
  usage: string;
  run(argv: string[], context: CliContext): Promise<ExitCode>;
}

/**
 * Parses a command's arguments strictly: unknown options and a wrong number of positionals are
 * `invalid-argument` errors that name the command's `--help`.
 * @example
 * const { values, positionals } = parseCommandArgs('plan', argv, { json: { type: 'boolean' } }, ['db', 'schema.sql']);
 */
export function parseCommandArgs<const O extends OptionsConfig>(
  command: string,
  argv: string[],
  options: O,
  positionals: readonly string[],
): ParsedCommandArgs<O> {
  let parsed: ParsedCommandArgs<O>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(command, describeParseError(error));
  }
  const count = parsed.positionals.length;
  if (count < positionals.length) {
    throw usageError(command, `missing <${positionals[count]}>`);
  }
  if (count > positionals.length) {
    throw usageError(command, `unexpected argument '${parsed.positionals[positionals.length]}'`);
  }
  return parsed;
}

/**
 * An `invalid-argument` error that ends with where to read the usage.
 * @example
 * throw usageError('plan', "--rename needs the form old=new");
 */
export function usageError(command: string | null, message: string): MoltError {
  const help = command ? `molt ${command} --help` : 'molt --help';
  return new MoltError('invalid-argument', `${message} (see '${help}')`, { help });
}

/**
 * Turns `--rename` values into the engine's renames: `old=new` renames a table, `table.old=new` a
 * column (the table named by its old or new name).
 * @example
 * parseRenames('plan', ['users=people', 'people.mail=email']);
 * // { tables: { users: 'people' }, columns: { 'people.mail': 'email' } }
 */
export function parseRenames(command: string, values: readonly string[] | undefined): Renames {
  const renames: Required<Pick<Renames, 'tables' | 'columns'>> = { tables: {}, columns: {} };
  for (const value of values ?? []) {
    const match = /^([^=]+)=([^=]+)$/.exec(value);
    if (!match) throw usageError(command, `--rename '${value}' is not of the form old=new or table.old=new`);
    const [, from, to] = match as unknown as [string, string, string];
    const dot = from.indexOf('.');
    if (dot > 0 && dot < from.length - 1) renames.columns[from] = to;
    else if (dot === -1) renames.tables[from] = to;
    else throw usageError(command, `--rename '${value}' is not of the form old=new or table.old=new`);
  }
  return renames;
}

function describeParseError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted) return `unknown option '${quoted}'`;
  // Node's messages run over several sentences; the first one names the option.
  const first = message.split('. ')[0] ?? message;
  return first.charAt(0).toLowerCase() + first.slice(1);
}
