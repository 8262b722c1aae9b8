/**
 * `npm run bench`: every benchmark, each as a ratio against a baseline measured in the same run.
 * Results go to bench/results/<name>.json; a summary table is printed at the end.
 * `npm run bench -- rebuild plan` runs only the named ones.
 */
import { round, writeResult } from './util.ts';

interface Bench {
  name: string;
  run: () => Promise<Record<string, unknown>>;
  /** The headline figures: [label, value, target, lower is better]. */
  summary: (r: Record<string, unknown>) => [string, unknown, unknown][];
}

const BENCHES: Bench[] = [
  {
    name: 'rebuild',
    run: async () => (await import('./rebuild.ts')).runRebuildBench(),
    summary: (r) => [
      ['rebuild 1M rows: molt vs hand-written 12 steps (sql.js)', `${r.ratioVsHandWritten}×`, '≤ 1.25×'],
      ['rebuild 1M rows: molt (sql.js) vs native SQLite', `${r.ratioVsNative}×`, '≤ 3.5×'],
    ],
  },
  {
    name: 'cli',
    run: async () => (await import('./cli.ts')).runCliBench(),
    summary: (r) => [
      [
        `molt apply (native, whole process) vs sqlite3 shell's 12 steps, ${r.databaseMb} MB`,
        `${r.ratioVsShell}× (--no-backup ${r.ratioVsShellNoBackup}×)`,
        '≤ 1.5×',
      ],
      [`molt apply peak RSS, ${r.databaseMb} MB file`, `${r.peakRssMb} MB`, '≤ 150 MB'],
      [`molt apply peak RSS, ${r.bigDatabaseMb} MB file`, `${r.bigApplyPeakRssMb} MB`, 'roughly flat'],
      [`molt plan, ${r.bigDatabaseMb} MB file`, `${r.bigPlanMs} ms`, '≤ 5000 ms'],
    ],
  },
  {
    name: 'plan',
    run: async () => (await import('./plan.ts')).runPlanBench(),
    summary: (r) => [['plan of a 300-table schema change', `${r.planMs} ms`, '≤ 50 ms']],
  },
  {
    name: 'migrations',
    run: async () => (await import('./migrations.ts')).runMigrationsBench(),
    summary: (r) => [['50 migrations on 1M rows: molt vs bare SQL', `${r.ratio}×`, '≤ 1.1×']],
  },
  {
    name: 'history',
    run: async () => (await import('./history.ts')).runHistoryBench(),
    summary: (r) => [
      [`molt test: ${r.releases} releases × ${r.rowsPerTable} rows per table`, `${r.totalS} s`, '≤ 10 s'],
    ],
  },
  {
    name: 'snapshots',
    run: async () => (await import('./snapshots.ts')).runSnapshotBench(),
    summary: (r) =>
      Object.entries((r.summary as Record<string, [unknown, unknown]>) ?? {}).map(([k, [v, t]]) => [k, v, t]),
  },
  {
    name: 'startup',
    run: async () => (await import('./startup.ts')).runStartupBench(),
    summary: (r) =>
      Object.entries((r.summary as Record<string, [unknown, unknown]>) ?? {}).map(([k, [v, t]]) => [k, v, t]),
  },
];

const wanted = process.argv.slice(2);
const rows: [string, unknown, unknown][] = [];
for (const bench of BENCHES) {
  if (wanted.length > 0 && !wanted.includes(bench.name)) continue;
  const started = performance.now();
  process.stdout.write(`${bench.name}: running… `);
  try {
    const result = await bench.run();
    writeResult(bench.name, result);
    console.log(`done in ${round((performance.now() - started) / 1000, 1)} s`);
    console.log(JSON.stringify(result, null, 2));
    rows.push(...bench.summary(result));
  } catch (error) {
    console.log('failed');
    console.error(error);
    process.exitCode = 1;
  }
}
console.log('\n| benchmark | result | target |\n|---|---|---|');
for (const [label, value, target] of rows) console.log(`| ${label} | ${value} | ${target} |`);
