/**
 * Progress of long CLI work on stderr, one line rewritten in place, only when stderr is a terminal
 * (pipes, CI logs and `--json` consumers see nothing). Rewrites are throttled so that reporting never
 * costs more than the work it reports.
 */
import type { Progress as StepProgress } from '../engine/index.ts';

export interface ProgressLine {
  /** Shows a phase (`checking app.sqlite`, `planning`). */
  phase(text: string): void;
  /** Shows bytes done of a total, under a phase name (`snapshot 45 / 92 MB`). */
  bytes(phase: string, done: number, total: number): void;
  /** Shows an engine step about to run (`step 2/5 rebuild-table users`). */
  step(progress: StepProgress): void;
  /** Clears the line; call before printing results. */
  end(): void;
}

/** A stream such as `process.stderr`. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

const THROTTLE_MS = 100;

/**
 * A progress line on `stream`, silent unless it is a terminal.
 * @example
 * const progress = createProgress(process.stderr);
 * progress.phase('checking app.sqlite');
 * progress.end();
 */
export function createProgress(stream: ProgressStream = process.stderr): ProgressLine {
  if (!stream.isTTY) return { phase() {}, bytes() {}, step() {}, end() {} };
  let shown = false;
  let last = 0;
  const show = (text: string, force: boolean) => {
    const now = Date.now();
    if (!force && now - last < THROTTLE_MS) return;
    last = now;
    shown = true;
    stream.write(`\r\x1b[K${text}`);
  };
  return {
    phase: (text) => show(`molt: ${text}…`, true),
    bytes: (phase, done, total) =>
      show(`molt: ${phase} ${megabytes(done)} / ${megabytes(total)} MB`, done === total),
    step: (p) => show(`molt: step ${p.step}/${p.total} ${p.kind} ${p.object}…`, true),
    end() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0);
}
