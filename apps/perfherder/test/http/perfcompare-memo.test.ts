/**
 * PerfCompare's Student-t answer through the answer memo (perfcompare-student-t.ts), against a real primary and
 * streaming replica: a repeat is sent from memory (pg_stat_statements: the comparison statement did not run
 * again), byte for byte the answer of a service without the memo; a datum added to either side (the base
 * window, the new revision) makes the next answer include it, equal to a miss's; a signature past the edge of the
 * `interval` window (`last_updated`) recomputes; Cache-Control with two revisions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import {
  comparePushes,
  fixtureRevision,
  insertPerfDatum,
  insertPerfSignature,
  insertPush,
  type PushRow,
  type SignatureRow,
} from '../fixtures/index.ts';
import { type MemoProbe, memoProbe } from '../support/memo-probe.ts';
import { buildServiceApp, serviceAppHooks } from '../support/service-app.ts';

const DAY_MS = 86_400_000;
/** A text only the comparison statement has (its base side's signatures CTE). */
const COMPARISON = 'bs AS MATERIALIZED';

describe('PerfCompare Student-t: whole answers kept by the answer memo', () => {
  const service = serviceAppHooks();
  let replica: pg.Pool;
  let probe: MemoProbe;
  let off: FastifyInstance;
  before(async () => {
    replica = new pg.Pool({ connectionString: service.db.urls.replicas[0], max: 1 });
    // The cluster stops before this pool ends: its idle connection's end must not crash the file.
    replica.on('error', () => {});
    probe = await memoProbe(service, replica);
    off = await buildServiceApp(service.db.urls, { answerMemoBytes: 0 });
  });
  after(async () => {
    await off?.close();
    await replica?.end();
  });

  interface World {
    readonly url: string;
    readonly withBase: string;
    readonly baseSig: SignatureRow;
    readonly newSig: SignatureRow;
    readonly basePush: PushRow;
    readonly newPush: PushRow;
  }

  /** Base on `try` (a push 4 days ago, two datums, one with replicates), new on mozilla-central (now). */
  async function world(): Promise<World> {
    const p = service.db.primary;
    const { test, tryRepo, framework, linux, basePush, newPush } = await comparePushes(p, 60_000);
    const common = {
      framework_id: framework.id,
      platform_id: linux.id,
      suite: 'a11yr',
      test: 'dhtml.html',
      extra_options: 'e10s',
      measurement_unit: 'ms',
      has_subtests: false,
      application: 'firefox',
    };
    const baseSig = await insertPerfSignature(p, {
      ...common,
      signature_hash: 'm1'.repeat(20),
      repository_id: tryRepo.id,
    });
    const newSig = await insertPerfSignature(p, {
      ...common,
      signature_hash: 'm2'.repeat(20),
      repository_id: test.id,
    });
    for (const [value, replicates] of [
      [32.4, [32.1, 32.7]],
      [33.125, []],
    ] as const) {
      await insertPerfDatum(p, {
        signature: baseSig,
        pushId: basePush.id,
        value,
        pushTimestamp: basePush.time,
        replicates,
      });
    }
    await insertPerfDatum(p, {
      signature: newSig,
      pushId: newPush.id,
      value: 40.2,
      pushTimestamp: newPush.time,
    });
    const params = new URLSearchParams({
      base_repository: tryRepo.name,
      new_repository: test.name,
      new_revision: newPush.revision,
      framework: String(framework.id),
      no_subtests: 'true',
    });
    return {
      url: `/api/perfcompare/results/?${params}&interval=604800`,
      withBase: `/api/perfcompare/results/?${params}&base_revision=${basePush.revision}&replicates=true`,
      baseSig,
      newSig,
      basePush,
      newPush,
    };
  }

  /** The answer of the service without the memo (every request a miss), which the memo's must equal. */
  async function missAnswer(url: string): Promise<string> {
    const res = await off.inject(url);
    assert.equal(res.statusCode, 200, res.body);
    return res.body;
  }

  it('a repeat is sent from memory without running the comparison statement, byte for byte a miss’s', async () => {
    const w = await world();
    const { first, second } = await probe.repeatedHit(w.url);
    assert.equal(second.statusCode, 200);
    assert.equal(second.body, first.body);
    assert.equal(second.headers.etag, first.headers.etag);
    assert.equal(second.headers['content-type'], 'application/json');
    assert.equal(second.headers['cache-control'], undefined, 'no Cache-Control without a base revision');
    assert.equal(JSON.parse(second.body).length, 1);

    const [statements, memoBodies] = [await probe.calls(COMPARISON), await probe.bodyRuns()];
    const notModified = await service.app.inject({
      url: w.url,
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    assert.equal(notModified.statusCode, 304);
    const gzip = await service.app.inject({ url: w.url, headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gzip.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gzip.rawPayload).toString('utf8'), first.body);
    assert.equal(await probe.calls(COMPARISON), statements, 'the 304 and the gzip answer came from memory');
    assert.equal(await probe.bodyRuns(), memoBodies);

    assert.equal(await missAnswer(w.url), first.body, 'the same bytes as a service without the memo');
    assert.equal(await probe.calls(COMPARISON), statements + 1, 'the memo-less service ran the statement');
    assert.equal(await probe.bodyRuns(), memoBodies, '… as it is, not wrapped for the memo');

    // Both revisions: kept too, with Cache-Control on the hit as on the miss.
    const pair = await probe.repeatedHit(w.withBase);
    assert.equal(pair.second.body, pair.first.body);
    assert.equal(pair.first.headers['cache-control'], 'public, max-age=3600');
    assert.equal(pair.second.headers['cache-control'], 'public, max-age=3600');
    assert.equal(await missAnswer(w.withBase), pair.first.body);
  });

  it('a datum added to the base window or to the new revision: the next answer has it, as a miss’s', async () => {
    const w = await world();
    const kept = JSON.parse((await probe.repeatedHit(w.url)).first.body)[0];
    assert.equal(kept.base_runs.length, 2);
    assert.equal(kept.new_runs.length, 1);

    // Base side: a push 2 days ago, inside the 7-day window that ends at the new push.
    const p = service.db.primary;
    const push = await insertPush(p, {
      repository_id: w.baseSig.repository_id,
      revision: fixtureRevision('try', 2),
      time: new Date(w.newPush.time.getTime() - 2 * DAY_MS),
    });
    await insertPerfDatum(p, {
      signature: w.baseSig,
      pushId: push.id,
      value: 35.5,
      pushTimestamp: push.time,
    });
    await probe.settle();
    let statements = await probe.calls(COMPARISON);
    const afterBase = await service.app.inject(w.url);
    assert.equal(await probe.calls(COMPARISON), statements + 1, 'recomputed after the base datum');
    assert.deepEqual(JSON.parse(afterBase.body)[0].base_runs, [32.4, 33.12, 35.5]);
    assert.equal(afterBase.body, await missAnswer(w.url));
    assert.equal((await probe.repeatedHit(w.url)).second.body, afterBase.body);

    // New side: a retrigger on the new revision.
    await insertPerfDatum(p, {
      signature: w.newSig,
      pushId: w.newPush.id,
      value: 41,
      pushTimestamp: w.newPush.time,
      replicates: [40.5, 41.5],
    });
    await probe.settle();
    statements = await probe.calls(COMPARISON);
    const afterNew = await service.app.inject(w.url);
    assert.equal(await probe.calls(COMPARISON), statements + 1, 'recomputed after the new datum');
    const row = JSON.parse(afterNew.body)[0];
    assert.deepEqual(row.new_runs, [40.2, 41]);
    assert.deepEqual(row.new_runs_replicates, [40.2, 40.5, 41.5]);
    assert.equal(afterNew.body, await missAnswer(w.url));
  });

  it('a signature whose last_updated passes the interval window’s edge: recomputed without it', async () => {
    const w = await world();
    const p = service.db.primary;
    const interval = 30;
    // The base signature leaves the window in about 10 s, the new one stays; the base datum is inside the
    // window that ends at the new push (which is 60 s old: move it to now).
    await p.query('UPDATE push SET time = now() WHERE id = $1', [w.newPush.id]);
    await p.query('UPDATE performance_datum SET push_timestamp = now() WHERE push_id = $1', [w.newPush.id]);
    const push = await insertPush(p, {
      repository_id: w.baseSig.repository_id,
      revision: fixtureRevision('try', 3),
      time: new Date(Date.now() - 10_000),
    });
    await insertPerfDatum(p, { signature: w.baseSig, pushId: push.id, value: 30, pushTimestamp: push.time });
    const leaving = new Date(Date.now() - (interval - 10) * 1000);
    await p.query('UPDATE performance_signature SET last_updated = $2 WHERE id = $1', [
      w.baseSig.id,
      leaving,
    ]);
    await p.query(`UPDATE performance_signature SET last_updated = now() + interval '1 day' WHERE id = $1`, [
      w.newSig.id,
    ]);
    const url = w.url.replace('interval=604800', `interval=${interval}`);
    const { first, second } = await probe.repeatedHit(url);
    assert.deepEqual(JSON.parse(first.body)[0].base_runs, [30]);
    assert.equal(second.body, first.body);

    const wait = leaving.getTime() + interval * 1000 + 1500 - Date.now();
    if (wait > 0) await sleep(wait);
    const checks = await probe.checkRuns();
    const statements = await probe.calls(COMPARISON);
    const later = await service.app.inject(url);
    assert.ok((await probe.checkRuns()) >= checks + 1, 'the kept answer was checked');
    assert.equal(await probe.calls(COMPARISON), statements + 1, 'and recomputed');
    const row = JSON.parse(later.body)[0];
    assert.deepEqual(row.base_runs, [], `the base signature is out of the window: ${later.body}`);
    assert.deepEqual(row.new_runs, [40.2]);
    assert.equal(later.body, await missAnswer(url));
  });
});
