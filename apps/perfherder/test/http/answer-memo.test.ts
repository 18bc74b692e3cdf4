/**
 * The answer memo (http/answer-memo.ts) on the summary, `/data/` and `/signatures/`, against a real primary and streaming replica: a
 * repeated request is sent from memory (pg_stat_statements on both servers: the body statement did not run
 * again, the small check did), byte for byte; a committed change (a datum, a signature, a job's submit time)
 * makes the next answer include it; a now-relative window (summary, `/data/`, `/signatures/`) whose edge passes a
 * datum or a signature recomputes; 304 on a
 * hit; gzip kept; `ANSWER_MEMO_BYTES` (its errors, and 0: off, as before).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { readServiceConfig } from '../../src/config/service-config.ts';
import {
  ByteLru,
  DEFAULT_ANSWER_MEMO_BYTES,
  isExactSnapshot,
  parseAnswerMemoBytes,
} from '../../src/http/answer-memo.ts';
import {
  fixtureRevision,
  insertJob,
  insertPerfDatum,
  insertPush,
  type SignatureRow,
  testPerfSignature,
} from '../fixtures/index.ts';
import { type MemoProbe, memoProbe } from '../support/memo-probe.ts';
import { buildServiceApp, serviceAppHooks } from '../support/service-app.ts';

const RANGE = 'startday=2013-11-01T00%3A00%3A00&endday=2013-11-30T00%3A00%3A00';

describe('answer memo: whole answers validated by the snapshot', () => {
  const service = serviceAppHooks();
  let replica: pg.Pool;
  let probe: MemoProbe;
  before(async () => {
    replica = new pg.Pool({ connectionString: service.db.urls.replicas[0], max: 1 });
    // The cluster stops before this pool ends: its idle connection's end must not crash the file.
    replica.on('error', () => {});
    probe = await memoProbe(service, replica);
  });
  after(() => replica?.end());
  const calls = (marker: string, servers?: pg.Pool[]) => probe.calls(marker, servers);
  const bodyRuns = () => probe.bodyRuns();
  const checkRuns = () => probe.checkRuns();
  const settle = () => probe.settle();
  const repeatedHit = (url: string) => probe.repeatedHit(url);

  async function seed(): Promise<{ signature: SignatureRow; jobId: number }> {
    const signature = await testPerfSignature(service.db.primary);
    const time = new Date(Date.UTC(2013, 10, 10, 12));
    const push = await insertPush(service.db.primary, {
      repository_id: signature.repository_id,
      revision: fixtureRevision('memo', 1),
      time,
    });
    const job = await insertJob(service.db.primary, {
      repositoryId: signature.repository_id,
      pushId: push.id,
      submitTime: new Date(Date.UTC(2013, 10, 10, 11)),
    });
    await insertPerfDatum(service.db.primary, {
      signature,
      pushId: push.id,
      value: 1,
      pushTimestamp: time,
      jobId: job.id,
    });
    return { signature, jobId: job.id };
  }

  /** A push of `signature`'s repository at `time` (revision `<tag>` number `n`) with one datum of `value`. */
  async function addDatum(signature: SignatureRow, tag: string, n: number, time: Date, value: number) {
    const push = await insertPush(service.db.primary, {
      repository_id: signature.repository_id,
      revision: fixtureRevision(tag, n),
      time,
    });
    await insertPerfDatum(service.db.primary, { signature, pushId: push.id, value, pushTimestamp: time });
  }

  function summaryUrl(signature: SignatureRow, window = RANGE): string {
    return `/api/performance/summary/?repository=mozilla-central&framework=${signature.framework_id}&no_subtests=true&${window}`;
  }

  it('a repeated request is served from memory, byte for byte, with the same ETag; 304 and gzip on a hit', async () => {
    const { signature } = await seed();
    const url = summaryUrl(signature);
    const onReplica = await calls('memo_snapshot', [replica]);
    const { first, second } = await repeatedHit(url);
    assert.ok((await calls('memo_snapshot', [replica])) > onReplica, 'the body statement ran on the replica');
    assert.equal(second.statusCode, 200);
    assert.equal(second.body, first.body);
    assert.ok(JSON.parse(second.body).length === 1);
    assert.equal(second.headers.etag, first.headers.etag);
    assert.match(String(second.headers['content-type']), /^application\/json/);

    const bodies = await bodyRuns();
    const notModified = await service.app.inject({
      url,
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    assert.equal(notModified.statusCode, 304);
    assert.equal(notModified.body, '');
    const gzip = await service.app.inject({ url, headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gzip.headers['content-encoding'], 'gzip');
    assert.match(String(gzip.headers.vary), /accept-encoding/);
    assert.equal(gzip.headers.etag, first.headers.etag);
    assert.equal(gunzipSync(gzip.rawPayload).toString('utf8'), first.body);
    assert.equal(await bodyRuns(), bodies, 'the 304 and the gzip answer came from memory too');
  });

  it('an inserted datum, an updated signature, a job submit time: the next answer has the change', async () => {
    const { signature, jobId } = await seed();
    const url = summaryUrl(signature);
    await repeatedHit(url);

    await addDatum(signature, 'memo', 2, new Date(Date.UTC(2013, 10, 12)), 7);
    await settle();
    let bodies = await bodyRuns();
    const withDatum = JSON.parse((await service.app.inject(url)).body);
    assert.deepEqual(withDatum[0].values, [1, 7]);
    assert.equal(await bodyRuns(), bodies + 1, 'recomputed after the insert');

    await service.db.primary.query(`UPDATE performance_signature SET alert_threshold = 12.5 WHERE id = $1`, [
      signature.id,
    ]);
    await settle();
    assert.equal(JSON.parse((await service.app.inject(url)).body)[0].alert_threshold, 12.5);

    await service.db.primary.query(`UPDATE job SET submit_time = '2013-11-09T01:02:03' WHERE id = $1`, [
      jobId,
    ]);
    await settle();
    bodies = await bodyRuns();
    const moved = JSON.parse((await service.app.inject(url)).body);
    assert.equal(moved[0].submit_times[0], '2013-11-09T01:02:03');
    assert.equal(await bodyRuns(), bodies + 1);
  });

  it('an interval window: kept while nothing crosses its edge, recomputed once a datum leaves it', async () => {
    const signature = await testPerfSignature(service.db.primary);
    // The signature stays in its own (last_updated) window: only the datum crosses an edge.
    await service.db.primary.query(
      `UPDATE performance_signature SET last_updated = now() + interval '1 day' WHERE id = $1`,
      [signature.id],
    );
    const interval = 30;
    const nowMs = Date.now();
    const leaving = new Date(nowMs - (interval - 10) * 1000);
    const staying = new Date(nowMs + 3600_000);
    await addDatum(signature, 'edge', 0, leaving, 1);
    await addDatum(signature, 'edge', 1, staying, 2);
    const url = summaryUrl(signature, `interval=${interval}`);
    const { first, second } = await repeatedHit(url);
    assert.deepEqual(JSON.parse(first.body)[0].values, [1, 2]);
    assert.equal(second.body, first.body);

    // Past the edge (push time + interval): the datum left the window.
    const wait = leaving.getTime() + interval * 1000 + 1500 - Date.now();
    if (wait > 0) await sleep(wait);
    const checks = await checkRuns();
    const later = await service.app.inject(url);
    assert.equal(later.statusCode, 200, later.body);
    assert.deepEqual(JSON.parse(later.body)[0]?.values, [2], `the datum past the edge is out: ${later.body}`);
    assert.ok((await checkRuns()) >= checks + 1);
  });

  it('/performance/data/ and /performance/signatures/: kept, and recomputed after a change', async () => {
    const { signature } = await seed();
    const data = `/api/project/mozilla-central/performance/data/?signature_id=${signature.id}`;
    const signatures = '/api/project/mozilla-central/performance/signatures/';
    for (const url of [data, signatures]) {
      const { first, second } = await repeatedHit(url);
      assert.equal(second.body, first.body, url);
      assert.equal(second.headers.etag, first.headers.etag, url);
    }
    await addDatum(signature, 'memo', 3, new Date(Date.UTC(2013, 10, 13)), 2.345);
    await service.db.primary.query(`UPDATE performance_signature SET measurement_unit = 'kB' WHERE id = $1`, [
      signature.id,
    ]);
    await settle();
    const values = JSON.parse((await service.app.inject(data)).body)[signature.signature_hash].map(
      (d: { value: number }) => d.value,
    );
    assert.deepEqual(values, [1, 2.35], 'the new datum, rounded as before');
    assert.equal(
      JSON.parse((await service.app.inject(signatures)).body)[signature.id].measurement_unit,
      'kB',
    );
  });

  it('/data/ and /signatures/ with interval: kept while nothing crosses the edge, recomputed once a row leaves', async () => {
    const signature = await testPerfSignature(service.db.primary);
    const interval = 30;
    const nowMs = Date.now();
    const leaving = new Date(nowMs - (interval - 10) * 1000);
    const staying = new Date(nowMs + 3600_000);
    await addDatum(signature, 'edge-data', 0, leaving, 1);
    await addDatum(signature, 'edge-data', 1, staying, 2);
    // The signature's own window (last_updated >= cutoff) loses it at the same edge.
    await service.db.primary.query(`UPDATE performance_signature SET last_updated = $2 WHERE id = $1`, [
      signature.id,
      leaving,
    ]);
    const project = '/api/project/mozilla-central/performance';
    const data = `${project}/data/?signature_id=${signature.id}&interval=${interval}`;
    const signatures = `${project}/signatures/?id=${signature.id}&interval=${interval}`;
    const values = (body: string) =>
      (JSON.parse(body)[signature.signature_hash] ?? []).map((d: { value: number }) => d.value);
    for (const url of [data, signatures]) {
      const { first, second } = await repeatedHit(url);
      assert.equal(second.body, first.body, url);
      assert.equal(second.headers.etag, first.headers.etag, url);
    }
    assert.deepEqual(values((await service.app.inject(data)).body), [1, 2]);
    assert.ok(JSON.parse((await service.app.inject(signatures)).body)[signature.id]);

    // Past the edge (the time + interval): the datum and the signature left their windows.
    const wait = leaving.getTime() + interval * 1000 + 1500 - Date.now();
    if (wait > 0) await sleep(wait);
    const bodies = await bodyRuns();
    const laterData = await service.app.inject(data);
    assert.equal(laterData.statusCode, 200, laterData.body);
    assert.deepEqual(values(laterData.body), [2], `the datum past the edge is out: ${laterData.body}`);
    const laterSignatures = await service.app.inject(signatures);
    assert.equal(laterSignatures.body, '{}', 'the signature past the edge is out');
    assert.equal(await bodyRuns(), bodies + 2, 'both recomputed by the memo statement');
  });

  /**
   * A Mann-Whitney comparison on mozilla-central without a base revision: the base window is the `interval`
   * before the new push (now), with one datum of `baseValue` in it; the new push has one datum of 2. The
   * signature's `last_updated` is `updated` (its own now-relative window).
   */
  async function mwuWorld(interval: number, updated: Date, baseValue = 1) {
    const signature = await testPerfSignature(service.db.primary);
    const nowMs = Date.now();
    await addDatum(signature, 'mwu', 0, new Date(nowMs - (interval * 1000) / 2), baseValue);
    await addDatum(signature, 'mwu', 1, new Date(nowMs), 2);
    // After the datums (their insert moves last_updated up to their push time).
    await service.db.primary.query('UPDATE performance_signature SET last_updated = $2 WHERE id = $1', [
      signature.id,
      updated,
    ]);
    const url =
      '/api/perfcompare/results/?base_repository=mozilla-central&new_repository=mozilla-central' +
      `&new_revision=${fixtureRevision('mwu', 1)}&framework=${signature.framework_id}&interval=${interval}` +
      '&no_subtests=true&test_version=mann-whitney-u';
    await settle();
    return { signature, url };
  }
  // The statements of a Mann-Whitney answer's key (the datum counters) and of its stored answer.
  const mwuKeyRuns = () => calls('performance_datum_day_count');
  const mwuReadRuns = () => calls('FROM perf_compare_mwu_cache c');

  /**
   * A Mann-Whitney request answered from the memo: the cache row written by a first request (a miss), read
   * by a second (kept by its parameters), the third sent from memory. Tried a few times (see repeatedHit).
   */
  async function mwuHit(url: string, headers: Record<string, string> = {}) {
    for (let attempt = 0; attempt < 5; attempt++) {
      await settle();
      const stored = await service.app.inject({ url, headers });
      assert.equal(stored.statusCode, 200, stored.body);
      const [keys, reads, checks] = [await mwuKeyRuns(), await mwuReadRuns(), await checkRuns()];
      const hit = await service.app.inject({ url, headers });
      if ((await mwuKeyRuns()) === keys) {
        assert.equal(await mwuReadRuns(), reads, 'a hit reads no stored answer');
        assert.equal(await checkRuns(), checks + 1, 'a hit runs the check statement once');
        return { stored, hit };
      }
    }
    assert.fail(`${url}: never served from memory`);
  }

  it('Mann-Whitney: a repeat is sent from memory without the key statements, byte for byte; 304 and gzip', async () => {
    const interval = 172800;
    const { url } = await mwuWorld(interval, new Date(Date.now() + 86_400_000));
    const miss = await service.app.inject(url);
    assert.equal(miss.statusCode, 200, miss.body);
    const onReplica = await calls('AS snapshot, coalesce(', [replica]);
    const { stored, hit } = await mwuHit(url);
    assert.ok((await calls('AS snapshot, coalesce(', [replica])) > onReplica, 'the check ran on the replica');
    assert.equal(hit.body, stored.body);
    assert.deepEqual(JSON.parse(hit.body), JSON.parse(miss.body), "the miss's answer");
    assert.equal(JSON.parse(hit.body)[0].new_runs.length, 1);
    for (const name of ['etag', 'content-type', 'vary', 'cache-control', 'content-encoding']) {
      assert.equal(hit.headers[name], stored.headers[name], name);
    }

    const keys = await mwuKeyRuns();
    const notModified = await service.app.inject({
      url,
      headers: { 'if-none-match': String(stored.headers.etag), 'accept-encoding': 'gzip' },
    });
    assert.equal(notModified.statusCode, 304);
    assert.equal(notModified.body, '');
    assert.equal(notModified.headers.etag, stored.headers.etag);
    assert.equal(notModified.headers['content-encoding'], undefined);
    assert.equal(await mwuKeyRuns(), keys, 'the 304 came from memory');

    // The gzip copy is read once (kept beside the text), then sent from memory.
    const { stored: gzipStored, hit: gzipHit } = await mwuHit(url, { 'accept-encoding': 'gzip' });
    for (const answer of [gzipStored, gzipHit]) {
      assert.equal(answer.headers['content-encoding'], 'gzip');
      assert.match(String(answer.headers.vary), /accept-encoding/i);
      assert.equal(answer.headers.etag, stored.headers.etag);
      assert.equal(gunzipSync(answer.rawPayload).toString('utf8'), stored.body);
    }
  });

  it('Mann-Whitney: a datum added in the window makes a new answer, then kept: the bytes of the memo-less service', async () => {
    const interval = 172800;
    const { signature, url } = await mwuWorld(interval, new Date(Date.now() + 86_400_000));
    assert.equal((await service.app.inject(url)).statusCode, 200);
    const { hit } = await mwuHit(url);
    assert.deepEqual(JSON.parse(hit.body)[0].base_runs, [1]);

    // A base datum inside the window (an hour before the new push).
    const push = await service.db.primary.query('SELECT id, time FROM push WHERE revision = $1', [
      fixtureRevision('mwu', 1),
    ]);
    const time = new Date(push.rows[0].time.getTime() - 3600_000);
    await addDatum(signature, 'mwu', 2, time, 5);
    await settle();
    const keys = await mwuKeyRuns();
    const changed = await service.app.inject(url);
    assert.equal(changed.statusCode, 200, changed.body);
    assert.deepEqual(JSON.parse(changed.body)[0].base_runs, [1, 5], 'the new datum is in');
    assert.ok((await mwuKeyRuns()) > keys, 'the key was built again');
    // Kept again, and the same bytes as the memo-less service sends from the stored answer.
    const { hit: again } = await mwuHit(url);
    const off = await buildServiceApp(service.db.urls, { answerMemoBytes: 0 });
    try {
      const before = await mwuKeyRuns();
      const plain = await off.inject(url);
      assert.equal(plain.body, again.body);
      assert.equal(plain.headers.etag, again.headers.etag);
      assert.equal(await mwuKeyRuns(), before + 1, 'memo off: the key statement runs');
    } finally {
      await off.close();
    }
  });

  it('Mann-Whitney: a signature whose last_updated passes the edge of the interval window is left out', async () => {
    const interval = 60;
    // last_updated 20 s inside the window: it leaves it 20 s from now.
    const leaving = new Date(Date.now() - (interval - 20) * 1000);
    const { url } = await mwuWorld(interval, leaving);
    assert.equal((await service.app.inject(url)).statusCode, 200);
    const { hit } = await mwuHit(url);
    assert.equal(JSON.parse(hit.body).length, 1);
    const wait = leaving.getTime() + interval * 1000 + 1500 - Date.now();
    if (wait > 0) await sleep(wait);
    const checks = await checkRuns();
    const later = await service.app.inject(url);
    assert.equal(later.statusCode, 200, later.body);
    assert.deepEqual(JSON.parse(later.body), [], `the signature past the edge is out: ${later.body}`);
    assert.ok((await checkRuns()) >= checks + 1, 'the kept answer was checked first');
  });

  it('ANSWER_MEMO_BYTES=0: every request runs the statement as before, same bytes', async () => {
    const { signature } = await seed();
    const url = summaryUrl(signature);
    const { first } = await repeatedHit(url);
    const off = await buildServiceApp(service.db.urls, { answerMemoBytes: 0 });
    try {
      const marker = 'AS data_head';
      const [bodies, plain] = [await bodyRuns(), await calls(marker)];
      const a = await off.inject(url);
      const b = await off.inject(url);
      assert.equal(a.body, first.body);
      assert.equal(b.body, first.body);
      assert.equal(a.headers.etag, first.headers.etag);
      assert.equal(await bodyRuns(), bodies, 'no memo statement');
      assert.equal(await calls(marker), plain + 2, 'the summary statement ran for each request');
      assert.equal(off.answerMemo.enabled, false);
    } finally {
      await off.close();
    }
  });
});

describe('answer memo: its settings and pieces', () => {
  it('ANSWER_MEMO_BYTES: default 64 MiB, bytes or k/M/G, 0 off; anything else stops start-up naming it', () => {
    assert.equal(readServiceConfig({}).answerMemoBytes, DEFAULT_ANSWER_MEMO_BYTES);
    assert.equal(readServiceConfig({ ANSWER_MEMO_BYTES: '0' }).answerMemoBytes, 0);
    assert.equal(readServiceConfig({ ANSWER_MEMO_BYTES: ' 1000 ' }).answerMemoBytes, 1000);
    assert.equal(readServiceConfig({ ANSWER_MEMO_BYTES: '256M' }).answerMemoBytes, 256 * 1024 ** 2);
    assert.equal(parseAnswerMemoBytes('2kB'), 2048);
    assert.equal(parseAnswerMemoBytes('1g'), 1024 ** 3);
    for (const bad of ['-1', 'lots', '1.5M', '64 MiB', '9999999999999999']) {
      assert.ok(typeof parseAnswerMemoBytes(bad) === 'object', bad);
      assert.throws(
        () => readServiceConfig({ ANSWER_MEMO_BYTES: bad }),
        (error: Error & { variable?: string }) =>
          error.variable === 'ANSWER_MEMO_BYTES' && error.message.includes('ANSWER_MEMO_BYTES'),
        bad,
      );
    }
  });

  it('a snapshot text proves what is visible only with its running transactions listed, or none running', () => {
    assert.equal(isExactSnapshot('1693:1693:'), true);
    assert.equal(isExactSnapshot('1693:1695:1693'), true);
    // A hot standby prints no xip: "1693:1695:" hides the transactions in progress.
    assert.equal(isExactSnapshot('1693:1695:'), false);
  });

  it('ByteLru drops the least recently used past its bytes, and keeps nothing larger than them', () => {
    const lru = new ByteLru<string>(10, (v) => v.length);
    lru.set('a', 'aaaa');
    lru.set('b', 'bbbb');
    lru.get('a');
    lru.set('c', 'cccc');
    assert.equal(lru.get('b'), undefined);
    assert.equal(lru.get('a'), 'aaaa');
    assert.equal(lru.bytes, 8);
    lru.set('d', 'x'.repeat(11));
    assert.equal(lru.get('d'), undefined);
    assert.equal(lru.bytes, 8);
  });

  it('ByteLru counts a value that grew (a gzip copy added) at its new size when it is set again', () => {
    const lru = new ByteLru<{ parts: string[] }>(100, (v) => v.parts.join('').length);
    const entry = { parts: ['aaaa'] };
    lru.set('a', entry);
    entry.parts.push('gggg');
    lru.set('a', entry);
    assert.equal(lru.bytes, 8);
    lru.delete('a');
    assert.equal(lru.bytes, 0);
  });
});
