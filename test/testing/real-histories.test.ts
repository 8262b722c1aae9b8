/**
 * `molt test` on the schema histories of real apps (test/fixtures/histories/README.md names the
 * sources and licences): every past release's database, filled with generated rows, runs the real
 * migrations to the newest release, converges on the schema of a fresh install, and loses exactly the
 * data those migrations are known to drop — nothing else.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrationPrefixes, readHistoryFolder } from '../../src/cli/history.ts';
import { readMigrationsFolder } from '../../src/cli/migrations-folder.ts';
import { splitStatements } from '../../src/engine/index.ts';
import { loadSqlJs, openSqlJs, type SqlJsConnection } from '../../src/sqlite/sql-js.ts';
import { type Problem, type Release, testHistory } from '../../src/testing/index.ts';

const HISTORIES = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

let conn: SqlJsConnection;
beforeAll(async () => {
  conn = openSqlJs(await loadSqlJs());
});

/** A problem as `kind table[.column]`, to compare lists. */
function label(problem: Problem): string {
  if (problem.kind === 'blocked') return `blocked ${problem.blocker.kind} ${problem.blocker.object}`;
  if (problem.kind === 'failed') return `failed ${problem.error.code}`;
  if (problem.kind === 'not-converged') return 'not-converged';
  return `${problem.kind} ${problem.table}${'column' in problem ? `.${problem.column}` : ''}`;
}

describe('the Matrix Rust SDK state store (16 migrations)', () => {
  // What the SQL of the later migrations drops on purpose. The SDK converts room_info in Rust between
  // 002_a and 002_b; as SQL alone, the old rows are replaced by the (empty) new table.
  const dropped: Record<string, string[]> = {
    room_info: ['column-dropped room_info.stripped', 'rows-lost room_info'],
    media: ['table-dropped media'],
    wedged: ['column-dropped send_queue_events.wedged', 'rows-lost send_queue_events'],
    queues: ['rows-lost dependent_send_queue_events', 'rows-lost send_queue_events'],
  };
  const expected: Record<string, string[]> = {
    '001_init': [...dropped.room_info!, ...dropped.media!],
    '002_a_create_new_room_info': [...dropped.room_info!, 'value-changed room_info.data', ...dropped.media!],
    '002_b_replace_room_info': dropped.media!,
    '003_send_queue': [...dropped.media!, ...dropped.wedged!],
    '004_send_queue_with_roomid_value': [...dropped.media!, ...dropped.wedged!],
    '005_send_queue_dependent_events': [
      ...dropped.media!,
      ...dropped.wedged!,
      'rows-lost dependent_send_queue_events',
    ],
    '006_drop_media': [...dropped.wedged!, 'rows-lost dependent_send_queue_events'],
    '007_a_send_queue_wedge_reason': [...dropped.wedged!, 'rows-lost dependent_send_queue_events'],
    '007_b_send_queue_clean': dropped.queues!,
    '008_send_queue': dropped.queues!,
    '009_send_queue_priority': dropped.queues!,
    '010_send_queue_enqueue_time': dropped.queues!,
    '011_thread_subscriptions': dropped.queues!,
    '012_thread_subscriptions_bumpstamp': dropped.queues!,
    '013_send_queue_new_parent_key_format': [],
    '014_global_profiles': [],
  };

  async function history(): Promise<{
    migrations: Awaited<ReturnType<typeof readMigrationsFolder>>;
    releases: Release[];
  }> {
    const migrations = await readMigrationsFolder(`${HISTORIES}matrix-state-store/migrations`);
    return { migrations, releases: migrationPrefixes(migrations) };
  }

  it('every release converges, and loses exactly what the migrations drop', async () => {
    const { migrations, releases } = await history();
    expect(migrations).toHaveLength(17);
    const report = testHistory(conn, {
      releases: releases.map((r) => ({ ...r, allowDataLoss: true })),
      current: { migrations },
      rows: 30,
      seed: 1,
    });
    expect(report.ok).toBe(true);
    expect(Object.fromEntries(report.releases.map((r) => [r.name, r.allowed.map(label).sort()]))).toEqual(
      Object.fromEntries(Object.entries(expected).map(([name, list]) => [name, [...list].sort()])),
    );
    // The column renamed by 008 (event_id -> parent_key) is followed, not counted as dropped.
    expect(report.releases.flatMap((r) => r.allowed.map(label))).not.toContain(
      'column-dropped dependent_send_queue_events.event_id',
    );
  });

  it('without allowances, the releases that lose data fail and the last two converge', async () => {
    const { migrations, releases } = await history();
    const report = testHistory(conn, { releases, current: { migrations }, rows: 10, seed: 1, shrink: false });
    expect(report.releases.map((r) => r.outcome)).toEqual([
      ...Array(14).fill('lost'),
      'converged',
      'converged',
    ]);
  });

  it('an earlier text of 010 (NOT NULL with a non-constant DEFAULT) fails on a database with queued events', async () => {
    const { migrations } = await history();
    // The version of 010_send_queue_enqueue_time.sql stored at commit 013da78e5828c4fc892cc2ed8f6ee4e984b8082a.
    const earlier = await readFile(
      `${HISTORIES}matrix-state-store/010_send_queue_enqueue_time.not-null.sql`,
      'utf8',
    );
    const patched = migrations.map((m) =>
      m.id === '010_send_queue_enqueue_time' ? { ...m, up: earlier } : m,
    );
    const release = migrationPrefixes(patched).find((r) => r.name === '009_send_queue_priority')!;
    const report = testHistory(conn, {
      releases: [release],
      current: { migrations: patched },
      rows: 10,
      seed: 1,
    });
    const result = report.releases[0]!;
    expect(result.outcome).toBe('failed');
    expect(result.problems[0]).toMatchObject({ kind: 'failed', error: { code: 'migration-failed' } });
    expect(JSON.stringify(result.problems[0])).toMatch(/non-constant default/);
    // One queued event is enough to show it.
    expect(result.repro?.rows).toBe(1);
  });
});

describe('memos: the declared schema (LATEST.sql) of three commits, upgraded to a newer one', () => {
  const MEMOS = `${HISTORIES}memos/`;
  const read = (file: string) => readFile(`${MEMOS}${file}`, 'utf8');

  it('finds exactly the changes memos ships data migrations for', async () => {
    const releases = await readHistoryFolder(`${MEMOS}releases`);
    expect(releases.map((r) => r.name)).toEqual(['1-0f077b1c', '2-183fdb3c', '3-d2c67bac']);
    const report = testHistory(conn, {
      releases,
      current: { schema: await read('schema.sql') },
      rows: 30,
      seed: 1,
      shrink: false,
    });
    const found = Object.fromEntries(report.releases.map((r) => [r.name, r.problems.map(label).sort()]));
    const tables = [
      'migration_history',
      'memo_organizer',
      'shortcut',
      'resource',
      'memo_resource',
      'tag',
      'activity',
      'storage',
      'memo_comment',
    ];
    expect(found).toEqual({
      '1-0f077b1c': [
        'blocked data-loss user.open_id',
        'blocked not-null-violation memo.uid',
        'blocked not-null-violation idp.uid',
        'blocked unique-violation user',
        ...tables.map((t) => `blocked data-loss ${t}`),
      ].sort(),
      // Added without a value for the rows there: memos fills it in 0.27/01__add_idp_uid.sql.
      '2-183fdb3c': [
        'blocked not-null-violation idp.uid',
        'blocked data-loss reaction.content_id',
        'blocked not-null-violation reaction.memo_id',
        'blocked data-loss activity',
        'blocked unique-violation user',
      ].sort(),
      // reaction.content_id becomes memo_id (0.31/02); duplicate e-mails meet a new unique index (0.31/07).
      '3-d2c67bac': [
        'blocked data-loss reaction.content_id',
        'blocked not-null-violation reaction.memo_id',
        'blocked unique-violation user',
      ].sort(),
    });
  });

  it("converges with memos' own data migrations, losing only what they drop or rewrite on purpose", async () => {
    const [idpUid, reactionMemoId, uniqueEmail] = await Promise.all([
      read('migrations/0.27-01__add_idp_uid.sql'),
      read('migrations/0.31-02__reaction_memo_id.sql'),
      read('migrations/0.31-07__unique_email.sql'),
    ]);
    // memos runs only the files newer than a database's version; in one molt migration, each file
    // runs where the database still has the shape it was written for.
    const repairs = {
      id: '0001_memos_data',
      up: (tx: { exec(sql: string): void; query(sql: string, params?: string[]): unknown[] }) => {
        const column = (table: string, name: string) =>
          tx.query('SELECT "notnull" FROM pragma_table_info(?) WHERE name = ?', [table, name])[0] as
            | { notnull: number }
            | undefined;
        const run = (sql: string) => {
          for (const statement of splitStatements(sql)) tx.exec(statement);
        };
        // A new install has no tables yet: the declared schema creates them.
        if (!column('idp', 'id')) return;
        if (!column('idp', 'uid')) run(idpUid);
        if (column('reaction', 'content_id')) run(reactionMemoId);
        if (column('user', 'email')?.notnull === 1) run(uniqueEmail);
      },
    };
    const releases = (await readHistoryFolder(`${MEMOS}releases`))
      .slice(1)
      .map((r) => ({ ...r, allowDataLoss: true }));
    const report = testHistory(conn, {
      releases,
      current: { schema: await read('schema.sql'), migrations: [repairs] },
      rows: 30,
      seed: 1,
    });
    expect(report.releases.map((r) => [r.name, r.outcome, r.problems])).toEqual([
      ['2-183fdb3c', 'converged', []],
      ['3-d2c67bac', 'converged', []],
    ]);
    const allowed = Object.fromEntries(report.releases.map((r) => [r.name, r.allowed.map(label).sort()]));
    // Reactions whose content_id names no memo are dropped on purpose; e-mails are trimmed, lowercased,
    // and emptied where they are not addresses or are taken; the activity table is gone.
    const common = ['column-dropped reaction.content_id', 'rows-lost reaction', 'value-changed user.email'];
    expect(allowed).toEqual({
      '2-183fdb3c': [...common, 'table-dropped activity'].sort(),
      '3-d2c67bac': [...common].sort(),
    });
  });
});
