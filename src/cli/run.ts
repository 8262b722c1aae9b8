/**
 * The `molt` command as a process: runs `main` on the process's arguments and sets its exit code.
 * `bin/molt.mjs` calls it from the compiled dist/; the checkout's tests call it from the sources.
 */
import { main } from './main.ts';

/**
 * Runs the command line in this process.
 * @example
 * await runCli(process.argv.slice(2));
 */
export async function runCli(argv: string[] = process.argv.slice(2)): Promise<void> {
  // `molt plan … | head` closes the pipe early: that is the reader's choice, not an error to report.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(process.exitCode ?? 0);
    });
  }
  process.exitCode = await main(argv);
}
