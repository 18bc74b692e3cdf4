import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { captureQueries } from 'replica-router/testing';
import { build } from '../../src/app.ts';
import { createServicePool } from '../../src/db/create-service-pool.ts';
import { autodetermineStatus } from '../../src/perf/alert-status/index.ts';
import {
  createPerfAlert,
  insertPerfAlertSummary,
  insertPerfDatum,
  insertPerfFramework,
  insertPerfSignature,
  pushStored,
  testPerfAlert,
  testPerfAlertSummary,
  testPerfAlertSummary2,
  testPerfSignature,
  testPerfSignature2,
  testSheriff,
  tryRepository,
} from '../fixtures/index.ts';
import { withTestDatabase } from '../support/database.ts';

type Json = Record<string, unknown>;

describe('alerts (POST, PUT, PATCH; staff, one primary transaction each)', () => {
  let db: Awaited<ReturnType<typeof withTestDatabase>>;
  let app: Awaited<ReturnType<typeof build>>;
  let sheriff: string;
  before(async () => {
    db = await withTestDatabase({ stopAfter: false });
    const pool = createServicePool({
      primaryUrl: db.urls.primary,
      replicaUrls: db.urls.replicas,
      poolMax: 4,
      connectTimeoutMs: 1000,
      queryTimeoutMs: 5000,
      ejectMs: 1000,
      classifierCacheSize: 100,
    });
    app = await build({ pool, closePool: true, logger: false });
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await db?.close();
  });
  beforeEach(async () => {
    await db.reset();
    sheriff = (await testSheriff(db.primary)).token;
  });

  async function send(method: 'POST' | 'PUT' | 'PATCH', url: string, body: unknown) {
    const { result, queries } = await captureQueries(() =>
      app.inject({ method, url, headers: { authorization: `Bearer ${sheriff}` }, payload: body as Json }),
    );
    assert.ok(
      queries.every((q) => q.alias === 'default'),
      JSON.stringify(queries.map((q) => [q.alias, q.sql.slice(0, 60)])),
    );
    return result;
  }
  const put = (id: number, body: Json) => send('PUT', `/api/performance/alert/${id}/`, body);
  const alertRow = async (id: number) =>
    (await db.primary.query('SELECT * FROM performance_alert WHERE id = $1', [id])).rows[0];
  const summaryRow = async (id: number) =>
    (await db.primary.query('SELECT * FROM performance_alert_summary WHERE id = $1', [id])).rows[0];

  describe('PUT/PATCH /api/performance/alert/{id}/', () => {
    it('alerts_put: Downstream with related summary 2, classifier = sheriff; reset to null + Untriaged', async () => {
      const alert = await testPerfAlert(db.primary);
      const s2 = await testPerfAlertSummary2(db.primary);
      let res = await put(alert.id, { related_summary_id: s2.id, status: 1 });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.related_summary_id, s2.id);
      assert.equal(body.status, 1);
      assert.equal(body.classifier, 'testsheriff1');
      assert.equal(body.classifier_email, 'sheriff@foo.com');
      assert.equal((await summaryRow(alert.summary_id)).status, 1);
      assert.equal((await summaryRow(s2.id)).status, 1);
      res = await send('PATCH', `/api/performance/alert/${alert.id}/`, {
        related_summary_id: null,
        status: 0,
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().related_summary_id, null);
      assert.equal(res.json().status, 0);
      assert.equal((await summaryRow(alert.summary_id)).status, 0);
      // The summary the alert left is recomputed too: no alerts → Untriaged.
      assert.equal((await summaryRow(s2.id)).status, 0);
    });

    it('reassign_different_repository: Reassigned across repositories → 400 unchanged; Downstream → 200', async () => {
      const alert = await testPerfAlert(db.primary);
      const repo = await tryRepository(db.primary);
      const [p1, p2] = await pushStored(db.primary, { repository: repo, count: 2 });
      const other = await insertPerfAlertSummary(db.primary, {
        repository_id: repo.id,
        framework_id: (await summaryRow(alert.summary_id)).framework_id,
        prev_push_id: p1?.id ?? 0,
        push_id: p2?.id ?? 0,
      });
      const before = await alertRow(alert.id);
      let res = await put(alert.id, { related_summary_id: other.id, status: 2 });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json(), [
        `New summary's repository (${repo.id}) does not match existing summary's repository (1)`,
      ]);
      assert.deepEqual(await alertRow(alert.id), before);
      res = await put(alert.id, { related_summary_id: other.id, status: 1 });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().related_summary_id, other.id);
    });

    it('reassign_different_framework → 400', async () => {
      const alert = await testPerfAlert(db.primary);
      const framework = await insertPerfFramework(db.primary, 'other_framework');
      const other = await insertPerfAlertSummary(db.primary, {
        repository_id: 1,
        framework_id: framework.id,
        prev_push_id: 2,
        push_id: 3,
      });
      const res = await put(alert.id, { related_summary_id: other.id, status: 2 });
      assert.equal(res.statusCode, 400);
      assert.match(String(res.json()[0]), /^New summary's framework/);
      assert.equal((await alertRow(alert.id)).status, 0);
    });

    it('the relational status rule is a 400 (the reference answers 500); unknown ids and bad values → 400', async () => {
      const alert = await testPerfAlert(db.primary);
      const s2 = await testPerfAlertSummary2(db.primary);
      const cases: [Json, Json][] = [
        [
          { status: 1 },
          {
            related_summary_id: ['A related summary is required for the Downstream and Reassigned statuses.'],
          },
        ],
        [
          { status: 4, related_summary_id: s2.id },
          { related_summary_id: ['Only Downstream and Reassigned alerts may have a related summary.'] },
        ],
        [
          { related_summary_id: 999, status: 2 },
          { related_summary_id: ['Object with id=999 does not exist.'] },
        ],
        [{ summary_id: 999 }, { summary_id: ['Object with id=999 does not exist.'] }],
        [
          { status: 6, starred: 'maybe' },
          { status: ['"6" is not a valid choice.'], starred: ['Must be a valid boolean.'] },
        ],
      ];
      for (const [body, expected] of cases) {
        const res = await put(alert.id, body);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.deepEqual(res.json(), expected);
      }
      const row = await alertRow(alert.id);
      assert.equal(row.status, 0);
      assert.equal(row.first_triaged, null);
      assert.equal((await put(999, { status: 3 })).statusCode, 404);
    });

    it('nudge (push ids differing from the summary push) → 400 "Nudging has been disabled"; else incorrect push', async () => {
      const alert = await testPerfAlert(db.primary);
      const summary = await summaryRow(alert.summary_id);
      let res = await put(alert.id, { push_id: 5, prev_push_id: 4 });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json(), { detail: 'Nudging has been disabled' });
      for (const body of [
        { push_id: 5 },
        { prev_push_id: 4 },
        { push_id: summary.push_id, prev_push_id: summary.prev_push_id },
      ]) {
        res = await put(alert.id, body);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.deepEqual(res.json(), { message: 'Incorrect push was provided' });
      }
      assert.equal((await alertRow(alert.id)).first_triaged, null);
    });

    it('timestamps: PUT starred stamps first_triaged once, keeps created, bumps last_updated', async () => {
      const alert = await testPerfAlert(db.primary);
      const before = await alertRow(alert.id);
      assert.equal(before.first_triaged, null);
      assert.ok(before.created <= before.last_updated);
      const res = await put(alert.id, { starred: true });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().starred, true);
      const first = await alertRow(alert.id);
      assert.ok(first.first_triaged !== null);
      assert.deepEqual(first.created, before.created);
      assert.ok(first.last_updated > before.last_updated);
      assert.ok((await summaryRow(alert.summary_id)).first_triaged !== null);
      await put(alert.id, { starred: false });
      const second = await alertRow(alert.id);
      assert.deepEqual(second.first_triaged, first.first_triaged);
      assert.ok(second.last_updated > first.last_updated);
    });

    for (const status of [1, 2]) {
      it(`timestamps: a ${status === 1 ? 'Downstream' : 'Reassigned'} PUT stamps the alert and both summaries`, async () => {
        const alert = await testPerfAlert(db.primary);
        const s2 = await testPerfAlertSummary2(db.primary);
        const before = [await summaryRow(alert.summary_id), await summaryRow(s2.id)];
        const res = await put(alert.id, { related_summary_id: s2.id, status });
        assert.equal(res.statusCode, 200, res.body);
        assert.ok((await alertRow(alert.id)).first_triaged !== null);
        const afterRows = [await summaryRow(alert.summary_id), await summaryRow(s2.id)];
        for (const [i, row] of afterRows.entries()) {
          assert.ok(row.first_triaged !== null, `summary ${row.id}`);
          assert.ok(row.last_updated > before[i].last_updated, `summary ${row.id}`);
        }
        assert.equal(afterRows[0].status, status);
        assert.equal(afterRows[1].status, status);
      });
    }

    it('rule 3 through the API: a regression reassigned into an Improvement summary re-opens it', async () => {
      const signature = await testPerfSignature(db.primary);
      const summary = await testPerfAlertSummary(db.primary);
      const improvement = await createPerfAlert(db.primary, {
        summary_id: summary.id,
        series_signature_id: signature.id,
        is_regression: false,
        status: 4,
      });
      await db.primary.query('UPDATE performance_alert_summary SET status = 4 WHERE id = $1', [summary.id]);
      const s2 = await testPerfAlertSummary2(db.primary);
      const regression = await createPerfAlert(db.primary, {
        summary_id: s2.id,
        series_signature_id: (await testPerfSignature2(db.primary)).id,
      });
      const res = await put(regression.id, { related_summary_id: summary.id, status: 2 });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await summaryRow(summary.id)).status, 0);
      assert.equal((await alertRow(improvement.id)).status, 0);
      assert.equal((await summaryRow(s2.id)).status, 2);
    });
  });

  describe('POST /api/performance/alert/', () => {
    async function seriesAroundSummary() {
      const signature = await testPerfSignature(db.primary);
      const summary = await testPerfAlertSummary(db.primary);
      const pushes = (await db.primary.query('SELECT id, time FROM push ORDER BY id')).rows;
      for (const [pushIndex, value] of [
        [0, 1],
        [1, 2],
      ] as const) {
        for (let i = 0; i < 30; i++) {
          const push = pushes[pushIndex];
          await insertPerfDatum(db.primary, { signature, pushId: push.id, value, pushTimestamp: push.time });
        }
      }
      return { signature, summary };
    }

    it('alerts_post: 30×1 then 30×2 → a manual untriaged regression of 100 %', async () => {
      const { signature, summary } = await seriesAroundSummary();
      const res = await send('POST', '/api/performance/alert/', {
        summary_id: summary.id,
        signature_id: signature.id,
      });
      assert.equal(res.statusCode, 200, res.body);
      const { alert_id: id } = res.json();
      const alert = (await app.inject(`/api/performance/alert/${id}/`)).json();
      assert.equal(alert.status, 0);
      assert.equal(alert.manually_created, true);
      assert.equal(alert.amount_pct, 100);
      assert.equal(alert.amount_abs, 1);
      assert.equal(alert.prev_value, 1);
      assert.equal(alert.new_value, 2);
      assert.equal(alert.t_value, 1000);
      assert.equal(alert.is_regression, true);
      assert.equal(alert.summary_id, summary.id);
      const row = await alertRow(id);
      assert.ok(row.first_triaged !== null);
      const s = await summaryRow(summary.id);
      assert.ok(s.first_triaged !== null);
      assert.equal(s.status, 0);
      // Get-or-create: the same alert again.
      const again = await send('POST', '/api/performance/alert/', {
        summary_id: summary.id,
        signature_id: signature.id,
      });
      assert.deepEqual(again.json(), { alert_id: id });
      assert.equal((await db.primary.query('SELECT 1 FROM performance_alert')).rows.length, 1);
    });

    it('insufficient data: a missing key → 400 message; no data after the push → 400 detail; no alert', async () => {
      const signature = await testPerfSignature(db.primary);
      const summary = await testPerfAlertSummary(db.primary);
      for (const body of [{ summary_id: summary.id }, { signature_id: signature.id }, {}]) {
        const res = await send('POST', '/api/performance/alert/', body);
        assert.equal(res.statusCode, 400);
        assert.deepEqual(res.json(), { message: 'Summary and signature ids necessary to create alert' });
      }
      const prev = (await db.primary.query('SELECT time FROM push WHERE id = $1', [summary.prev_push_id]))
        .rows[0];
      await insertPerfDatum(db.primary, {
        signature,
        pushId: summary.prev_push_id,
        value: 1,
        pushTimestamp: prev.time,
      });
      const res = await send('POST', '/api/performance/alert/', {
        summary_id: summary.id,
        signature_id: signature.id,
      });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json(), { detail: 'Insufficient data to create an alert' });
      assert.equal((await db.primary.query('SELECT 1 FROM performance_alert')).rows.length, 0);
    });

    it('unknown summary or signature → 400 (the reference answers 500)', async () => {
      const signature = await testPerfSignature(db.primary);
      const summary = await testPerfAlertSummary(db.primary);
      let res = await send('POST', '/api/performance/alert/', {
        summary_id: 999,
        signature_id: signature.id,
      });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json(), { summary_id: ['Invalid pk "999" - object does not exist.'] });
      res = await send('POST', '/api/performance/alert/', { summary_id: summary.id, signature_id: 'x' });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json(), { signature_id: ['A valid integer is required.'] });
    });
  });

  describe('routing', () => {
    it('writes run on the primary only (client and server side); a GET right after may still use the replica', async () => {
      const alert = await testPerfAlert(db.primary);
      const updates = async () =>
        Number(
          (
            await db.primary.query(
              "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'performance_alert'",
            )
          ).rows[0].n_tup_upd,
        );
      const before = await updates();
      const xmin = async () =>
        (await db.primary.query('SELECT xmin::text AS x FROM performance_alert WHERE id = $1', [alert.id]))
          .rows[0].x;
      const xminBefore = await xmin();
      const { result, queries } = await captureQueries(() =>
        app.inject({
          method: 'PUT',
          url: `/api/performance/alert/${alert.id}/`,
          headers: { authorization: `Bearer ${sheriff}` },
          payload: { status: 3 },
        }),
      );
      assert.equal(result.statusCode, 200, result.body);
      assert.ok(queries.length > 0);
      assert.deepEqual([...new Set(queries.map((q) => q.alias))], ['default']);
      assert.ok(queries.some((q) => /^\s*UPDATE performance_alert /.test(q.sql)));
      // A new row version written by a primary transaction (a standby cannot assign transaction ids).
      assert.notEqual(await xmin(), xminBefore);
      // The server confirms the write landed on the primary. A backend flushes its table statistics when
      // it goes idle, at most once a second and at the latest 10 s later (PGSTAT_IDLE_INTERVAL).
      let after = before;
      for (let i = 0; i < 150 && after <= before; i++) {
        await sleep(100);
        after = await updates();
      }
      assert.ok(after > before, `n_tup_upd ${before} → ${after}`);
      const primary = await db.primary.query('SELECT pg_is_in_recovery() AS standby');
      assert.equal(primary.rows[0].standby, false);

      // An opted-in read right after the write goes to the replica: it may not have replayed the write
      // yet (read-after-write staleness is accepted for the opted-in endpoints; see docs/deviations.md).
      const read = await captureQueries(() =>
        app.inject(`/api/performance/alertsummary-tasks/?id=${alert.summary_id}`),
      );
      assert.equal(read.result.statusCode, 200, read.result.body);
      assert.ok(read.queries.length > 0);
      assert.ok(read.queries.every((q) => q.alias === 'read_replica'));
    });
  });

  describe('concurrency', () => {
    it('an alert PUT locks its summary before it touches any alert (writes on one summary queue)', async () => {
      const alert = await testPerfAlert(db.primary);
      const blocker = await db.primary.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query('SELECT 1 FROM performance_alert_summary WHERE id = $1 FOR UPDATE', [
          alert.summary_id,
        ]);
        let done = false;
        const pending = app
          .inject({
            method: 'PUT',
            url: `/api/performance/alert/${alert.id}/`,
            headers: { authorization: `Bearer ${sheriff}` },
            payload: { status: 4 },
          })
          .finally(() => {
            done = true;
          });
        let waiting: string[] = [];
        for (let i = 0; i < 50 && waiting.length === 0; i++) {
          await sleep(50);
          waiting = (
            await db.primary.query(
              `SELECT query FROM pg_stat_activity
                WHERE wait_event_type = 'Lock' AND datname = current_database() AND pid <> $1`,
              [(await blocker.query('SELECT pg_backend_pid() AS pid')).rows[0].pid],
            )
          ).rows.map((r) => r.query as string);
        }
        assert.equal(waiting.length, 1);
        assert.match(waiting[0] ?? '', /FROM performance_alert_summary[\s\S]*FOR UPDATE/);
        // The alert row is not locked yet: another session can lock it without waiting.
        const free = await blocker.query('SELECT 1 FROM performance_alert WHERE id = $1 FOR UPDATE NOWAIT', [
          alert.id,
        ]);
        assert.equal(free.rows.length, 1);
        assert.equal(done, false);
        await blocker.query('COMMIT');
        const res = await pending;
        assert.equal(res.statusCode, 200, res.body);
        assert.equal((await summaryRow(alert.summary_id)).status, 5);
      } finally {
        await blocker.query('ROLLBACK').catch(() => {});
        blocker.release();
      }
    });

    it('50 concurrent PUTs on the alerts of one summary: its final status follows from the final alerts', async () => {
      const summary = await testPerfAlertSummary(db.primary);
      const alertIds: number[] = [];
      for (let i = 0; i < 5; i++) {
        const signature = await insertPerfSignature(db.primary, {
          signature_hash: `${i}`.repeat(40),
          suite: `suite${i}`,
        });
        const alert = await createPerfAlert(db.primary, {
          summary_id: summary.id,
          series_signature_id: signature.id,
          is_regression: i % 2 === 0,
        });
        alertIds.push(alert.id);
      }
      const statuses = [0, 3, 4, 5];
      let seed = 42;
      const random = (n: number) => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed % n;
      };
      const requests = Array.from({ length: 50 }, () => ({
        id: alertIds[random(alertIds.length)] ?? 0,
        status: statuses[random(statuses.length)] ?? 0,
      }));
      // Hold the summary's row lock from outside while the requests start, so their transactions pile up
      // and then run as close together as the server allows: without the service's own lock on the
      // summary, the status recomputes would read each other's uncommitted alerts as stale and the last
      // writer would win with a wrong status.
      const blocker = await db.primary.connect();
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM performance_alert_summary WHERE id = $1 FOR UPDATE', [summary.id]);
      const pending = Promise.all(
        requests.map((r) =>
          app.inject({
            method: 'PUT',
            url: `/api/performance/alert/${r.id}/`,
            headers: { authorization: `Bearer ${sheriff}` },
            payload: { status: r.status, related_summary_id: null },
          }),
        ),
      );
      for (let i = 0; i < 30; i++) {
        const { rows } = await db.primary.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
        );
        if (rows[0].n >= 3) break;
        await sleep(100);
      }
      await blocker.query('COMMIT');
      blocker.release();
      const results = await pending;
      for (const res of results) assert.equal(res.statusCode, 200, res.body);
      const alerts = (
        await db.primary.query(
          `SELECT id, status, is_regression, related_summary_id FROM performance_alert
            WHERE summary_id = $1 OR related_summary_id = $1 ORDER BY id`,
          [summary.id],
        )
      ).rows;
      const final = await summaryRow(summary.id);
      // Rule 7 keeps a status a human chose, so apply the rules to the status before the last recompute
      // as well: the final status must be a fixed point of the rules on the final alert states.
      const expected = autodetermineStatus(
        { id: summary.id, status: final.status },
        alerts.map((a) => ({
          id: a.id,
          status: a.status,
          isRegression: a.is_regression,
          relatedSummaryId: a.related_summary_id,
        })),
      );
      assert.equal(final.status, expected.status, JSON.stringify({ alerts, final: final.status }));
      assert.deepEqual(expected.untriageAlertIds, []);
    });
  });
});
