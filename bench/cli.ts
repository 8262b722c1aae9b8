/**
 * The CLI as a whole process on database files, under native SQLite: `molt apply` of the rebuild in
 * bench/rebuild.ts on a 1M-row file against the sqlite3 shell running the hand-written 12 steps on a
 * copy of the same file, alternated in one run; the peak resident memory of that apply, and of the
 * same apply on a file of about 1 GB; and `molt plan` on the 1 GB file. Files are made under the
 * system's temporary folder and removed at the end. MOLT_BENCH_BIG_ROWS=0 skips the 1 GB file.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { AFTER, HAND_WRITTEN, seed } from './rebuild.ts';
import { median, round } from './util.ts';

const ROWS = Number(process.env.MOLT_BENCH_ROWS ?? 1_000_000);
/** About 1 GB with the rebuild benchmark's tables (92 MB per million rows). */
const BIG_ROWS = Number(process.env.MOLT_BENCH_BIG_ROWS ?? 11_000_000);
const RUNS = Number(process.env.MOLT_BENCH_RUNS ?? 3);
const BIN = fileURLToPath(new URL('../bin/molt.mjs', import.meta.url));
const RSS_HOOK = fileURLToPath(new URL('./report-rss.cjs', import.meta.url));
const SHELL = process.env.MOLT_BENCH_SQLITE3 ?? '/usr/bin/sqlite3';

interface Run {
  ms: number;
  /** Peak resident set size in MB (molt only). */
  rssMb?: number;
}

function makeFile(path: string, rows: number): number {
  const db = new Database(path);
  db.pragma('journal_mode = DELETE');
  seed((sql) => db.exec(sql), rows);
  db.close();
  return statSync(path).size;
}

/** `node bin/molt.mjs …args` with its wall time and peak RSS; throws unless it exits `expect`. */
function runMolt(args: string[], cwd: string, expect = 0): Run {
  const rssFile = join(cwd, 'rss.txt');
  const started = performance.now();
  const child = spawnSync(process.execPath, ['-r', RSS_HOOK, BIN, ...args], {
    cwd,
    env: { ...process.env, MOLT_BENCH_RSS_FILE: rssFile },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - started;
  if (child.status !== expect) throw new Error(`molt ${args.join(' ')}: ${child.status} ${child.stderr}`);
  const rssMb = Number(readFileSync(rssFile, 'utf8')) / 1e6;
  return { ms, rssMb };
}

function runShell(file: string, script: string): Run {
  const started = performance.now();
  const child = spawnSync(SHELL, ['-bail', file], { input: script, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (child.status !== 0) throw new Error(`sqlite3: ${child.status} ${child.stderr}`);
  return { ms };
}

function countItems(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return Number(db.prepare('SELECT count(*) FROM items').pluck().get());
  } finally {
    db.close();
  }
}

function fresh(dir: string, base: string, name: string): string {
  const file = join(dir, name);
  rmSync(`${file}.molt`, { recursive: true, force: true });
  copyFileSync(base, file);
  return file;
}

export async function runCliBench(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'molt-bench-cli-'));
  try {
    writeFileSync(join(dir, 'schema.sql'), AFTER);
    // The shell runs every statement of the hand-written procedure, PRAGMAs included, as written.
    writeFileSync(join(dir, 'steps.sql'), `${HAND_WRITTEN.join(';\n')};\n`);
    const script = readFileSync(join(dir, 'steps.sql'), 'utf8');
    const base = join(dir, 'base.sqlite');
    const bytes = makeFile(base, ROWS);
    const molt: Run[] = [];
    const moltNoBackup: Run[] = [];
    const shell: Run[] = [];
    const contenders: [Run[], () => Run][] = [
      [molt, () => runMolt(['apply', fresh(dir, base, 'a.sqlite'), 'schema.sql'], dir)],
      [
        moltNoBackup,
        () => runMolt(['apply', fresh(dir, base, 'b.sqlite'), 'schema.sql', '--no-backup'], dir),
      ],
      [shell, () => runShell(fresh(dir, base, 'c.sqlite'), script)],
    ];
    // One warm-up of each (file cache, tsx's compile cache), then rotate the order each run.
    for (const [, run] of contenders) run();
    for (let i = 0; i < RUNS; i++) {
      for (let k = 0; k < contenders.length; k++) {
        const [into, run] = contenders[(i + k) % contenders.length]!;
        into.push(run());
      }
    }
    for (const name of ['a.sqlite', 'b.sqlite', 'c.sqlite']) {
      if (countItems(join(dir, name)) !== ROWS) throw new Error(`rows lost in ${name}`);
    }
    const moltMs = median(molt.map((r) => r.ms));
    const noBackupMs = median(moltNoBackup.map((r) => r.ms));
    const shellMs = median(shell.map((r) => r.ms));
    const result: Record<string, unknown> = {
      rows: ROWS,
      runs: RUNS,
      databaseMb: round(bytes / 1e6, 1),
      moltApplyMs: round(moltMs),
      moltApplyNoBackupMs: round(noBackupMs),
      sqlite3ShellMs: round(shellMs),
      ratioVsShell: round(moltMs / shellMs),
      ratioVsShellNoBackup: round(noBackupMs / shellMs),
      peakRssMb: round(Math.max(...molt.map((r) => r.rssMb ?? 0)), 1),
      peakRssNoBackupMb: round(Math.max(...moltNoBackup.map((r) => r.rssMb ?? 0)), 1),
    };
    rmSync(join(dir, 'a.sqlite.molt'), { recursive: true, force: true });
    for (const name of ['base.sqlite', 'a.sqlite', 'b.sqlite', 'c.sqlite']) rmSync(join(dir, name));
    if (BIG_ROWS > 0) Object.assign(result, runBig(dir));
    result.targets = { ratioVsShell: 1.5, peakRssMb: 150, bigPlanMs: 5000 };
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ~1 GB file: `molt plan` time, and one apply's time and peak RSS. */
function runBig(dir: string): Record<string, unknown> {
  const big = join(dir, 'big.sqlite');
  const bytes = makeFile(big, BIG_ROWS);
  const plans = [0, 1, 2].map(() => runMolt(['plan', 'big.sqlite', 'schema.sql'], dir));
  const apply = runMolt(['apply', 'big.sqlite', 'schema.sql'], dir);
  if (countItems(big) !== BIG_ROWS) throw new Error('rows lost in big.sqlite');
  return {
    bigRows: BIG_ROWS,
    bigDatabaseMb: round(bytes / 1e6, 1),
    bigPlanMs: round(median(plans.map((r) => r.ms))),
    bigPlanPeakRssMb: round(Math.max(...plans.map((r) => r.rssMb ?? 0)), 1),
    bigApplyMs: round(apply.ms),
    bigApplyPeakRssMb: round(apply.rssMb ?? 0, 1),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await runCliBench());
}
