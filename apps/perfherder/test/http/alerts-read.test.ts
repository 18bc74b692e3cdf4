import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureQueries } from 'replica-router/testing';
import {
  type AlertSummaryRow,
  createPerfAlert,
  insertJob,
  insertMachinePlatform,
  insertPerfAlertSummary,
  insertPerfDatum,
  insertPerfSignature,
  insertRepository,
  pushStored,
  testPerfAlert,
  testPerfAlertSummary,
  testPerfAlertSummary2,
  testPerfSignature,
  testPerfSignature2,
  testSheriff,
} from '../fixtures/index.ts';
import { serviceAppHooks } from '../support/service-app.ts';

const SUMMARY_KEYS = [
  'alerts',
  'assignee_email',
  'assignee_username',
  'bug_due_date',
  'bug_number',
  'bug_status',
  'bug_updated',
  'created',
  'duplicated_summaries',
  'first_triaged',
  'framework',
  'id',
  'issue_tracker',
  'notes',
  'original_prev_push_revision',
  'original_revision',
  'performance_tags',
  'prev_push_id',
  'prev_push_revision',
  'push_id',
  'push_timestamp',
  'related_alerts',
  'repository',
  'revision',
  'status',
  'triage_due_date',
];

const ALERT_KEYS = [
  'amount_abs',
  'amount_pct',
  'backfill_record',
  'classifier',
  'classifier_email',
  'id',
  'is_regression',
  'manually_created',
  'new_value',
  'noise_profile',
  'prev_profile_url',
  'prev_taskcluster_metadata',
  'prev_value',
  'profile_url',
  'related_summary_id',
  'series_signature',
  'side_by_side_available',
  'starred',
  'status',
  'summary_id',
  't_value',
  'taskcluster_metadata',
];

type Json = Record<string, unknown>;
const keys = (o: unknown) => Object.keys(o as object).sort();

describe('alert summaries and alerts (GET, primary only)', () => {
  const service = serviceAppHooks();

  async function list(
    query = '',
  ): Promise<{ count: number; next: string | null; previous: string | null; results: Json[] }> {
    const res = await service.app.inject(`/api/performance/alertsummary/${query}`);
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  }
  const ids = async (query = '') => (await list(query)).results.map((s) => s.id);

  describe('GET /api/performance/alertsummary/', () => {
    it('alert_summaries_get: exact summary and alert key sets, served by the primary', async () => {
      const alert = await testPerfAlert(service.db.primary);
      const signature = await testPerfSignature(service.db.primary);
      const summary = (
        await service.db.primary.query('SELECT * FROM performance_alert_summary WHERE id = $1', [
          alert.summary_id,
        ])
      ).rows[0] as AlertSummaryRow;
      for (const [pushId, taskId] of [
        [summary.push_id, 'TASK_NEW'],
        [summary.prev_push_id, 'TASK_PREV'],
      ] as const) {
        const job = await insertJob(service.db.primary, {
          repositoryId: summary.repository_id,
          pushId,
          taskcluster: { taskId, retryId: 0 },
        });
        await insertPerfDatum(service.db.primary, { signature, pushId, value: 1, jobId: job.id });
      }
      const { result, queries } = await captureQueries(() =>
        service.app.inject('/api/performance/alertsummary/'),
      );
      assert.equal(result.statusCode, 200, result.body);
      const body = result.json() as { count: number; next: null; previous: null; results: Json[] };
      assert.equal(body.count, 1);
      assert.equal(body.next, null);
      assert.equal(body.previous, null);
      assert.equal(body.results.length, 1);
      const [s] = body.results as [Json];
      assert.deepEqual(keys(s), SUMMARY_KEYS);
      assert.deepEqual(s.related_alerts, []);
      assert.deepEqual(s.performance_tags, ['harness']);
      assert.deepEqual(s.duplicated_summaries, []);
      assert.equal(s.repository, 'mozilla-central');
      assert.equal(s.status, 0);
      assert.equal(s.issue_tracker, 1);
      assert.match(String(s.created), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?$/);
      assert.equal(typeof s.push_timestamp, 'number');
      const pushes = await service.db.primary.query(
        'SELECT id, revision FROM push WHERE id = ANY($1) ORDER BY id',
        [[summary.prev_push_id, summary.push_id]],
      );
      assert.equal(s.prev_push_revision, pushes.rows[0].revision);
      assert.equal(s.revision, pushes.rows[1].revision);
      assert.equal(s.original_revision, pushes.rows[1].revision);
      const [a] = s.alerts as [Json];
      assert.deepEqual(keys(a), ALERT_KEYS);
      assert.deepEqual(a.taskcluster_metadata, { task_id: 'TASK_NEW', retry_id: 0 });
      assert.deepEqual(a.prev_taskcluster_metadata, { task_id: 'TASK_PREV', retry_id: 0 });
      assert.equal(a.profile_url, null);
      assert.equal(a.amount_pct, 0.5);
      assert.equal(a.new_value, 150);
      assert.equal(a.side_by_side_available, false);
      assert.equal(a.backfill_record, null);
      assert.deepEqual(a.series_signature, {
        id: signature.id,
        framework_id: signature.framework_id,
        signature_hash: 't'.repeat(40),
        machine_platform: 'win7',
        suite: 'mysuite',
        test: 'mytest',
        lower_is_better: true,
        has_subtests: false,
        option_collection_hash: 'my_option_hash',
        tags: ['warm', 'pageload'],
        extra_options: ['e10s', 'opt'],
        measurement_unit: 'ms',
        suite_public_name: null,
        test_public_name: null,
      });
      assert.ok(queries.length > 0);
      assert.ok(
        queries.every((q) => q.alias === 'default'),
        JSON.stringify(queries.map((q) => [q.alias, q.reason])),
      );

      const one = await captureQueries(() =>
        service.app.inject(`/api/performance/alertsummary/${summary.id}/`),
      );
      assert.equal(one.result.statusCode, 200);
      assert.deepEqual(one.result.json(), s);
      assert.ok(one.queries.every((q) => q.alias === 'default'));
      const missing = await service.app.inject('/api/performance/alertsummary/999/');
      assert.equal(missing.statusCode, 404);
      assert.deepEqual(missing.json(), { detail: 'No PerformanceAlertSummary matches the given query.' });
    });

    it('alert_summaries_get_onhold: summaries of on-hold repositories are hidden', async () => {
      await testPerfAlert(service.db.primary);
      const onhold = await insertRepository(service.db.primary, {
        name: 'mozilla-beta',
        active_status: 'onhold',
      });
      const [p1, p2] = await pushStored(service.db.primary, { repository: onhold, count: 2 });
      const framework = (await testPerfAlertSummary(service.db.primary)).framework_id;
      const hidden = await insertPerfAlertSummary(service.db.primary, {
        repository_id: onhold.id,
        framework_id: framework,
        prev_push_id: p1?.id ?? 0,
        push_id: p2?.id ?? 0,
      });
      const body = await list();
      assert.equal(body.count, 1);
      assert.notEqual(body.results[0]?.id, hidden.id);
      assert.equal((await service.app.inject(`/api/performance/alertsummary/${hidden.id}/`)).statusCode, 404);
    });

    it('get_multiple_alerts: one entry per summary, whatever the number of alerts', async () => {
      const alert = await testPerfAlert(service.db.primary);
      const sig2 = await testPerfSignature2(service.db.primary);
      await createPerfAlert(service.db.primary, {
        summary_id: alert.summary_id,
        series_signature_id: sig2.id,
      });
      const s2 = await testPerfAlertSummary2(service.db.primary);
      await createPerfAlert(service.db.primary, { summary_id: s2.id, series_signature_id: sig2.id });
      const body = await list();
      assert.equal(body.count, 2);
      assert.deepEqual(body.results.map((s) => s.id).sort(), [alert.summary_id, s2.id].sort());
      const first = body.results.find((s) => s.id === alert.summary_id);
      assert.equal((first?.alerts as Json[] | undefined)?.length, 2);
    });

    it('duplicated_summaries: other summaries on the same push and framework (any repository)', async () => {
      const s1 = await testPerfAlertSummary(service.db.primary);
      const other = await insertPerfAlertSummary(service.db.primary, {
        repository_id: s1.repository_id,
        framework_id: s1.framework_id,
        prev_push_id: s1.prev_push_id + 2,
        push_id: s1.push_id,
        status: 3,
      });
      const body = await list();
      const mine = body.results.find((s) => s.id === s1.id);
      assert.deepEqual(mine?.duplicated_summaries, [{ id: other.id, status: 3 }]);
    });

    describe('side_by_side_available', () => {
      async function withJob(
        job: { name: string; symbol: string; result?: string } | null,
      ): Promise<boolean> {
        const alert = await testPerfAlert(service.db.primary);
        const summary = (
          await service.db.primary.query('SELECT * FROM performance_alert_summary WHERE id = $1', [
            alert.summary_id,
          ])
        ).rows[0] as AlertSummaryRow;
        if (job) {
          await insertJob(service.db.primary, {
            repositoryId: summary.repository_id,
            pushId: summary.push_id,
            jobType: { name: job.name, symbol: job.symbol },
            result: job.result ?? 'success',
          });
        }
        const [s] = (await list()).results as [Json];
        return (s.alerts as [Json])[0].side_by_side_available as boolean;
      }
      it('true for a successful matching side-by-side job on the push', async () => {
        assert.equal(await withJob({ name: 'perftest-WIN7-MySuite-vismet', symbol: 'Side-By-Side' }), true);
      });
      it('false without a job', async () => {
        assert.equal(await withJob(null), false);
      });
      it('false for another platform', async () => {
        assert.equal(await withJob({ name: 'perftest-linux64-mysuite', symbol: 'side-by-side' }), false);
      });
      it('false for a failed job', async () => {
        assert.equal(
          await withJob({ name: 'perftest-win7-mysuite', symbol: 'side-by-side', result: 'testfailed' }),
          false,
        );
      });
    });

    it('show_sheriffed_frameworks: only sheriffed framework names', async () => {
      const s1 = await testPerfAlertSummary(service.db.primary);
      const talos = await insertPerfAlertSummary(service.db.primary, {
        repository_id: s1.repository_id,
        framework_id: 1,
        prev_push_id: s1.prev_push_id,
        push_id: s1.push_id,
      });
      assert.deepEqual(await ids('?show_sheriffed_frameworks=true'), [talos.id]);
      assert.equal((await ids()).length, 2);
    });

    it('timerange: push time within the last N seconds', async () => {
      const s1 = await testPerfAlertSummary(service.db.primary);
      const s2 = await testPerfAlertSummary2(service.db.primary);
      assert.equal((await ids('?timerange=86400')).length, 2);
      await service.db.primary.query('UPDATE push SET time = $1 WHERE id = $2', [
        new Date(Date.now() - 10 * 86_400_000),
        s1.push_id,
      ]);
      assert.deepEqual(await ids('?timerange=86400'), [s2.id]);
      const bad = await service.app.inject('/api/performance/alertsummary/?timerange=abc&status=x');
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(bad.json(), { status: ['Enter a number.'], timerange: ['Enter a number.'] });
    });

    it('limit: page size with absolute next/previous links, newest first', async () => {
      const s1 = await testPerfAlertSummary(service.db.primary);
      const s2 = await testPerfAlertSummary2(service.db.primary);
      const one = await list('?limit=1');
      assert.deepEqual(
        one.results.map((s) => s.id),
        [s2.id],
      );
      assert.equal(one.count, 2);
      assert.equal(one.next, 'http://localhost:80/api/performance/alertsummary/?limit=1&page=2');
      assert.equal(one.previous, null);
      const second = await list('?page=2&limit=1');
      assert.deepEqual(
        second.results.map((s) => s.id),
        [s1.id],
      );
      assert.equal(second.next, null);
      assert.equal(second.previous, 'http://localhost:80/api/performance/alertsummary/?limit=1');
      const five = await list('?limit=5');
      assert.equal(five.results.length, 2);
      assert.equal(five.next, null);
      assert.equal(five.previous, null);
      const invalid = await service.app.inject('/api/performance/alertsummary/?page=3&limit=1');
      assert.equal(invalid.statusCode, 404);
      assert.deepEqual(invalid.json(), { detail: 'Invalid page.' });
      assert.deepEqual(await ids('?ordering=id'), [s1.id, s2.id]);
      assert.deepEqual(
        await ids('?ordering=nonsense'),
        [s2.id, s1.id],
        'unknown terms fall back to -created,-id',
      );
    });

    it('filter_text: each primary field, and the fields of related alerts', async () => {
      const alert = await testPerfAlert(service.db.primary);
      await service.db.primary.query(
        'UPDATE performance_alert_summary SET bug_number = 123456 WHERE id = $1',
        [alert.summary_id],
      );
      const revision = (
        await service.db.primary.query(
          'SELECT p.revision FROM push p JOIN performance_alert_summary s ON s.push_id = p.id WHERE s.id = $1',
          [alert.summary_id],
        )
      ).rows[0].revision as string;
      for (const text of [
        'mysuite',
        'mytest',
        'win7',
        'e10s',
        '123456',
        revision,
        'mysuite mytest',
        'e10s opt',
      ]) {
        assert.deepEqual(await ids(`?filter_text=${encodeURIComponent(text)}`), [alert.summary_id], text);
      }
      assert.deepEqual(await ids('?filter_text=MYSUITE'), [], 'case-sensitive');
      assert.deepEqual(await ids('?filter_text=mysuite+mytest'), [alert.summary_id], 'form-encoded space');
      assert.deepEqual(await ids('?filter_text=mysuite%20nothing'), [], 'every word must match');

      // A summary whose only link to the text is a related alert.
      const s2 = await testPerfAlertSummary2(service.db.primary);
      const linux = await insertMachinePlatform(service.db.primary, 'linux64', 'linux', 'x86_64');
      const other = await insertPerfSignature(service.db.primary, {
        signature_hash: 'o'.repeat(40),
        suite: 'othersuite',
        test: 'othertest',
        platform_id: linux.id,
        extra_options: 'fission',
      });
      await createPerfAlert(service.db.primary, {
        summary_id: alert.summary_id,
        series_signature_id: other.id,
        related_summary_id: s2.id,
        status: 1,
      });
      for (const text of ['othersuite', 'othertest', 'linux64', 'fission']) {
        assert.deepEqual((await ids(`?filter_text=${text}`)).sort(), [alert.summary_id, s2.id].sort(), text);
      }
    });

    it('id, status, repository, alerts__series_signature, with_assignee, monitored_alerts', async () => {
      const alert = await testPerfAlert(service.db.primary);
      const s2 = await testPerfAlertSummary2(service.db.primary);
      const sig2 = await testPerfSignature2(service.db.primary);
      await createPerfAlert(service.db.primary, { summary_id: s2.id, series_signature_id: sig2.id });
      const sheriff = await testSheriff(service.db.primary);
      await service.db.primary.query(
        'UPDATE performance_alert_summary SET status = 4, assignee_id = $1 WHERE id = $2',
        [sheriff.id, s2.id],
      );
      assert.deepEqual(await ids(`?id=${alert.summary_id}`), [alert.summary_id]);
      assert.deepEqual(await ids('?status=4'), [s2.id]);
      assert.deepEqual((await ids('?repository=1')).length, 2);
      assert.deepEqual(await ids('?repository=4'), []);
      assert.deepEqual(await ids(`?alerts__series_signature=${sig2.id}`), [s2.id]);
      assert.deepEqual(await ids(`?with_assignee=${sheriff.username}`), [s2.id]);

      await service.db.primary.query('UPDATE performance_alert_summary SET sheriffed = false WHERE id = $1', [
        s2.id,
      ]);
      assert.deepEqual(await ids(), [alert.summary_id]);
      assert.deepEqual(await ids('?monitored_alerts=1'), [s2.id]);
      assert.deepEqual(await ids(`?id=${s2.id}`), [s2.id], 'id lifts the sheriffed rule');
    });

    it('hide_improvements and hide_related_and_invalid (false still filters; 1 is ignored)', async () => {
      const alert = await testPerfAlert(service.db.primary);
      const s2 = await testPerfAlertSummary2(service.db.primary);
      const sig2 = await testPerfSignature2(service.db.primary);
      await createPerfAlert(service.db.primary, {
        summary_id: s2.id,
        series_signature_id: sig2.id,
        is_regression: false,
      });
      assert.deepEqual(await ids('?hide_improvements=true'), [alert.summary_id]);
      assert.deepEqual(await ids('?hide_improvements=false'), [alert.summary_id]);
      assert.equal((await ids('?hide_improvements=1')).length, 2);

      for (const status of [1, 2, 3]) {
        await service.db.primary.query('UPDATE performance_alert_summary SET status = $1 WHERE id = $2', [
          status,
          s2.id,
        ]);
        assert.deepEqual(await ids('?hide_related_and_invalid=true'), [alert.summary_id], `status ${status}`);
      }
      await service.db.primary.query('UPDATE performance_alert_summary SET status = 4 WHERE id = $1', [
        s2.id,
      ]);
      assert.equal((await ids('?hide_related_and_invalid=true')).length, 2);
    });

    it('untriaged_regressions and untriaged_improvements', async () => {
      const s1 = await testPerfAlertSummary(service.db.primary);
      const s2 = await testPerfAlertSummary2(service.db.primary);
      const sig1 = await testPerfSignature(service.db.primary);
      const sig2 = await testPerfSignature2(service.db.primary);
      const repo = s1.repository_id;
      const pushes = await pushStored(service.db.primary);
      const s3 = await insertPerfAlertSummary(service.db.primary, {
        repository_id: repo,
        framework_id: s1.framework_id,
        prev_push_id: pushes[4]?.id ?? 0,
        push_id: pushes[5]?.id ?? 0,
      });
      // s1: an untriaged regression; s2: an untriaged improvement; s3: an acknowledged regression.
      const regression = await createPerfAlert(service.db.primary, {
        summary_id: s1.id,
        series_signature_id: sig1.id,
      });
      const improvement = await createPerfAlert(service.db.primary, {
        summary_id: s2.id,
        series_signature_id: sig1.id,
        is_regression: false,
      });
      await createPerfAlert(service.db.primary, {
        summary_id: s3.id,
        series_signature_id: sig1.id,
        status: 4,
      });
      assert.deepEqual(await ids('?untriaged_regressions=true'), [s1.id]);
      assert.deepEqual(await ids('?untriaged_improvements=true'), [s2.id]);

      // A regression reassigned into s2: s2 now has related regressions.
      await createPerfAlert(service.db.primary, {
        summary_id: s3.id,
        series_signature_id: sig2.id,
        related_summary_id: s2.id,
        status: 2,
      });
      assert.deepEqual((await ids('?untriaged_regressions=true')).sort(), [s1.id, s2.id].sort());
      assert.deepEqual(await ids('?untriaged_improvements=true'), [], 'a reassigned-in regression excludes');

      // s1 gets an untriaged improvement too: its own untriaged regression keeps it out.
      await createPerfAlert(service.db.primary, {
        summary_id: s1.id,
        series_signature_id: sig2.id,
        is_regression: false,
      });
      assert.deepEqual(await ids('?untriaged_improvements=true'), []);
      // Reassign s1's regression away (to s3): s1's improvement now counts.
      await service.db.primary.query(
        'UPDATE performance_alert SET status = 2, related_summary_id = $1 WHERE id = $2',
        [s3.id, regression.id],
      );
      assert.deepEqual(await ids('?untriaged_improvements=true'), [s1.id]);
      // Acknowledged improvements do not count.
      await service.db.primary.query('UPDATE performance_alert SET status = 4 WHERE id = $1', [
        improvement.id,
      ]);
      assert.ok(!(await ids('?untriaged_improvements=true')).includes(s2.id));
    });
  });

  describe('GET /api/performance/alert/', () => {
    it('alerts_get: a cursor page with the exact alert key set, from the primary', async () => {
      const alert = await testPerfAlert(service.db.primary);
      const { result, queries } = await captureQueries(() => service.app.inject('/api/performance/alert/'));
      assert.equal(result.statusCode, 200, result.body);
      const body = result.json() as { next: null; previous: null; results: Json[] };
      assert.deepEqual(keys(body), ['next', 'previous', 'results']);
      assert.equal(body.next, null);
      assert.equal(body.previous, null);
      assert.equal(body.results.length, 1);
      assert.deepEqual(keys(body.results[0]), ALERT_KEYS);
      assert.deepEqual(body.results[0]?.taskcluster_metadata, {});
      assert.ok(queries.every((q) => q.alias === 'default'));
      const one = await service.app.inject(`/api/performance/alert/${alert.id}/`);
      assert.equal(one.statusCode, 200);
      assert.deepEqual(one.json(), body.results[0]);
      const missing = await service.app.inject('/api/performance/alert/999/');
      assert.equal(missing.statusCode, 404);
      assert.deepEqual(missing.json(), { detail: 'No PerformanceAlert matches the given query.' });
      assert.deepEqual(
        (await service.app.inject(`/api/performance/alert/?id=${alert.id}`)).json().results.length,
        1,
      );
      assert.deepEqual((await service.app.inject('/api/performance/alert/?id=12345')).json().results, []);
    });

    it('pages through 23 alerts by -id with next and previous cursors', async () => {
      const summary = await testPerfAlertSummary(service.db.primary);
      const created: number[] = [];
      for (let i = 0; i < 23; i++) {
        const sig = await insertPerfSignature(service.db.primary, {
          signature_hash: `${i}`.padStart(40, 'x'),
        });
        created.push(
          (await createPerfAlert(service.db.primary, { summary_id: summary.id, series_signature_id: sig.id }))
            .id,
        );
      }
      const desc = [...created].sort((a, b) => b - a);
      const get = async (url: string) => {
        const res = await service.app.inject(url.replace('http://localhost:80', ''));
        assert.equal(res.statusCode, 200, res.body);
        return res.json() as { next: string | null; previous: string | null; results: Json[] };
      };
      const p1 = await get('/api/performance/alert/');
      assert.deepEqual(
        p1.results.map((a) => a.id),
        desc.slice(0, 10),
      );
      assert.equal(p1.previous, null);
      assert.match(String(p1.next), /^http:\/\/localhost:80\/api\/performance\/alert\/\?cursor=/);
      const p2 = await get(String(p1.next));
      assert.deepEqual(
        p2.results.map((a) => a.id),
        desc.slice(10, 20),
      );
      const p3 = await get(String(p2.next));
      assert.deepEqual(
        p3.results.map((a) => a.id),
        desc.slice(20),
      );
      assert.equal(p3.next, null);
      const back = await get(String(p3.previous));
      assert.deepEqual(
        back.results.map((a) => a.id),
        desc.slice(10, 20),
      );
      const front = await get(String(back.previous));
      assert.deepEqual(
        front.results.map((a) => a.id),
        desc.slice(0, 10),
      );
      assert.equal(front.previous, null);
      const bad = await service.app.inject('/api/performance/alert/?cursor=garbage');
      assert.equal(bad.statusCode, 404);
      assert.deepEqual(bad.json(), { detail: 'Invalid cursor' });
    });
  });
});
