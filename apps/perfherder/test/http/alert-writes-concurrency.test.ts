import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { captureQueries } from 'replica-router/testing';
import { autodetermineStatus } from '../../src/perf/alert-status/index.ts';
import {
  createPerfAlert,
  insertPerfSignature,
  testPerfAlert,
  testPerfAlertSummary,
  testSheriff,
} from '../fixtures/index.ts';
import { type ServiceApp, startServiceApp } from '../support/service-app.ts';

describe('alert writes: primary only, serialized per summary', () => {
  let db: ServiceApp['db'];
  let app: ServiceApp['app'];
  let close: ServiceApp['close'] | undefined;
  let sheriff: string;
  before(async () => {
    ({ db, app, close } = await startServiceApp());
  });
  after(async () => {
    await close?.();
  });
  beforeEach(async () => {
    await db.reset();
    sheriff = (await testSheriff(db.primary)).token;
  });

  const summaryRow = async (id: number) =>
    (await db.primary.query('SELECT * FROM performance_alert_summary WHERE id = $1', [id])).rows[0];

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
