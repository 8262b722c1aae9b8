/**
 * `molt verify <db>`: every file of the snapshot store of a database file against its checksum. Chunks
 * are named by their SHA-256 and every other file (manifests, the head) carries a sealed checksum, so a
 * changed byte anywhere in the store is found. Reads only.
 */
import { relative } from 'node:path';
import type { HeadStatus, StoreReport } from '../../storage/index.ts';
import { describeProblems, findStore } from '../backup.ts';
import { type CliContext, EXIT, type ExitCode, parseCommandArgs } from '../command.ts';
import { toJson } from '../format.ts';

export const usage = `Usage: molt verify <db> [options]

Verifies the snapshot store of the database file <db> (<db>.molt/): every stored chunk against the
SHA-256 it is named by, every manifest and the head record against their checksums, and every snapshot
against the chunks it lists and its whole-file hash. Reads only; works when <db> itself is gone.

Options:
  --json                  print { ok, head, snapshots, corruptChunks } as JSON and nothing else on stdout
  -h, --help              show this help

Exit status: 0 everything verifies (or there are no snapshots), 2 something fails verification, 1 error.
`;

const OPTIONS = { json: { type: 'boolean' } } as const;

/**
 * Runs `molt verify`.
 * @example
 * const code = await run(['app.sqlite'], context);
 */
export async function run(argv: string[], context: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('verify', argv, OPTIONS, ['db']);
  const [dbPath] = positionals as [string];
  const { store, dir } = await findStore(dbPath);
  const shownDir = `${relative(process.cwd(), dir) || dir}/`;
  if (!store) {
    if (values.json)
      context.stdout(`${toJson({ ok: true, head: { kind: 'empty' }, snapshots: [], corruptChunks: [] })}\n`);
    else context.stdout(`${dbPath} has no snapshots (nothing in ${shownDir}); nothing to verify.\n`);
    return EXIT.ok;
  }
  let report: StoreReport;
  try {
    report = await store.verifyStore();
  } finally {
    await store.close();
  }
  if (values.json) context.stdout(`${toJson(report)}\n`);
  else context.stdout(formatReport(shownDir, report));
  return report.ok ? EXIT.ok : EXIT.blocked;
}

function formatReport(dir: string, report: StoreReport): string {
  const bad = report.snapshots.filter((s) => s.kind === 'corrupt');
  const lines = [`Verified ${dir}: head ${describeHead(report.head)}.`];
  for (const snapshot of report.snapshots) {
    const problems = snapshot.kind === 'corrupt' ? `  ${describeProblems(snapshot.problems)}` : '';
    lines.push(`  ${snapshot.kind === 'verified' ? 'ok     ' : 'CORRUPT'}  ${snapshot.id}${problems}`);
  }
  for (const hash of report.corruptChunks) lines.push(`  CORRUPT  chunk ${hash}`);
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  if (report.ok) {
    lines.push(`All ${count(report.snapshots.length, 'snapshot')} and every stored chunk verify.`);
  } else {
    const failing = [
      report.head.kind === 'ok' || report.head.kind === 'empty' ? '' : 'the head',
      bad.length ? count(bad.length, 'snapshot') : '',
      report.corruptChunks.length ? count(report.corruptChunks.length, 'stored chunk') : '',
    ].filter(Boolean);
    lines.push(`FAILED verification: ${failing.join(', ')}.`);
  }
  return `${lines.join('\n')}\n`;
}

function describeHead(head: HeadStatus): string {
  switch (head.kind) {
    case 'ok':
      return `${head.snapshotId} (generation ${head.generation}) ok`;
    case 'empty':
      return 'none (the store is empty)';
    case 'missing':
      return 'MISSING';
    case 'corrupt':
      return 'CORRUPT (its checksum does not match)';
    case 'dangling':
      return `DANGLING (names ${head.snapshotId}, whose manifest is missing or corrupt)`;
    default: {
      const unknown: never = head;
      return String(unknown);
    }
  }
}
