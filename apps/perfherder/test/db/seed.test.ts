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
  assert.deepEqual(r.repos, [
    'mozilla-central',
    'try',
    'mozilla-beta',
    'mozilla-release',
    'autoland',
    'fenix',
  ]);
  assert.equal(r.onhold, 'fenix');
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
  assert.deepEqual(r.users, [
    'mozilla-ldap/psheriff@mozilla.com:true',
    'mozilla-ldap/kimtanaka@mozilla.com:true',
    'mozilla-ldap/omarhaddad@mozilla.com:true',
    'mozilla-ldap/pviewer@mozilla.com:false',
  ]);
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

test('what the clients assume (treeherder-core-api.md section 8): fixture ids, commits, users, enumerations', async () => {
  const { rows } = await db.primary.query(`SELECT
    (SELECT array_agg(id || ':' || name ORDER BY id) FROM repository) AS repos,
    (SELECT array_agg(name ORDER BY id) FROM performance_tag) AS tags,
    (SELECT count(*)::int FROM push p WHERE NOT EXISTS (SELECT 1 FROM commit c WHERE c.push_id = p.id)) AS no_commits,
    (SELECT count(*)::int FROM push p WHERE NOT EXISTS
       (SELECT 1 FROM commit c WHERE c.push_id = p.id AND c.revision = p.revision)) AS no_tip,
    (SELECT count(*)::int FROM push p WHERE p.revision <>
       (SELECT c.revision FROM commit c WHERE c.push_id = p.id ORDER BY c.id DESC LIMIT 1)) AS tip_not_last,
    (SELECT count(*)::int FROM commit WHERE revision !~ '^[0-9a-f]{40}$' OR comments = '') AS bad_commits,
    (SELECT count(*)::int FROM push p JOIN repository r ON r.id = p.repository_id
       WHERE r.is_try_repo AND (SELECT count(*) FROM commit c WHERE c.push_id = p.id) < 2) AS short_try,
    (SELECT count(*)::int FROM auth_user
       WHERE username !~ '^mozilla-ldap/\\w+@mozilla\\.com$' OR email <> split_part(username, '/', 2)) AS bad_users,
    (SELECT count(*)::int FROM performance_alert_summary s JOIN auth_user u ON u.id = s.assignee_id) AS assigned,
    (SELECT coalesce(max(status), 0) FROM backfill_record) AS max_backfill_status,
    (SELECT count(*)::int FROM changelog_entry) AS changelog,
    (SELECT count(*)::int FROM changelog_file) AS changelog_files`);
  const r = rows[0];
  assert.deepEqual(r.repos, [
    '1:mozilla-central',
    '4:try',
    '6:mozilla-beta',
    '7:mozilla-release',
    '77:autoland',
    '108:fenix',
  ]);
  assert.deepEqual(r.tags, [
    'harness',
    'regression-backedout',
    'infra',
    'regression-fix',
    'improvement',
    'improvement-backedout',
    'early-beta-or-earlier',
    'bisection',
  ]);
  assert.equal(r.no_commits, 0, 'every push has a commit');
  assert.equal(r.no_tip, 0, 'one commit of each push is its tip revision');
  assert.equal(r.tip_not_last, 0, 'the tip is the newest commit');
  assert.equal(r.bad_commits, 0);
  assert.equal(r.short_try, 0, 'try pushes end with their try_task_config commit');
  assert.equal(r.bad_users, 0);
  assert.ok(r.assigned > 0, 'some summaries have an assignee');
  assert.ok(r.max_backfill_status <= 4, 'backfill statuses stay within what the UI maps');
  assert.ok(r.changelog > 0 && r.changelog_files >= r.changelog);
});

test("the Alerts page's default view has untriaged talos summaries; the Monitoring tab has sheriffed=false ones", async () => {
  // The default filter: framework 1, status 0, sheriffed, active repository, with an untriaged alert of
  // its own (hide_related_and_invalid keeps alerts in status 0).
  const { rows } = await db.primary.query(`SELECT
    (SELECT count(*)::int FROM performance_alert_summary s JOIN repository r ON r.id = s.repository_id
      WHERE s.framework_id = 1 AND s.status = 0 AND s.sheriffed AND r.active_status = 'active'
        AND EXISTS (SELECT 1 FROM performance_alert a WHERE a.summary_id = s.id AND a.status = 0)) AS untriaged,
    (SELECT count(*)::int FROM performance_alert_summary s JOIN repository r ON r.id = s.repository_id
      WHERE s.framework_id = 1 AND s.status = 0 AND s.sheriffed AND r.active_status = 'active'
        AND EXISTS (SELECT 1 FROM performance_alert a WHERE a.summary_id = s.id AND a.is_regression)) AS regressions,
    (SELECT count(*)::int FROM performance_alert_summary s JOIN repository r ON r.id = s.repository_id
      WHERE NOT s.sheriffed AND r.active_status = 'active') AS monitored`);
  assert.ok(rows[0].untriaged >= 3, `${rows[0].untriaged} untriaged talos summaries`);
  assert.ok(rows[0].regressions >= 1);
  assert.ok(rows[0].monitored >= 2);
});

test('timestamps end at the anchor (now by default); every other value depends only on the seed', async () => {
  // The same seed anchored a week later: every timestamp moves by exactly the week, nothing else changes.
  const shifted = await freshDatabase('seed_shifted');
  const week = 7 * 86_400;
  await seed(shifted, { size: 'tiny', seed: 42, endTime: new Date(endTime.getTime() + week * 1000) });
  const relative = async (url: string) => {
    const client = new pg.Client(url);
    await client.connect();
    try {
      const anchor = 'extract(epoch FROM time)';
      const { rows } = await client.query(
        `SELECT
        (SELECT md5(string_agg(revision || ':' || (${anchor} - $1)::bigint, ',' ORDER BY id)) FROM push) AS pushes,
        (SELECT md5(string_agg(value || ':' || (extract(epoch FROM push_timestamp) - $1)::bigint, ',' ORDER BY id))
           FROM performance_datum) AS datums,
        (SELECT md5(string_agg(comments, ',' ORDER BY id)) FROM commit) AS commits`,
        [Math.floor(endTime.getTime() / 1000) + (url === shifted ? week : 0)],
      );
      return rows[0];
    } finally {
      await client.end();
    }
  };
  assert.deepEqual(await relative(shifted), await relative(db.urls.primary));

  // Anchored at now (the default, what npm start does): the newest push of every repository and the
  // newest datum are hours old at most, and every signature was updated within the graphs' 14 days.
  const now = await freshDatabase('seed_now');
  await seed(now, { size: 'tiny', seed: 5 });
  const client = new pg.Client(now);
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT
      (SELECT max(extract(epoch FROM now() - newest)) FROM
         (SELECT max(time) AS newest FROM push GROUP BY repository_id) t) AS oldest_newest_push,
      (SELECT extract(epoch FROM now() - max(push_timestamp)) FROM performance_datum) AS newest_datum,
      (SELECT count(*)::int FROM performance_signature WHERE last_updated < now() - interval '14 days') AS stale,
      (SELECT count(*)::int FROM push WHERE time > now()) AS future`);
    const r = rows[0];
    assert.ok(Number(r.oldest_newest_push) <= 3 * 3600 + 60, `newest push ${r.oldest_newest_push} s old`);
    assert.ok(Number(r.newest_datum) <= 3 * 3600 + 60);
    assert.equal(r.stale, 0);
    assert.equal(r.future, 0);
  } finally {
    await client.end();
  }
});
