import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import pg from 'pg';
import { findUserByToken } from '../../src/auth/index.ts';
import {
  createPerfAlert,
  insertBugTemplate,
  insertJob,
  insertPerfDatum,
  insertPerfSignature,
  insertRepository,
  pushStored,
  testPerfAlert,
  testPerfAlertSummary,
  testPerfAlertSummary2,
  testPerfFramework,
  testPerfSignature,
  testPerfSignature2,
  testRepository,
  testSheriff,
  testUser,
  tryRepository,
} from '../fixtures/index.ts';
import { withTestDatabase } from '../support/database.ts';

const db = await withTestDatabase();
beforeEach(() => db.reset());

test('repositories keep the ids the spec names and later ids do not collide', async () => {
  assert.equal((await testRepository(db.primary)).id, 1);
  const tryRepo = await tryRepository(db.primary);
  assert.deepEqual([tryRepo.id, tryRepo.name, tryRepo.is_try_repo], [4, 'try', true]);
  assert.equal((await insertRepository(db.primary, { name: 'autoland' })).id, 5);
  assert.equal((await testRepository(db.primary)).id, 1, 'asking again returns the same row');
});

test('test_perf_signature and test_perf_signature_2 have the listed attributes', async () => {
  const s = await testPerfSignature(db.primary);
  const { rows } = await db.primary.query(
    `SELECT s.signature_hash, r.name AS repo, f.name AS framework, f.enabled, mp.platform, o.name AS option,
            oc.option_collection_hash, s.suite, s.test, s.application, s.tags, s.extra_options,
            s.measurement_unit, s.has_subtests, s.last_updated > now() - interval '1 minute' AS fresh
     FROM performance_signature s
     JOIN repository r ON r.id = s.repository_id
     JOIN performance_framework f ON f.id = s.framework_id
     JOIN machine_platform mp ON mp.id = s.platform_id
     JOIN option_collection oc ON oc.id = s.option_collection_id
     JOIN option o ON o.id = oc.option_id
     WHERE s.id = $1`,
    [s.id],
  );
  assert.deepEqual(rows[0], {
    signature_hash: 't'.repeat(40),
    repo: 'mozilla-central',
    framework: 'test_talos',
    enabled: true,
    platform: 'win7',
    option: 'opt',
    option_collection_hash: 'my_option_hash',
    suite: 'mysuite',
    test: 'mytest',
    application: 'firefox',
    tags: 'warm pageload',
    extra_options: 'e10s opt',
    measurement_unit: 'ms',
    has_subtests: false,
    fresh: true,
  });
  const s2 = await testPerfSignature2(db.primary);
  assert.deepEqual(
    [s2.signature_hash, s2.suite, s2.test, s2.platform_id],
    ['t2'.repeat(20), 'mysuite2', 'mytest2', s.platform_id],
  );
});

test('test_perf_framework gets id 1 when the reference frameworks are cleared', async () => {
  assert.equal((await testPerfFramework(db.primary)).id, 19);
  await db.reset({ keepFrameworks: false });
  assert.equal((await testPerfFramework(db.primary)).id, 1);
  const { rows } = await db.primary.query('SELECT count(*)::int AS n FROM performance_framework');
  assert.equal(rows[0].n, 1);
  await db.primary.query("UPDATE issue_tracker SET name = 'changed' WHERE id = 1");
  await db.reset();
  const restored = await db.primary.query(
    `SELECT (SELECT count(*)::int FROM performance_framework) AS frameworks,
            (SELECT name FROM issue_tracker WHERE id = 1) AS tracker`,
  );
  assert.deepEqual(restored.rows[0], { frameworks: 13, tracker: 'Bugzilla' });
  assert.equal((await testPerfFramework(db.primary)).id, 19, 'identities are past the restored rows');
});

test('alert summaries 1 (pushes 1 → 2, tag harness) and 2 (2 → 3), alert with the create_perf_alert defaults', async () => {
  const alert = await testPerfAlert(db.primary);
  const summary2 = await testPerfAlertSummary2(db.primary);
  const summary = await testPerfAlertSummary(db.primary);
  assert.deepEqual([summary.id, summary.prev_push_id, summary.push_id], [1, 1, 2]);
  assert.deepEqual([summary2.id, summary2.prev_push_id, summary2.push_id], [2, 2, 3]);
  const { rows } = await db.primary.query(
    `SELECT s.original_prev_push_id, s.original_push_id, s.issue_tracker_id, s.status, s.sheriffed,
            s.triage_due_date > s.created AS due, array_agg(t.name) AS tags
     FROM performance_alert_summary s
     JOIN performance_tag_alert_summaries ts ON ts.performancealertsummary_id = s.id
     JOIN performance_tag t ON t.id = ts.performancetag_id
     WHERE s.id = 1 GROUP BY s.id`,
  );
  assert.deepEqual(rows[0], {
    original_prev_push_id: 1,
    original_push_id: 2,
    issue_tracker_id: 1,
    status: 0,
    sheriffed: true,
    due: true,
    tags: ['harness'],
  });
  assert.deepEqual(
    [
      alert.summary_id,
      alert.amount_abs,
      alert.amount_pct,
      alert.is_regression,
      alert.prev_value,
      alert.new_value,
    ],
    [1, 50, 0.5, true, 100, 150],
  );
  assert.equal(alert.t_value, 20);
  const related = await createPerfAlert(db.primary, {
    summary_id: summary.id,
    series_signature_id: (await testPerfSignature2(db.primary)).id,
    related_summary_id: summary2.id,
    status: 1,
  });
  assert.equal(related.related_summary_id, 2);
  await assert.rejects(
    createPerfAlert(db.primary, {
      summary_id: summary2.id,
      series_signature_id: alert.series_signature_id,
      status: 2,
    }),
    { code: '23514', constraint: 'performance_alert_relational_status_check' },
  );
});

test('datums bump last_updated, allow identical job-less rows, and carry replicates and jobs', async () => {
  const signature = await insertPerfSignature(db.primary, { last_updated: new Date('2020-01-01T00:00:00Z') });
  const [push] = await pushStored(db.primary);
  assert.ok(push);
  const later = new Date('2024-02-01T23:28:29Z');
  for (let i = 0; i < 30; i++) {
    await insertPerfDatum(db.primary, { signature, pushId: push.id, value: 1, pushTimestamp: later });
  }
  const job = await insertJob(db.primary, {
    repositoryId: signature.repository_id,
    pushId: push.id,
    taskcluster: { taskId: 'V3SVuxO8TFy37En_6HcXLs', retryId: 0 },
  });
  const datum = await insertPerfDatum(db.primary, {
    signature,
    pushId: push.id,
    value: 2,
    pushTimestamp: later,
    jobId: job.id,
    replicates: [1.5, 2.5],
  });
  assert.equal(datum.job_id, job.id);
  const { rows } = await db.primary.query(
    `SELECT s.last_updated, (SELECT count(*)::int FROM performance_datum) AS datums,
            (SELECT array_agg(value ORDER BY id) FROM performance_datum_replicate) AS replicates,
            (SELECT task_id FROM taskcluster_metadata WHERE job_id = $2) AS task
     FROM performance_signature s WHERE s.id = $1`,
    [signature.id, job.id],
  );
  assert.deepEqual(rows[0], {
    last_updated: later,
    datums: 31,
    replicates: [1.5, 2.5],
    task: 'V3SVuxO8TFy37En_6HcXLs',
  });
});

test('users: test_user is plain, test_sheriff is staff, both with working tokens', async () => {
  const user = await testUser(db.primary);
  const sheriff = await testSheriff(db.primary);
  assert.deepEqual(
    [user.username, user.isStaff, sheriff.username, sheriff.isStaff],
    ['testuser1', false, 'testsheriff1', true],
  );
  assert.equal((await findUserByToken(db.primary, sheriff.token))?.id, sheriff.id);
  assert.equal((await testSheriff(db.primary)).id, sheriff.id, 'asking again returns the same user');
});

test('bug templates and fixture rows reach the replica after waitForReplicas', async () => {
  const framework = await testPerfFramework(db.primary);
  await insertBugTemplate(db.primary, { framework_id: framework.id });
  await testPerfSignature(db.primary);
  await db.cluster.waitForReplicas();
  const replica = new pg.Client(db.urls.replicas[0]);
  await replica.connect();
  try {
    const { rows } = await replica.query(
      `SELECT pg_is_in_recovery() AS standby, (SELECT count(*)::int FROM performance_bug_template) AS templates,
              (SELECT signature_hash FROM performance_signature) AS hash`,
    );
    assert.deepEqual(rows[0], { standby: true, templates: 1, hash: 't'.repeat(40) });
  } finally {
    await replica.end();
  }
});
