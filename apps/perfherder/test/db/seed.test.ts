import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import pg from 'pg';
import { dbErrorCodes } from '../../src/db/errors.ts';
import { migrate } from '../../src/db/migrate.ts';
import { type SeedCounts, seed } from '../../src/seed/index.ts';
import { withTestDatabase } from '../support/database.ts';

const db = await withTestDatabase();
const endTime = new Date('2026-03-02T10:00:00Z');

async function freshDatabase(name: string): Promise<string> {
  const url = (await db.cluster.createDatabase(name)).primary;
  await migrate(url);
  return url;
}

async function fingerprint(url: string): Promise<Record<string, unknown>> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT
      (SELECT md5(string_agg(signature_hash, ',' ORDER BY id)) FROM performance_signature) AS hashes,
      (SELECT md5(string_agg(value::text, ',' ORDER BY id)) FROM performance_datum) AS datum_values,
      (SELECT md5(string_agg(value::text, ',' ORDER BY id)) FROM performance_datum_replicate) AS replicates,
      (SELECT md5(string_agg(revision || time::text, ',' ORDER BY id)) FROM push) AS pushes,
      (SELECT md5(string_agg(concat_ws('|', summary_id, related_summary_id, status, prev_value, new_value), ','
         ORDER BY id)) FROM performance_alert) AS alerts`);
    return rows[0];
  } finally {
    await client.end();
  }
}

let counts: SeedCounts;
before(async () => {
  counts = await seed(db.urls.primary, { size: 'tiny', seed: 42, endTime });
});

test('tiny is deterministic: same seed, same rows; another seed, other rows', async () => {
  const twin = await freshDatabase('seed_twin');
  assert.deepEqual(await seed(twin, { size: 'tiny', seed: 42, endTime }), counts);
  assert.deepEqual(await fingerprint(twin), await fingerprint(db.urls.primary));

  const other = await freshDatabase('seed_other');
  await seed(other, { size: 'tiny', seed: 43, endTime });
  const [a, b] = [await fingerprint(other), await fingerprint(db.urls.primary)];
  assert.notEqual(a.datum_values, b.datum_values);
  assert.notEqual(a.pushes, b.pushes);
});

test('tiny holds a few hundred datums and the counts match the tables', async () => {
  const datums = counts.performance_datum ?? 0;
  assert.ok(datums >= 200 && datums <= 1500, `${datums} datums`);
  for (const [table, n] of Object.entries(counts)) {
    const { rows } = await db.primary.query(`SELECT count(*)::int AS n FROM "${table}"`);
    assert.equal(rows[0].n, n, table);
  }
});

test('alert summaries cover statuses 0-9 and alerts 0-5, relational alerts point at another summary', async () => {
  const summaries = await db.primary.query(
    'SELECT DISTINCT status FROM performance_alert_summary ORDER BY 1',
  );
  assert.deepEqual(
    summaries.rows.map((r) => r.status),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  const alerts = await db.primary.query('SELECT DISTINCT status FROM performance_alert ORDER BY 1');
  assert.deepEqual(
    alerts.rows.map((r) => r.status),
    [0, 1, 2, 3, 4, 5],
  );
  const { rows } = await db.primary.query(
    `SELECT count(*)::int AS n FROM performance_alert
     WHERE status IN (1, 2) AND (related_summary_id IS NULL OR related_summary_id = summary_id)`,
  );
  assert.equal(rows[0].n, 0);
});

test('the data has the shapes the API needs', async () => {
  const { rows } = await db.primary.query(`SELECT
    (SELECT array_agg(name ORDER BY id) FROM repository) AS repos,
    (SELECT name FROM repository WHERE active_status = 'onhold') AS onhold,
    (SELECT name FROM repository WHERE is_try_repo) AS try,
    (SELECT count(*)::int FROM performance_signature WHERE signature_hash !~ '^[0-9a-f]{40}$') AS bad_hashes,
    (SELECT count(*)::int FROM performance_signature WHERE has_subtests) AS parents,
    (SELECT count(*)::int FROM performance_signature WHERE parent_signature_id IS NOT NULL) AS subtests,
    (SELECT count(*)::int FROM performance_signature s
       WHERE last_updated < (SELECT max(push_timestamp) FROM performance_datum d WHERE d.signature_id = s.id))
       AS stale_last_updated,
    (SELECT count(*)::int FROM push WHERE revision !~ '^[0-9a-f]{40}$') AS bad_revisions,
    (SELECT count(DISTINCT revision)::int FROM push p WHERE EXISTS
       (SELECT 1 FROM push q WHERE q.revision = p.revision AND q.repository_id <> p.repository_id)) AS shared_revisions,
    (SELECT count(*)::int FROM performance_datum WHERE job_id IS NULL) AS expired_job_datums,
    (SELECT count(*)::int FROM job j JOIN taskcluster_metadata t ON t.job_id = j.id) AS jobs_with_tc,
    (SELECT count(*)::int FROM job) AS jobs,
    (SELECT bool_and(name LIKE 'test-%/%-%' OR name LIKE 'build-%/%' OR name LIKE '%side-by-side%') FROM job_type)
       AS job_type_names,
    (SELECT count(*)::int FROM performance_datum_replicate) AS replicates,
    (SELECT count(*)::int FROM performance_tag_alert_summaries) AS tagged,
    (SELECT count(*)::int FROM performance_bug_template) AS templates,
    (SELECT array_agg(username || ':' || is_staff ORDER BY id) FROM auth_user) AS users,
    (SELECT count(*)::int FROM auth_token) AS tokens`);
  const r = rows[0];
  assert.deepEqual(r.repos, ['mozilla-central', 'autoland', 'try', 'mozilla-beta', 'mozilla-esr115']);
  assert.equal(r.onhold, 'mozilla-esr115');
  assert.equal(r.try, 'try');
  assert.equal(r.bad_hashes, 0);
  assert.ok(r.parents > 0 && r.subtests > 0);
  assert.equal(r.stale_last_updated, 0);
  assert.equal(r.bad_revisions, 0);
  assert.ok(r.shared_revisions > 0, 'mozilla-central merges reuse autoland revisions');
  assert.ok(r.expired_job_datums > 0, 'old datums lost their expired jobs');
  assert.equal(r.jobs_with_tc, r.jobs);
  assert.equal(r.job_type_names, true);
  assert.ok(r.replicates > 0 && r.tagged > 0 && r.templates > 0);
  assert.deepEqual(r.users, ['perf-sheriff:true', 'perf-viewer:false']);
  assert.equal(r.tokens, 0);
});

test('identity sequences continue after the seeded ids', async () => {
  const client = await db.primary.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query(
      "INSERT INTO push (repository_id, revision, author, time) VALUES (1, repeat('f', 40), 'a', now()) RETURNING id",
    );
    assert.equal(rows[0].id, (counts.push ?? 0) + 1);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});

test('seeding refuses a database with data and a replica', async () => {
  await assert.rejects(seed(db.urls.primary, { size: 'tiny', seed: 1 }), {
    code: dbErrorCodes.seedNotEmpty,
  });
  await db.cluster.waitForReplicas();
  await assert.rejects(seed(db.urls.replicas[0] ?? '', { size: 'tiny', seed: 1 }), {
    code: dbErrorCodes.seedReplica,
  });
});

test('a seed that fails part-way leaves the database empty, indexes included', async () => {
  const url = await freshDatabase('seed_fail');
  const client = new pg.Client(url);
  await client.connect();
  try {
    const indexes = `SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'public'`;
    const before = (await client.query(indexes)).rows[0].n;
    // Alerts are written last: the failure comes after every datum and job is in.
    await client.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$`);
    await client.query(
      'CREATE TRIGGER refuse BEFORE INSERT ON performance_alert FOR EACH STATEMENT EXECUTE FUNCTION refuse()',
    );
    await assert.rejects(seed(url, { size: 'tiny', seed: 42, endTime }), /refused by test/);
    const { rows } = await client.query(
      `SELECT (SELECT count(*)::int FROM push) AS pushes, (SELECT count(*)::int FROM performance_datum) AS datums,
              (SELECT count(*)::int FROM auth_user) AS users`,
    );
    assert.deepEqual(rows[0], { pushes: 0, datums: 0, users: 0 });
    assert.equal((await client.query(indexes)).rows[0].n, before);
  } finally {
    await client.end();
  }
});

test('after seeding, indexes and constraints are exactly those of the migrations', async () => {
  const fresh = await freshDatabase('seed_schema');
  const schema = async (url: string) => {
    const client = new pg.Client(url);
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT indexdef AS def FROM pg_indexes WHERE schemaname = 'public'
         UNION ALL
         SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
         FROM pg_constraint WHERE connamespace = 'public'::regnamespace
         ORDER BY 1`,
      );
      return rows.map((r) => r.def);
    } finally {
      await client.end();
    }
  };
  assert.deepEqual(await schema(db.urls.primary), await schema(fresh));
});
