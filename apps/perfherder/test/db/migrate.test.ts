import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dbErrorCodes } from '../../src/db/errors.ts';
import { migrate } from '../../src/db/migrate.ts';
import { tableApps } from '../../src/db/table-apps.ts';
import { withTestDatabase } from '../support/database.ts';

const db = await withTestDatabase();
const migrationsDir = fileURLToPath(new URL('../../src/db/migrations/', import.meta.url));
/** Every migration file, in the order the runner applies them. */
const ALL = readdirSync(migrationsDir)
  .filter((f) => f.endsWith('.sql'))
  .sort();

test('a fresh database got every migration, and a second run applies nothing', async () => {
  const { rows } = await db.primary.query<{ name: string }>(
    'SELECT name FROM schema_migrations ORDER BY name',
  );
  assert.deepEqual(
    rows.map((r) => r.name),
    ALL,
  );
  const logs: string[] = [];
  const again = await migrate(db.urls.primary, { log: (m) => logs.push(m) });
  assert.deepEqual(again.applied, []);
  assert.deepEqual(logs, ['database is up to date']);
});

test('two runners started together apply each file once', async () => {
  await db.cluster.createDatabase('concurrent');
  const url = db.cluster.urls('concurrent').primary;
  const [a, b] = await Promise.all([migrate(url), migrate(url)]);
  assert.deepEqual([...a.applied, ...b.applied].sort(), ALL);
});

test('the runner refuses a replica with PH_ERR_MIGRATE_REPLICA', async () => {
  const replica = db.urls.replicas[0];
  assert.ok(replica);
  await assert.rejects(migrate(replica), { code: dbErrorCodes.migrateReplica, name: 'MigrateReplicaError' });
});

test('an applied migration that was edited stops the run with PH_ERR_MIGRATION_CHANGED', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ph-migrations-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(migrationsDir, dir, { recursive: true });
  writeFileSync(join(dir, '0002_reference_data.sql'), '-- edited\nSELECT 1;\n');
  await assert.rejects(migrate(db.urls.primary, { migrationsDir: dir }), {
    code: dbErrorCodes.migrationChanged,
    migration: '0002_reference_data.sql',
  });
});

test('a failing migration is rolled back and not recorded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ph-migrations-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(migrationsDir, dir, { recursive: true });
  writeFileSync(
    join(dir, '9999_broken.sql'),
    'CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n',
  );
  await assert.rejects(
    migrate(db.urls.primary, { migrationsDir: dir }),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, dbErrorCodes.migrationFailed);
      assert.equal((error.cause as { code?: string }).code, '42P01');
      return true;
    },
  );
  const { rows } = await db.primary.query(
    "SELECT to_regclass('half_done') AS t, (SELECT count(*)::int FROM schema_migrations WHERE name = '9999_broken.sql') AS n",
  );
  assert.deepEqual(rows[0], { t: null, n: 0 });
});

test('tableApps names exactly the tables the migrations create', async () => {
  const { rows } = await db.primary.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'
     ORDER BY table_name`,
  );
  assert.deepEqual(
    rows.map((r) => r.table_name),
    Object.keys(tableApps).sort(),
  );
  for (const [table, app] of Object.entries(tableApps)) {
    const expected = table.startsWith('auth_')
      ? 'auth'
      : table.startsWith('changelog_')
        ? 'changelog'
        : /^(performance_|perf_|backfill_|issue_tracker$)/.test(table)
          ? 'perf'
          : 'model';
    assert.equal(app, expected, table);
  }
});

test('every foreign-key column leads an index', async () => {
  const { rows } = await db.primary.query<{ table_name: string; column_name: string }>(
    `SELECT c.conrelid::regclass::text AS table_name, a.attname AS column_name
     FROM pg_constraint c
     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
     WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
       AND NOT EXISTS (
         SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1]
       )`,
  );
  assert.deepEqual(rows, []);
});

test('every foreign key is deferrable, initially deferred', async () => {
  const { rows } = await db.primary.query(
    `SELECT conname FROM pg_constraint
     WHERE contype = 'f' AND connamespace = 'public'::regnamespace AND NOT (condeferrable AND condeferred)`,
  );
  assert.deepEqual(rows, []);
});

test('reference data: fixture frameworks and issue trackers, identities ahead of them', async () => {
  const frameworks = await db.primary.query<{ id: number; name: string; enabled: boolean }>(
    'SELECT id, name, enabled FROM performance_framework ORDER BY id',
  );
  assert.equal(frameworks.rows.length, 13);
  assert.deepEqual(
    frameworks.rows.filter((f) => !f.enabled).map((f) => f.name),
    ['awfy', 'vcs'],
  );
  assert.deepEqual(frameworks.rows.at(-1), { id: 18, name: 'mozharness', enabled: true });
  const trackers = await db.primary.query('SELECT id, name, task_base_url FROM issue_tracker ORDER BY id');
  assert.deepEqual(trackers.rows[0], {
    id: 1,
    name: 'Bugzilla',
    task_base_url: 'https://bugzilla.mozilla.org/show_bug.cgi?id=',
  });
  const client = await db.primary.connect();
  try {
    await client.query('BEGIN');
    const fw = await client.query("INSERT INTO performance_framework (name) VALUES ('new_one') RETURNING id");
    const it = await client.query(
      "INSERT INTO issue_tracker (name, task_base_url) VALUES ('x', 'y') RETURNING id",
    );
    assert.equal(fw.rows[0].id, 19);
    assert.equal(it.rows[0].id, 3);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});

test('the relational-status rule is enforced by the database', async () => {
  const { rows } = await db.primary.query(
    `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
     WHERE conname = 'performance_alert_relational_status_check'`,
  );
  assert.equal(rows.length, 1);
});

test('core schema (0003): no repository.branch, fixture repository groups, a search vector for every commit', async () => {
  const columns = await db.primary.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND (table_name, column_name) IN
       (('repository', 'branch'), ('push', 'branch'), ('auth_user', 'is_superuser'))
     ORDER BY 1, 2`,
  );
  assert.deepEqual(
    columns.rows.map((r) => `${r.table_name}.${r.column_name}`),
    ['auth_user.is_superuser', 'push.branch'],
  );
  const groups = await db.primary.query<{ id: number; name: string }>(
    'SELECT id, name FROM repository_group ORDER BY id',
  );
  assert.deepEqual(
    groups.rows.slice(0, 3).map((g) => [g.id, g.name]),
    [
      [1, 'development'],
      [2, 'release-stabilization'],
      [3, 'try'],
    ],
  );
  const client = await db.primary.connect();
  try {
    await client.query('BEGIN');
    // A commit inserted after the migration (the reference's vector covers only commits that existed at
    // its migration), then changed: the stored vector follows both.
    const repo = await client.query(
      "INSERT INTO repository (repository_group_id, name, url, tc_root_url) VALUES (1, 'r', 'u', 't') RETURNING id",
    );
    const push = await client.query(
      "INSERT INTO push (repository_id, revision, author, time) VALUES ($1, repeat('a', 40), 'x@y', now()) RETURNING id",
      [repo.rows[0].id],
    );
    const commit = await client.query(
      `INSERT INTO commit (push_id, revision, author, comments)
       VALUES ($1, repeat('a', 40), 'Jane Doe <jdoe@mozilla.com>', 'Bug 123 - Speed up the parsers r=reviewer')
       RETURNING id`,
      [push.rows[0].id],
    );
    const matches = async (text: string) =>
      (
        await client.query(
          "SELECT count(*)::int AS n FROM commit WHERE search_vector @@ plainto_tsquery('english', $1)",
          [text],
        )
      ).rows[0].n;
    assert.equal(await matches('parser speeding'), 1, 'stemmed english words match');
    assert.equal(await matches('jdoe@mozilla.com'), 1, 'the author is in the vector');
    assert.equal(await matches('tokenizer'), 0);
    await client.query("UPDATE commit SET comments = 'Bug 9 - Rewrite the tokenizer' WHERE id = $1", [
      commit.rows[0].id,
    ]);
    assert.equal(await matches('tokenizer'), 1);
    assert.equal(await matches('parser'), 0);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});
