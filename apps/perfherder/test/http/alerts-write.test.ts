import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { captureQueries } from 'replica-router/testing';
import {
  createPerfAlert,
  insertPerfAlertSummary,
  insertPerfDatum,
  insertPerfFramework,
  pushStored,
  testPerfAlert,
  testPerfAlertSummary,
  testPerfAlertSummary2,
  testPerfSignature,
  testPerfSignature2,
  testSheriff,
  tryRepository,
} from '../fixtures/index.ts';
import { type ServiceApp, startServiceApp } from '../support/service-app.ts';

type Json = Record<string, unknown>;

describe('alerts (POST, PUT, PATCH, DELETE; staff, one primary transaction each)', () => {
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

  async function send(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body: unknown) {
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
  describe('DELETE /api/performance/alert/{id}/', () => {
    it('deletes the alert and recomputes its summary from the alerts that remain; 404 after; 401 anonymous', async () => {
      const untriaged = await testPerfAlert(db.primary);
      const other = await testPerfSignature2(db.primary);
      // The remaining alert: an acknowledged improvement, so the summary becomes Improvement (rule 7).
      await createPerfAlert(db.primary, {
        summary_id: untriaged.summary_id,
        series_signature_id: other.id,
        status: 4,
        is_regression: false,
      });
      await db.primary.query('UPDATE performance_alert_summary SET status = 0 WHERE id = $1', [
        untriaged.summary_id,
      ]);
      const url = `/api/performance/alert/${untriaged.id}/`;
      assert.equal((await app.inject({ method: 'DELETE', url })).statusCode, 401);
      const res = await send('DELETE', url, undefined);
      assert.equal(res.statusCode, 204, res.body);
      assert.equal(await alertRow(untriaged.id), undefined);
      assert.equal((await summaryRow(untriaged.summary_id)).status, 4);
      assert.equal((await send('DELETE', url, undefined)).statusCode, 404);
    });
  });
});
