import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { captureQueries } from 'replica-router/testing';
import type { Queryable } from '../../src/db/queryable.ts';
import { parseQueryDatetime } from '../../src/perf/summary/iso-datetime.ts';
import { filterOutRetriggers } from '../../src/perf/summary/summary-query.ts';
import {
  createPerfAlert,
  fixtureRevision,
  insertBugTemplate,
  insertJob,
  insertMachinePlatform,
  insertPerfDatum,
  insertPerfFramework,
  insertPerfSignature,
  insertPush,
  type JobRow,
  type PushRow,
  type SignatureRow,
  testPerfAlertSummary,
  testPerfAlertSummary2,
  testPerfFramework,
  testPerfSignature,
  testPerfSignature2,
  testRepository,
  tryRepository,
} from '../fixtures/index.ts';
import { type ServiceApp, startServiceApp } from '../support/service-app.ts';

type Json = Record<string, unknown>;

/** Pushes, jobs and one datum (value 10) per push in November 2013, like the reference's `test_perf_data`. */
interface PerfData {
  signature: SignatureRow;
  pushes: PushRow[];
  jobs: JobRow[];
}

/**
 * `test_perf_signature` with the alert settings the reference's summary test expects, and 4 datums on
 * 4 pushes (one job each: submit time 2013-11-0{i}T12:00:00, machine `machine-<i>`).
 */
async function perfData(db: Queryable): Promise<PerfData> {
  const signature = await testPerfSignature(db);
  await db.query(
    'UPDATE performance_signature SET should_alert = true, alert_change_type = 1, alert_threshold = 2 WHERE id = $1',
    [signature.id],
  );
  const pushes: PushRow[] = [];
  const jobs: JobRow[] = [];
  for (let i = 1; i <= 4; i++) {
    const time = new Date(Date.UTC(2013, 10, 10 + i, 23, 28, 29));
    const push = await insertPush(db, {
      repository_id: signature.repository_id,
      revision: fixtureRevision('mozilla-central', i),
      time,
    });
    const job = await insertJob(db, {
      repositoryId: signature.repository_id,
      pushId: push.id,
      machineName: `machine-${i}`,
      submitTime: new Date(Date.UTC(2013, 10, i, 12, 0, 0)),
    });
    await insertPerfDatum(db, { signature, pushId: push.id, value: 10, pushTimestamp: time, jobId: job.id });
    pushes.push(push);
    jobs.push(job);
  }
  return { signature, pushes, jobs };
}

const RANGE = 'startday=2013-11-01T23%3A28%3A29&endday=2013-11-30T23%3A28%3A29';

describe('summary, alert-summary tasks, validity dashboard and the small perf endpoints', () => {
  let db: ServiceApp['db'];
  let app: ServiceApp['app'];
  let close: ServiceApp['close'] | undefined;
  let replica: pg.Pool;

  before(async () => {
    ({ db, app, close } = await startServiceApp());
    replica = new pg.Pool({ connectionString: db.urls.replicas[0], max: 1 });
  });
  after(async () => {
    await replica?.end();
    await close?.();
  });
  beforeEach(() => db.reset());

  /** GET through the app; asserts every statement ran on `alias`. */
  async function get(url: string, alias: 'read_replica' | 'default' = 'read_replica') {
    const { result, queries } = await captureQueries(() => app.inject(url));
    assert.ok(queries.length > 0, `no statement for ${url}`);
    assert.ok(
      queries.every((q) => q.alias === alias),
      `${url}: expected every statement on ${alias}: ${JSON.stringify(queries.map((q) => [q.alias, q.sql]))}`,
    );
    return result;
  }

  /** seq_scan + idx_scan of a table as one server's statistics see it. */
  async function scans(pool: pg.Pool | Queryable, table: string): Promise<number> {
    const { rows } = await pool.query(
      `SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) AS n FROM pg_stat_user_tables WHERE relname = $1`,
      [table],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Polls (bounded) until the server's scan count of `table` exceeds `before`. A backend flushes its
   * statistics at the end of a transaction at most once a second, else after 10 s idle; `nudge` (a request
   * through the app on the same server) runs a new transaction on the pool's connection so the
   * flush comes after ~1 s (ideally it does not read `table` itself).
   */
  async function scansGrow(
    pool: pg.Pool | Queryable,
    table: string,
    before: number,
    nudge: () => Promise<unknown>,
  ): Promise<number> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const now = await scans(pool, table);
      if (now > before || Date.now() > deadline) return now;
      await sleep(1100);
      await nudge();
    }
  }

  /**
   * Runs `fn` while the replica's WAL replay is paused, so a row written on the primary meanwhile is
   * visible to a read there and not to a read on the replica: which server answered shows in the body.
   */
  async function withReplayPaused<T>(fn: () => Promise<T>): Promise<T> {
    await replica.query('SELECT pg_wal_replay_pause()');
    try {
      return await fn();
    } finally {
      await replica.query('SELECT pg_wal_replay_resume()');
      await db.cluster.waitForReplicas();
    }
  }

  describe('GET /api/performance/summary/', () => {
    it('perf_summary: by revision, the exact object; by startday/endday, all four values', async () => {
      const { signature, pushes, jobs } = await perfData(db.primary);
      await db.cluster.waitForReplicas();
      const expected = {
        signature_id: signature.id,
        framework_id: signature.framework_id,
        signature_hash: signature.signature_hash,
        platform: 'win7',
        test: 'mytest',
        suite: 'mysuite',
        lower_is_better: true,
        has_subtests: false,
        tags: 'warm pageload',
        values: [10],
        name: 'mysuite mytest opt e10s opt',
        parent_signature: null,
        job_ids: [jobs[0]?.id],
        repository_name: 'mozilla-central',
        repository_id: 1,
        data: [],
        measurement_unit: 'ms',
        application: 'firefox',
        should_alert: true,
        alert_change_type: 1,
        alert_threshold: 2,
        submit_times: ['2013-11-01T12:00:00'],
      };
      const base = `/api/performance/summary/?repository=mozilla-central&framework=${signature.framework_id}&interval=172800&no_subtests=true`;
      const byRevision = await get(`${base}&revision=${pushes[0]?.revision}`);
      assert.equal(byRevision.statusCode, 200);
      assert.deepEqual(byRevision.json(), [expected]);

      const byRange = await get(`${base}&${RANGE}`);
      assert.equal(byRange.statusCode, 200);
      assert.deepEqual(byRange.json(), [
        {
          ...expected,
          values: [10, 10, 10, 10],
          job_ids: jobs.map((j) => j.id),
          submit_times: [1, 2, 3, 4].map((d) => `2013-11-0${d}T12:00:00`),
        },
      ]);
    });

    it('the summary is read on the replica (server-side: statistics and paused replay)', async () => {
      const { signature, pushes, jobs } = await perfData(db.primary);
      const { rows } = await db.primary.query('SELECT id FROM performance_datum WHERE job_id = $1', [
        jobs[0]?.id,
      ]);
      await db.primary.query(
        'INSERT INTO performance_datum_replicate (performance_datum_id, value) VALUES ($1, 1)',
        [rows[0].id],
      );
      await db.cluster.waitForReplicas();
      const url = `/api/performance/summary/?repository=mozilla-central&framework=${signature.framework_id}&no_subtests=true&${RANGE}`;
      // Nothing else in this file reads performance_datum_replicate on the replica before this request.
      const before = await scans(replica, 'performance_datum_replicate');
      assert.equal((await get(`${url}&replicates=true`)).statusCode, 200);
      const after = await scansGrow(replica, 'performance_datum_replicate', before, () =>
        app.inject('/api/performance/issue-tracker/'),
      );
      assert.ok(after > before, `replica scans of performance_datum_replicate ${before} -> ${after}`);

      // A datum written while the replica does not replay is missing from the answer.
      await withReplayPaused(async () => {
        await insertPerfDatum(db.primary, {
          signature,
          pushId: (pushes[0] as PushRow).id,
          value: 99,
          pushTimestamp: (pushes[0] as PushRow).time,
        });
        const [item] = (await get(url)).json() as Json[];
        assert.deepEqual(item?.values, [10, 10, 10, 10]);
      });
      const [item] = (await get(url)).json() as Json[];
      assert.deepEqual(item?.values, [10, 10, 10, 10, 99], 'after replay the new datum shows');
    });

    for (const replicates of [true, false]) {
      it(`perf_summary_data_includes_submit_time and machine_name [replicates=${replicates}]`, async () => {
        const { signature, pushes, jobs } = await perfData(db.primary);
        // A single replicate replaces its datum's value when replicates are asked for.
        const { rows } = await db.primary.query('SELECT id FROM performance_datum WHERE job_id = $1', [
          jobs[0]?.id,
        ]);
        await db.primary.query(
          'INSERT INTO performance_datum_replicate (performance_datum_id, value) VALUES ($1, 5.5)',
          [rows[0].id],
        );
        await db.cluster.waitForReplicas();
        const res = await get(
          `/api/performance/summary/?repository=mozilla-central&signature=${signature.id}&all_data=true&replicates=${replicates}&${RANGE}`,
        );
        assert.equal(res.statusCode, 200);
        const [item] = res.json() as Json[];
        assert.ok(item);
        assert.deepEqual(item.values, []);
        assert.deepEqual(item.job_ids, []);
        assert.deepEqual(item.submit_times, []);
        const data = item.data as Json[];
        assert.equal(data.length, 4, 'one row per datum');
        assert.deepEqual(
          data.map((d) => d.value),
          [replicates ? 5.5 : 10, 10, 10, 10],
        );
        data.forEach((d, i) => {
          assert.deepEqual(Object.keys(d), [
            'job_id',
            'id',
            'value',
            'push_timestamp',
            'push_id',
            'revision',
            'submit_time',
            'machine_name',
          ]);
          assert.equal(d.job_id, jobs[i]?.id);
          assert.equal(d.push_id, pushes[i]?.id);
          assert.equal(d.revision, pushes[i]?.revision);
          assert.equal(d.push_timestamp, `2013-11-${11 + i}T23:28:29`);
          assert.equal(d.submit_time, `2013-11-0${i + 1}T12:00:00`);
          assert.equal(d.machine_name, `machine-${i + 1}`);
        });
      });
    }

    it('replicates expand values in output mode B; values are HALF_EVEN at 2 dp', async () => {
      const signature = await testPerfSignature(db.primary);
      const values = [0.125, 0.135, 2.675, 1.005, -0.125, 10];
      for (const [i, value] of values.entries()) {
        const time = new Date(Date.UTC(2013, 10, 10, 0, i));
        const push = await insertPush(db.primary, {
          repository_id: 1,
          revision: fixtureRevision('x', i),
          time,
        });
        await insertPerfDatum(db.primary, {
          signature,
          pushId: push.id,
          value,
          pushTimestamp: time,
          replicates: i === 5 ? [1.115, 1.125] : [],
        });
      }
      await db.cluster.waitForReplicas();
      const url = `/api/performance/summary/?repository=mozilla-central&no_subtests=true&${RANGE}`;
      const [plain] = (await get(url)).json() as Json[];
      assert.deepEqual(plain?.values, [0.12, 0.14, 2.68, 1, -0.12, 10]);
      assert.deepEqual(plain?.job_ids, [null, null, null, null, null, null]);
      assert.deepEqual(plain?.submit_times, [null, null, null, null, null, null]);
      const [withReplicates] = (await get(`${url}&replicates=true`)).json() as Json[];
      assert.deepEqual(withReplicates?.values, [0.12, 0.14, 2.68, 1, -0.12, 1.12, 1.12]);
    });

    it('renders datetimes like DRF: microseconds only when non-zero', async () => {
      const { signature, jobs } = await perfData(db.primary);
      await db.primary.query(`UPDATE job SET submit_time = '2013-11-01 12:00:00.123456+00' WHERE id = $1`, [
        jobs[0]?.id,
      ]);
      await db.primary.query(
        `UPDATE performance_datum SET push_timestamp = '2013-11-11 23:28:29.5+00' WHERE job_id = $1`,
        [jobs[0]?.id],
      );
      await db.cluster.waitForReplicas();
      const base = `/api/performance/summary/?repository=mozilla-central&no_subtests=true&${RANGE}`;
      const [series] = (await get(base)).json() as Json[];
      assert.deepEqual(series?.submit_times, [
        '2013-11-01T12:00:00.123456',
        '2013-11-02T12:00:00',
        '2013-11-03T12:00:00',
        '2013-11-04T12:00:00',
      ]);
      const [points] = (await get(`${base}&signature=${signature.id}&all_data=true`)).json() as Json[];
      const first = ((points?.data ?? []) as Json[])[0];
      assert.equal(first?.push_timestamp, '2013-11-11T23:28:29.500000');
      assert.equal(first?.submit_time, '2013-11-01T12:00:00.123456');
    });

    it('perf_summary_should_alert_is_false_edge_case (and its counter-cases)', async () => {
      const parent = await insertPerfSignature(db.primary, {
        signature_hash: 'p'.repeat(40),
        suite: 'parent',
        test: '',
        has_subtests: true,
        should_alert: true,
      });
      const child = await insertPerfSignature(db.primary, {
        signature_hash: 'c'.repeat(40),
        suite: 'parent',
        test: 'child',
        parent_signature_id: parent.id,
      });
      const push = await insertPush(db.primary, { repository_id: 1, revision: fixtureRevision('p', 0) });
      await db.cluster.waitForReplicas();
      const url = `/api/performance/summary/?repository=mozilla-central&interval=86400`;
      // Parent without data: the child's null stays null.
      assert.equal(((await get(url)).json() as Json[])[0]?.should_alert, null);

      await insertPerfDatum(db.primary, { signature: parent, pushId: push.id, value: 1 });
      await db.cluster.waitForReplicas();
      const [item] = (await get(url)).json() as Json[];
      assert.equal(item?.signature_id, child.id, 'no_subtests missing = subtests only');
      assert.equal(item?.should_alert, false);
      assert.deepEqual(item?.values, []);
      assert.equal(item?.name, 'parent child opt ');

      // A parent that must not alert leaves the child's null alone.
      await db.primary.query('UPDATE performance_signature SET should_alert = false WHERE id = $1', [
        parent.id,
      ]);
      await db.cluster.waitForReplicas();
      assert.equal(((await get(url)).json() as Json[])[0]?.should_alert, null);
    });

    it('data_points_from_same_push_are_ordered_chronologically: job_ids ascending', async () => {
      const { signature } = await perfData(db.primary);
      await db.cluster.waitForReplicas();
      const res = await get(
        `/api/performance/summary/?repository=mozilla-central&framework=${signature.framework_id}&interval=172800&no_subtests=true&${RANGE}`,
      );
      const jobIds = ((res.json() as Json[])[0]?.job_ids ?? []) as number[];
      assert.equal(jobIds.length, 4);
      assert.deepEqual(
        jobIds,
        [...jobIds].sort((a, b) => a - b),
      );
    });

    it('no_retriggers_perf_summary: two datums on one push collapse to the first', async () => {
      const { signature, pushes } = await perfData(db.primary);
      const signature2 = await testPerfSignature2(db.primary);
      const push = pushes[0] as PushRow;
      await insertPerfDatum(db.primary, { signature, pushId: push.id, value: 0, pushTimestamp: push.time });
      await insertPerfDatum(db.primary, {
        signature: signature2,
        pushId: push.id,
        value: 0,
        pushTimestamp: push.time,
      });
      await db.cluster.waitForReplicas();
      const url = `/api/performance/summary/?repository=mozilla-central&framework=${signature.framework_id}&no_subtests=true&revision=${push.revision}&all_data=true&signature=${signature.id}`;
      const all = (await get(url)).json() as Json[];
      assert.equal(all.length, 1);
      assert.equal(((all[0]?.data ?? []) as Json[]).length, 2);
      const filtered = (await get(`${url}&no_retriggers=true`)).json() as Json[];
      assert.equal(((filtered[0]?.data ?? []) as Json[]).length, 1);
    });

    it('by signature hash: the same series as by id', async () => {
      const { signature } = await perfData(db.primary);
      await db.cluster.waitForReplicas();
      const base = `/api/performance/summary/?repository=mozilla-central&${RANGE}`;
      const byId = (await get(`${base}&signature=${signature.id}`)).json() as Json[];
      const byHash = (await get(`${base}&signature=${signature.signature_hash}`)).json() as Json[];
      assert.equal(byId.length, 1);
      assert.deepEqual(byHash, byId);
    });

    it("keeps the reference's 400 bodies", async () => {
      await testRepository(db.primary);
      await db.cluster.waitForReplicas();
      const cases: [string, unknown][] = [
        ['interval=86400', { repository: ['This field is required.'] }],
        ['repository=nope&interval=86400', { repository: ['nope does not exist.'] }],
        // Field errors first: the cross-field rule only runs once every field is valid.
        ['repository=nope', { repository: ['nope does not exist.'] }],
        [
          'repository=mozilla-central',
          { non_field_errors: ['Required: revision, startday and endday or interval.'] },
        ],
        [
          'repository=mozilla-central&startday=2013-11-01T00:00:00',
          { non_field_errors: ['Required: revision, startday and endday or interval.'] },
        ],
        ['repository=mozilla-central&interval=abc', { interval: ['A valid integer is required.'] }],
        [
          'repository=mozilla-central&interval=1&framework=1&framework=x',
          { framework: { '1': ['A valid integer is required.'] } },
        ],
        ['repository=mozilla-central&interval=1&all_data=maybe', { all_data: ['Must be a valid boolean.'] }],
      ];
      for (const [query, body] of cases) {
        const res = await app.inject(`/api/performance/summary/?${query}`);
        assert.equal(res.statusCode, 400, query);
        assert.deepEqual(res.json(), body, query);
      }
    });

    it('answers 4xx with a DRF-shaped body where the reference answers 500 (deliberate deviations)', async () => {
      await testRepository(db.primary);
      await db.cluster.waitForReplicas();
      const dateError =
        'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].';
      const cases: [string, unknown][] = [
        [
          'repository=mozilla-central&interval=86400&signature=abc',
          { signature: ['Enter a 40-character signature hash or an integer signature id.'] },
        ],
        [
          'repository=mozilla-central&interval=86400&parent_signature=abc',
          { parent_signature: ['A valid integer is required.'] },
        ],
        [
          'repository=mozilla-central&interval=86400&parent_signature=99999999999',
          { parent_signature: ['Ensure this value is less than or equal to 2147483647.'] },
        ],
        [
          'repository=mozilla-central&interval=86400&startday=2013-11-01T00:00:00',
          { non_field_errors: ['startday and endday must be given together.'] },
        ],
        [
          'repository=mozilla-central&interval=86400&endday=2013-11-01T00:00:00',
          { non_field_errors: ['startday and endday must be given together.'] },
        ],
        [
          'repository=mozilla-central&interval=0',
          { non_field_errors: ['Required: revision, startday and endday or a non-zero interval.'] },
        ],
        ['repository=mozilla-central&startday=2013-13-01&endday=2013-11-30', { startday: [dateError] }],
        ['repository=mozilla-central&startday=2013-11-01&endday=yesterday', { endday: [dateError] }],
        [
          'repository=nope&interval=86400&startday=2013-11-01T00:00:00',
          { repository: ['nope does not exist.'] },
        ],
      ];
      for (const [query, body] of cases) {
        const res = await app.inject(`/api/performance/summary/?${query}`);
        assert.equal(res.statusCode, 400, query);
        assert.deepEqual(res.json(), body, query);
      }
      // Valid variants of the same inputs.
      for (const query of [
        'repository=mozilla-central&startday=2013-11-01&endday=2013-11-30T10:00:00.5%2B01:00',
        'repository=mozilla-central&interval=86400&signature=12345',
        'repository=mozilla-central&interval=86400&parent_signature=2147483647',
      ]) {
        const res = await get(`/api/performance/summary/?${query}`);
        assert.equal(res.statusCode, 200, query);
        assert.deepEqual(res.json(), [], query);
      }
    });
  });

  describe('GET /api/performance/alertsummary-tasks/', () => {
    it('alert_summary_tasks_get: sorted job-type names of the alerts and related alerts, from the replica', async () => {
      const summary = await testPerfAlertSummary(db.primary);
      const summary2 = await testPerfAlertSummary2(db.primary);
      const signature = await testPerfSignature(db.primary);
      const signature2 = await testPerfSignature2(db.primary);
      const other = await insertPerfSignature(db.primary, { signature_hash: 'o'.repeat(40), suite: 'other' });
      await createPerfAlert(db.primary, { summary_id: summary.id, series_signature_id: signature.id });
      // Reassigned from summary 2 into summary 1: a related alert of summary 1.
      await createPerfAlert(db.primary, {
        summary_id: summary2.id,
        series_signature_id: signature2.id,
        status: 2,
        related_summary_id: summary.id,
      });
      const names: [SignatureRow, string][] = [
        [signature, 'test-linux1804-64/opt-talos-d'],
        [signature, 'test-linux1804-64/opt-talos-b'],
        [signature2, 'test-linux1804-64/opt-talos-c'],
        [signature2, 'test-linux1804-64/opt-talos-a'],
        [signature2, 'test-linux1804-64/opt-talos-a'],
        [other, 'test-linux1804-64/opt-talos-z'],
      ];
      for (const [i, [sig, name]] of names.entries()) {
        const job = await insertJob(db.primary, {
          repositoryId: 1,
          pushId: summary.push_id,
          jobType: { name, symbol: 't' },
        });
        await insertPerfDatum(db.primary, {
          signature: sig,
          pushId: summary.push_id,
          value: i,
          jobId: job.id,
          pushTimestamp: new Date(Date.UTC(2020, 0, 1, 0, i)),
        });
      }
      await db.cluster.waitForReplicas();
      const res = await get(`/api/performance/alertsummary-tasks/?id=${summary.id}`);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), {
        id: summary.id,
        tasks: [
          'test-linux1804-64/opt-talos-a',
          'test-linux1804-64/opt-talos-b',
          'test-linux1804-64/opt-talos-c',
          'test-linux1804-64/opt-talos-d',
        ],
      });
    });

    it('a datum without a job contributes null, sorted last; a summary without alerts has no tasks', async () => {
      const summary = await testPerfAlertSummary(db.primary);
      const summary2 = await testPerfAlertSummary2(db.primary);
      const signature = await testPerfSignature(db.primary);
      await createPerfAlert(db.primary, { summary_id: summary.id, series_signature_id: signature.id });
      const job = await insertJob(db.primary, {
        repositoryId: 1,
        pushId: summary.push_id,
        jobType: { name: 'talos-a', symbol: 't' },
      });
      await insertPerfDatum(db.primary, { signature, pushId: summary.push_id, value: 1, jobId: job.id });
      await insertPerfDatum(db.primary, { signature, pushId: summary.prev_push_id, value: 2 });
      await db.cluster.waitForReplicas();
      assert.deepEqual((await get(`/api/performance/alertsummary-tasks/?id=${summary.id}`)).json(), {
        id: summary.id,
        tasks: ['talos-a', null],
      });
      assert.deepEqual((await get(`/api/performance/alertsummary-tasks/?id=${summary2.id}`)).json(), {
        id: summary2.id,
        tasks: [],
      });
    });

    it('alert_summary_tasks_get_failure: unknown id and missing id', async () => {
      const summary = await testPerfAlertSummary(db.primary);
      await db.primary.query('DELETE FROM performance_alert_summary WHERE id = $1', [summary.id]);
      await db.cluster.waitForReplicas();
      const gone = await get(`/api/performance/alertsummary-tasks/?id=${summary.id}`);
      assert.equal(gone.statusCode, 400);
      assert.deepEqual(gone.json(), { message: ['PerformanceAlertSummary does not exist.'] });
      const missing = await app.inject('/api/performance/alertsummary-tasks/');
      assert.equal(missing.statusCode, 400);
      assert.deepEqual(missing.json(), { id: ['This field is required.'] });
      const bad = await app.inject('/api/performance/alertsummary-tasks/?id=abc');
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(bad.json(), { id: ['A valid integer is required.'] });
    });
  });

  describe('GET /api/performance/bug-template/', () => {
    it('lists templates in insertion order, filters by ?framework=, from the replica', async () => {
      const framework = await testPerfFramework(db.primary);
      const framework2 = await insertPerfFramework(db.primary, 'test_talos_2');
      const other = await insertPerfFramework(db.primary, 'no_template');
      await insertBugTemplate(db.primary, { framework_id: framework2.id });
      await insertBugTemplate(db.primary, { framework_id: framework.id });
      await db.cluster.waitForReplicas();
      const template = (id: number) => ({
        framework: id,
        keywords: `keyword ${id}`,
        status_whiteboard: `sw ${id}`,
        default_component: `dfcom ${id}`,
        default_product: `dfprod ${id}`,
        cc_list: `foo${id}@bar.com`,
        text: `my great text ${id}`,
        critical_text: `my great critical text ${id}`,
        no_action_required_text: `my great no action required text ${id}`,
      });
      const list = await get('/api/performance/bug-template/');
      assert.equal(list.statusCode, 200);
      assert.deepEqual(list.json(), [template(framework2.id), template(framework.id)]);
      assert.deepEqual((await get(`/api/performance/bug-template/?framework=${framework.id}`)).json(), [
        template(framework.id),
      ]);
      assert.deepEqual((await get(`/api/performance/bug-template/?framework=${other.id}`)).json(), []);
      assert.deepEqual((await get('/api/performance/bug-template/?ordering=framework')).json(), [
        template(framework.id),
        template(framework2.id),
      ]);
      assert.deepEqual((await get('/api/performance/bug-template/?ordering=-keywords,nope')).json(), [
        template(framework2.id),
        template(framework.id),
      ]);
      assert.deepEqual((await get('/api/performance/bug-template/2/')).json(), template(framework.id));

      const unknown = await get('/api/performance/bug-template/?framework=999999');
      assert.equal(unknown.statusCode, 400);
      assert.deepEqual(unknown.json(), {
        framework: ['Select a valid choice. That choice is not one of the available choices.'],
      });
      const missing = await get('/api/performance/bug-template/3/');
      assert.equal(missing.statusCode, 404);
      assert.deepEqual(missing.json(), { detail: 'No PerformanceBugTemplate matches the given query.' });
      // A template the replica has not replayed is missing: the replica served the list.
      await withReplayPaused(async () => {
        await insertBugTemplate(db.primary, { framework_id: other.id });
        assert.equal(((await get('/api/performance/bug-template/')).json() as Json[]).length, 2);
      });
      assert.equal(((await get('/api/performance/bug-template/')).json() as Json[]).length, 3);
    });
  });

  describe('GET /api/performance/issue-tracker/', () => {
    it('lists issue trackers ordered by id, from the replica', async () => {
      const list = await get('/api/performance/issue-tracker/');
      assert.equal(list.statusCode, 200);
      assert.deepEqual(list.json(), [
        { id: 1, text: 'Bugzilla', issue_tracker_url: 'https://bugzilla.mozilla.org/show_bug.cgi?id=' },
        { id: 2, text: 'Github - Servo', issue_tracker_url: 'https://github.com/servo/servo/pull/' },
      ]);
      assert.deepEqual((await get('/api/performance/issue-tracker/2/')).json(), {
        id: 2,
        text: 'Github - Servo',
        issue_tracker_url: 'https://github.com/servo/servo/pull/',
      });
      const missing = await get('/api/performance/issue-tracker/3/');
      assert.equal(missing.statusCode, 404);
      assert.deepEqual(missing.json(), { detail: 'No IssueTracker matches the given query.' });
    });
  });

  describe('GET /api/performance/tag/', () => {
    it('lists tags ordered by id, served by the primary (not opted in)', async () => {
      // Plain inserts: unlike get-or-create, they scan no index of performance_tag.
      await db.primary.query("INSERT INTO performance_tag (name) VALUES ('first-tag'), ('second-tag')");
      await db.cluster.waitForReplicas();
      const primaryBefore = await scans(db.primary, 'performance_tag');
      const list = await get('/api/performance/tag/', 'default');
      assert.equal(list.statusCode, 200);
      assert.deepEqual(list.json(), [
        { id: 1, name: 'first-tag' },
        { id: 2, name: 'second-tag' },
      ]);
      // The nudge is another tag request: whichever flushes first, only tag requests read the table.
      const primaryAfter = await scansGrow(db.primary, 'performance_tag', primaryBefore, () =>
        app.inject('/api/performance/tag/1/'),
      );
      assert.ok(primaryAfter > primaryBefore, `primary scans ${primaryBefore} -> ${primaryAfter}`);
      // A tag the replica has not replayed is in the answer: the primary served it.
      await withReplayPaused(async () => {
        await db.primary.query("INSERT INTO performance_tag (name) VALUES ('third-tag')");
        const names = ((await get('/api/performance/tag/', 'default')).json() as Json[]).map((t) => t.name);
        assert.deepEqual(names, ['first-tag', 'second-tag', 'third-tag']);
        const { rows } = await replica.query('SELECT count(*)::int AS n FROM performance_tag');
        assert.equal(rows[0].n, 2, 'the replica has not replayed the third tag');
      });

      assert.deepEqual((await get('/api/performance/tag/2/', 'default')).json(), {
        id: 2,
        name: 'second-tag',
      });
      const missing = await get('/api/performance/tag/4/', 'default');
      assert.equal(missing.statusCode, 404);
      assert.deepEqual(missing.json(), { detail: 'No PerformanceTag matches the given query.' });
    });
  });

  describe('GET /api/performance/validity-dashboard/', () => {
    it('aggregates top-level signatures per (suite, test): ids as strings, ordered, from the replica', async () => {
      const signature = await testPerfSignature(db.primary);
      const signature2 = await testPerfSignature2(db.primary);
      const tryRepo = await tryRepository(db.primary);
      const otherPlatform = await insertMachinePlatform(db.primary, 'linux64');
      // Same suite/test on another repository and platform.
      await insertPerfSignature(db.primary, {
        repository_id: tryRepo.id,
        platform_id: otherPlatform.id,
        signature_hash: 'r'.repeat(40),
      });
      // A subtest and a signature of another framework do not count.
      await insertPerfSignature(db.primary, {
        signature_hash: 's'.repeat(40),
        suite: 'mysuite',
        test: 'sub',
        parent_signature_id: signature.id,
      });
      const otherFramework = await insertPerfFramework(db.primary, 'elsewhere');
      await insertPerfSignature(db.primary, {
        signature_hash: 'e'.repeat(40),
        framework_id: otherFramework.id,
      });
      const summary = await testPerfAlertSummary(db.primary);
      const summary2 = await testPerfAlertSummary2(db.primary);
      await createPerfAlert(db.primary, { summary_id: summary.id, series_signature_id: signature.id });
      await createPerfAlert(db.primary, {
        summary_id: summary2.id,
        series_signature_id: signature.id,
        is_regression: false,
        status: 4,
      });
      await db.cluster.waitForReplicas();

      const res = await get(`/api/performance/validity-dashboard/?framework=${signature.framework_id}`);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), [
        {
          test: 'mytest',
          suite: 'mysuite',
          platforms: [signature.platform_id, otherPlatform.id].map(String).sort(),
          repositories: ['1', '4'],
          total_alerts: 2,
          total_regressions: 1,
          total_untriaged: 1,
        },
        {
          test: 'mytest2',
          suite: 'mysuite2',
          platforms: [String(signature2.platform_id)],
          repositories: ['1'],
          total_alerts: 0,
          total_regressions: 0,
          total_untriaged: 0,
        },
      ]);
      // No framework matches nothing, like the reference's `framework_id IS NULL`.
      const none = await app.inject('/api/performance/validity-dashboard/');
      assert.equal(none.statusCode, 200);
      assert.deepEqual(none.json(), []);
      // Deliberate deviation: the reference answers 500.
      const bad = await app.inject('/api/performance/validity-dashboard/?framework=abc');
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(bad.json(), { framework: ['A valid integer is required.'] });
    });
  });
});

describe('summary helpers', () => {
  it('filter_out_retriggers: consecutive points of one push collapse to the first', () => {
    const data = [629514, 629559, 629559, 629559, 629630, 629630, 629514].map((push_id, id) => ({
      id,
      push_id,
    }));
    assert.deepEqual(
      filterOutRetriggers(data).map((d) => d.id),
      [0, 1, 4, 6],
    );
    const clean = [{ push_id: 1 }, { push_id: 2 }];
    assert.deepEqual(filterOutRetriggers(clean), clean);
  });

  it('parses query datetimes like DRF DateTimeField (naive = UTC, microsecond precision)', () => {
    assert.equal(parseQueryDatetime('2013-11-01T23:28:29'), '2013-11-01 23:28:29.000000+00:00');
    assert.equal(parseQueryDatetime('2013-11-01'), '2013-11-01 00:00:00.000000+00:00');
    assert.equal(parseQueryDatetime('2013-11-01 23:28'), '2013-11-01 23:28:00.000000+00:00');
    assert.equal(parseQueryDatetime('2013-11-01T23:28:29.123456Z'), '2013-11-01 23:28:29.123456+00:00');
    assert.equal(parseQueryDatetime('2013-11-01T23:28:29.5-0130'), '2013-11-01 23:28:29.500000-01:30');
    for (const bad of [
      '',
      'yesterday',
      '2013-02-29',
      '2013-11-01T24:00:00',
      '2013-11-01T23:28:29+25:00',
      '1',
    ]) {
      assert.equal(parseQueryDatetime(bad), undefined, bad);
    }
  });
});
