import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { captureQueries } from 'replica-router/testing';
import { pyInt } from '../../src/http/integer-param.ts';
import { pyRound2 } from '../../src/perf/data/py-round.ts';
import { parseDateParam } from '../../src/perf/signatures/date-param.ts';
import {
  insertJob,
  insertMachinePlatform,
  insertPerfDatum,
  insertPerfFramework,
  insertPerfSignature,
  insertPush,
  type PushRow,
  type SignatureRow,
  testPerfSignature,
  testPerfSignature2,
  testRepository,
} from '../fixtures/index.ts';
import { type ServiceApp, startServiceApp } from '../support/service-app.ts';

const DAY_MS = 86_400_000;
// Like the reference's module-level NOW: the same instant is stored and sent as a bound, so `>=` / `<=`
// boundaries are exercised exactly (whole milliseconds, which the column keeps).
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000 - 877);
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY_MS);
/** `str(datetime)` in Python: `YYYY-MM-DD HH:MM:SS.ffffff`, naive UTC. */
const pyStr = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '000');

const MC = '/api/project/mozilla-central/performance';

describe('signatures, platforms, data and job-data', () => {
  let db: ServiceApp['db'];
  let app: ServiceApp['app'];
  let close: ServiceApp['close'] | undefined;
  let replica: pg.Pool;

  before(async () => {
    ({ db, app, close } = await startServiceApp());
    replica = new pg.Pool({ connectionString: db.urls.replicas[0], max: 1 });
    // pg-pool's end() resolves before its sockets are closed, so the cluster's fast shutdown can still reach
    // a closing connection ("terminating connection due to administrator command"); a pool without an
    // 'error' listener turns that into an uncaught exception after the last test.
    replica.on('error', () => {});
  });
  after(async () => {
    await replica?.end();
    await close?.();
  });
  beforeEach(() => db.reset());

  const get = (url: string) => app.inject(url);
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies are checked structurally.
  const json = async (url: string, status = 200): Promise<any> => {
    const res = await get(url);
    assert.equal(res.statusCode, status, `${url}: ${res.body}`);
    return res.json();
  };
  const ready = () => db.cluster.waitForReplicas();

  /** Sum of seq and index scans of `table` on the replica (and proof that it is a standby). */
  async function replicaScans(table: string): Promise<number> {
    const { rows } = await replica.query(
      `SELECT pg_is_in_recovery() AS standby,
              (SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables
                WHERE relname = $1) AS scans`,
      [table],
    );
    assert.equal(rows[0].standby, true, 'the stats come from a standby');
    return Number(rows[0].scans);
  }

  /**
   * Runs `url` and checks both sides: the router sent every statement to `read_replica`, and the
   * replica's own statistics for `table` moved (stats flush about once a second; bounded poll).
   */
  async function assertServedByReplica(url: string, table = 'performance_signature'): Promise<void> {
    const before = await replicaScans(table);
    const { result, queries } = await captureQueries(() => get(url));
    assert.equal(result.statusCode, 200, result.body);
    assert.ok(queries.length > 0, 'the request ran statements');
    assert.ok(
      queries.every((q) => q.alias === 'read_replica'),
      JSON.stringify(queries),
    );
    const deadline = Date.now() + 15_000;
    for (;;) {
      const now = await replicaScans(table);
      if (now > before) return;
      if (Date.now() > deadline) assert.fail(`no ${table} scan recorded on the replica (${before} → ${now})`);
      await sleep(200);
    }
  }

  async function push(revision: string, time = NOW): Promise<PushRow> {
    const repo = await testRepository(db.primary);
    return insertPush(db.primary, { repository_id: repo.id, revision, time });
  }

  describe('GET /performance/signatures/', () => {
    it('no_summary_performance_data: exactly the sparse object of test_perf_signature', async () => {
      const sig = await testPerfSignature(db.primary);
      await ready();
      const body = await json(`${MC}/signatures/`);
      assert.deepEqual(body, {
        [String(sig.id)]: {
          id: sig.id,
          signature_hash: 't'.repeat(40),
          framework_id: sig.framework_id,
          option_collection_hash: 'my_option_hash',
          machine_platform: 'win7',
          suite: 'mysuite',
          should_alert: null,
          test: 'mytest',
          application: 'firefox',
          tags: ['warm', 'pageload'],
          extra_options: ['e10s', 'opt'],
          measurement_unit: 'ms',
        },
      });
    });

    it('summary_performance_data: parent as hash, has_subtests and lower_is_better only when informative', async () => {
      const summary = await insertPerfSignature(db.primary, {
        signature_hash: 'f'.repeat(40),
        test: '',
        extra_options: 'e10s shell',
        has_subtests: true,
        lower_is_better: false,
        should_alert: true,
      });
      const child = await testPerfSignature(db.primary);
      await db.primary.query('UPDATE performance_signature SET parent_signature_id = $1 WHERE id = $2', [
        summary.id,
        child.id,
      ]);
      await ready();
      const body = await json(`${MC}/signatures/`);
      assert.deepEqual(Object.keys(body).sort(), [String(summary.id), String(child.id)].sort());
      assert.deepEqual(body[summary.id], {
        id: summary.id,
        signature_hash: 'f'.repeat(40),
        framework_id: summary.framework_id,
        option_collection_hash: 'my_option_hash',
        machine_platform: 'win7',
        suite: 'mysuite',
        should_alert: true,
        lower_is_better: false,
        has_subtests: true,
        extra_options: ['e10s', 'shell'],
      });
      assert.deepEqual(body[child.id], {
        id: child.id,
        signature_hash: 't'.repeat(40),
        framework_id: child.framework_id,
        option_collection_hash: 'my_option_hash',
        machine_platform: 'win7',
        suite: 'mysuite',
        should_alert: null,
        test: 'mytest',
        application: 'firefox',
        tags: ['warm', 'pageload'],
        parent_signature: 'f'.repeat(40),
        extra_options: ['e10s', 'opt'],
        measurement_unit: 'ms',
      });
      // subtests=0 keeps top-level signatures; parent_signature=<hash> keeps that parent's children.
      assert.deepEqual(Object.keys(await json(`${MC}/signatures/?subtests=0`)), [String(summary.id)]);
      assert.equal(Object.keys(await json(`${MC}/signatures/?subtests=1`)).length, 2);
      assert.deepEqual(Object.keys(await json(`${MC}/signatures/?parent_signature=${'f'.repeat(40)}`)), [
        String(child.id),
      ]);
    });

    it('filter_signatures_by_framework: the same hash in two frameworks', async () => {
      const first = await testPerfSignature(db.primary);
      const framework2 = await insertPerfFramework(db.primary, 'test_talos_2');
      const second = await insertPerfSignature(db.primary, { framework_id: framework2.id });
      await ready();
      assert.equal(Object.keys(await json(`${MC}/signatures/`)).length, 2);
      for (const sig of [first, second]) {
        const body = await json(`${MC}/signatures/?framework=${sig.framework_id}`);
        assert.deepEqual(Object.keys(body), [String(sig.id)]);
        assert.equal(body[sig.id].framework_id, sig.framework_id);
      }
      const both = await json(`${MC}/signatures/?framework=${first.framework_id}&framework=${framework2.id}`);
      assert.equal(Object.keys(both).length, 2);
    });

    it('filter_signatures_by_interval: only signatures updated within the interval', async () => {
      const recent = await testPerfSignature(db.primary);
      await insertPerfSignature(db.primary, { signature_hash: 'o'.repeat(40), last_updated: new Date(0) });
      await ready();
      assert.deepEqual(Object.keys(await json(`${MC}/signatures/?interval=86400`)), [String(recent.id)]);
    });

    for (const [start, end, count] of [
      [pyStr(daysAgo(7)), pyStr(daysAgo(1)), 1],
      [pyStr(daysAgo(3)), '', 1],
      [pyStr(daysAgo(1)), '', 0],
      ['', pyStr(daysAgo(3)), 1],
      [daysAgo(3).toISOString(), '', 1],
    ] as const) {
      it(`filter_signatures_by_range: start_date=${start} end_date=${end} → ${count}`, async () => {
        const sig = await testPerfSignature(db.primary);
        await db.primary.query('UPDATE performance_signature SET last_updated = $1 WHERE id = $2', [
          daysAgo(3),
          sig.id,
        ]);
        await ready();
        const qs = new URLSearchParams({ start_date: start, end_date: end });
        const body = await json(`${MC}/signatures/?${qs}`);
        assert.deepEqual(Object.keys(body), count ? [String(sig.id)] : []);
      });
    }

    it('filters by id, signature hash and platform', async () => {
      const first = await testPerfSignature(db.primary);
      const second = await testPerfSignature2(db.primary);
      const other = await insertPerfSignature(db.primary, {
        signature_hash: 'a'.repeat(40),
        platform_id: (await insertMachinePlatform(db.primary, 'linux64')).id,
      });
      await ready();
      assert.deepEqual(Object.keys(await json(`${MC}/signatures/?id=${second.id}`)), [String(second.id)]);
      assert.deepEqual(Object.keys(await json(`${MC}/signatures/?id=${first.id}&id=${second.id}`)).sort(), [
        String(first.id),
        String(second.id),
      ]);
      assert.deepEqual(Object.keys(await json(`${MC}/signatures/?signature=${'t2'.repeat(20)}`)), [
        String(second.id),
      ]);
      assert.deepEqual(Object.keys(await json(`${MC}/signatures/?platform=linux64`)), [String(other.id)]);
      assert.deepEqual(await json(`${MC}/signatures/?platform=nope`), {});
      // An id beyond the integer column is a 400 (the database would refuse it); the largest one is fine.
      assert.deepEqual(await json(`${MC}/signatures/?id=99999999999`, 400), {
        id: ['Ensure this value is less than or equal to 2147483647.'],
      });
      assert.deepEqual(await json(`${MC}/signatures/?id=2147483647`), {});
    });

    it("keeps the reference's 400 bodies", async () => {
      await testPerfSignature(db.primary);
      await ready();
      assert.deepEqual(await json(`${MC}/signatures/?id=foo`, 400), {
        message: 'One or more id values invalid (must be integer)',
      });
      assert.deepEqual(await json(`${MC}/signatures/?interval=86400&start_date=2024-01-01`, 400), {
        message: 'Provide either interval only -or- start (and end) date',
      });
      assert.deepEqual(await json(`${MC}/signatures/?interval=86400&end_date=2024-01-01`, 400), {
        message: 'Provide either interval only -or- start (and end) date',
      });
    });

    it('deviations: 4xx where the reference answers 500', async () => {
      await testPerfSignature(db.primary);
      await ready();
      const notFound = { detail: 'No Repository matches the given query.' };
      assert.deepEqual(await json('/api/project/nope/performance/signatures/', 404), notFound);
      // The reference looks the repository up first, so an unknown project wins over a bad parameter.
      assert.deepEqual(await json('/api/project/nope/performance/signatures/?id=foo', 404), notFound);
      assert.deepEqual(await json(`${MC}/signatures/?subtests=abc`, 400), {
        subtests: ['A valid integer is required.'],
      });
      assert.deepEqual(await json(`${MC}/signatures/?subtests=`, 400), {
        subtests: ['A valid integer is required.'],
      });
      assert.deepEqual(await json(`${MC}/signatures/?framework=talos`, 400), {
        framework: ['A valid integer is required.'],
      });
      assert.deepEqual(await json(`${MC}/signatures/?interval=day`, 400), {
        interval: ['A valid integer is required.'],
      });
      assert.deepEqual(await json(`${MC}/signatures/?interval=1000000000000`, 400), {
        interval: ['Ensure this value is less than or equal to 100000000000.'],
      });
      assert.deepEqual(await json(`${MC}/signatures/?start_date=yesterday`, 400), {
        start_date: ['Enter a valid date/time.'],
      });
      assert.deepEqual(await json(`${MC}/signatures/?end_date=2024-02-30`, 400), {
        end_date: ['Enter a valid date/time.'],
      });
      assert.deepEqual(await json(`${MC}/signatures/?end_date=2024-01-01T25:00:00`, 400), {
        end_date: ['Enter a valid date/time.'],
      });
    });

    it('is served by the replica', async () => {
      await testPerfSignature(db.primary);
      await ready();
      await assertServedByReplica(`${MC}/signatures/?interval=86400`);
    });
  });

  describe('GET /performance/platforms/', () => {
    it('performance_platforms: the platform of the signatures', async () => {
      await testPerfSignature(db.primary);
      await ready();
      assert.deepEqual(await json(`${MC}/platforms/`), ['win7']);
    });

    it('performance_platforms_expired_test: nothing updated within the interval', async () => {
      await insertPerfSignature(db.primary, { last_updated: new Date(0) });
      await ready();
      assert.deepEqual(await json(`${MC}/platforms/?interval=86400`), []);
      assert.deepEqual(await json(`${MC}/platforms/`), ['win7']);
    });

    it('performance_platforms_framework_filtering', async () => {
      await testPerfSignature(db.primary);
      const framework2 = await insertPerfFramework(db.primary, 'test_talos_2');
      await insertPerfSignature(db.primary, {
        framework_id: framework2.id,
        platform_id: (await insertMachinePlatform(db.primary, 'win7-a')).id,
      });
      await ready();
      assert.deepEqual((await json(`${MC}/platforms/`)).sort(), ['win7', 'win7-a']);
      assert.deepEqual(await json(`${MC}/platforms/?framework=${framework2.id}`), ['win7-a']);
    });

    it('an unknown project has no platforms (as in the reference); bad integers are 400s', async () => {
      assert.deepEqual(await json('/api/project/nope/performance/platforms/'), []);
      assert.deepEqual(await json(`${MC}/platforms/?interval=x`, 400), {
        interval: ['A valid integer is required.'],
      });
      assert.deepEqual(await json(`${MC}/platforms/?framework=x`, 400), {
        framework: ['A valid integer is required.'],
      });
    });

    it('is served by the replica', async () => {
      await testPerfSignature(db.primary);
      await ready();
      await assertServedByReplica(`${MC}/platforms/`);
    });
  });

  describe('GET /performance/data/', () => {
    it('filter_data_by_no_retriggers: one datum per push and hash', async () => {
      const sig = await testPerfSignature(db.primary);
      const sig2 = await testPerfSignature2(db.primary);
      const push1 = await push('1234abcd'.repeat(5));
      const push2 = await push('abcd1234'.repeat(5));
      const retriggers = [
        await insertPerfDatum(db.primary, { signature: sig, pushId: push1.id, value: 0.1 }),
        await insertPerfDatum(db.primary, { signature: sig, pushId: push1.id, value: 0.2 }),
      ];
      const single = await insertPerfDatum(db.primary, { signature: sig, pushId: push2.id, value: 0.3 });
      await insertPerfDatum(db.primary, { signature: sig2, pushId: push1.id, value: 0.4 });
      await ready();
      const all = await json(`${MC}/data/?signatures=${sig.signature_hash}`);
      assert.equal(all[sig.signature_hash].length, 3);
      const body = await json(`${MC}/data/?signatures=${sig.signature_hash}&no_retriggers=true`);
      assert.deepEqual(Object.keys(body), [sig.signature_hash]);
      const ids = body[sig.signature_hash].map((d: { id: number }) => d.id);
      assert.equal(ids.length, 2);
      assert.ok(ids.includes(single.id), 'the push-2 datum is always kept');
      assert.equal(ids.filter((id: number) => retriggers.some((r) => r.id === id)).length, 1);
    });

    it('the body is the text JavaScript would write: hashes in order of appearance, values rounded as Python', async () => {
      const late = await insertPerfSignature(db.primary, { signature_hash: '7'.repeat(40) });
      const early = await insertPerfSignature(db.primary, { signature_hash: 'z'.repeat(40) });
      const p = await push('1234abcd'.repeat(5));
      const values = [2.675, 0.125, 0.375, -0.001, 1e15 + 0.3, Number.POSITIVE_INFINITY];
      for (const [i, value] of values.entries()) {
        const pushTimestamp = new Date(NOW.getTime() - (10 - i) * 1000);
        await insertPerfDatum(db.primary, { signature: early, pushId: p.id, value, pushTimestamp });
      }
      await insertPerfDatum(db.primary, { signature: late, pushId: p.id, value: 1, pushTimestamp: NOW });
      await ready();
      const res = await app.inject(`${MC}/data/?push_id=${p.id}`);
      assert.equal(res.statusCode, 200, res.body);
      // 'zzz…' appears first in push-time order, although it sorts last.
      assert.ok(res.body.startsWith(`{"${'z'.repeat(40)}":[{"id":`), res.body.slice(0, 60));
      const body = JSON.parse(res.body);
      assert.equal(res.body, JSON.stringify(body));
      assert.deepEqual(
        body['z'.repeat(40)].map((d: { value: number | null }) => d.value),
        [2.67, 0.12, 0.38, 0, pyRound2(1e15 + 0.3), null],
      );
    });

    it('filter_data_by_framework: one hash in two frameworks, merged under one key', async () => {
      const sig = await testPerfSignature(db.primary);
      const framework2 = await insertPerfFramework(db.primary, 'test_talos_2');
      const sig2 = await insertPerfSignature(db.primary, { framework_id: framework2.id });
      const p = await push('1234abcd'.repeat(5));
      await insertPerfDatum(db.primary, { signature: sig, pushId: p.id, value: 0.1 });
      await insertPerfDatum(db.primary, { signature: sig2, pushId: p.id, value: 0.2 });
      await ready();
      const body = await json(`${MC}/data/?signatures=${sig.signature_hash}`);
      assert.equal(body[sig.signature_hash].length, 2);
      for (const s of [sig, sig2]) {
        const filtered = await json(
          `${MC}/data/?signatures=${sig.signature_hash}&framework=${s.framework_id}`,
        );
        assert.equal(filtered[sig.signature_hash].length, 1);
        assert.equal(filtered[sig.signature_hash][0].signature_id, s.id);
      }
    });

    async function threePushes(ages: readonly number[]): Promise<SignatureRow> {
      const sig = await testPerfSignature(db.primary);
      for (const [i, age] of ages.entries()) {
        const p = await push(`${i + 1}`.repeat(40), daysAgo(age));
        await insertPerfDatum(db.primary, {
          signature: sig,
          pushId: p.id,
          value: i,
          pushTimestamp: daysAgo(age),
        });
      }
      await ready();
      return sig;
    }
    const pushIds = (body: Record<string, { push_id: number }[]>, hash: string) =>
      (body[hash] ?? []).map((d) => d.push_id).sort();

    for (const [interval, expected] of [
      [86400, [1]],
      [86400 * 3, [1, 2]],
    ] as const) {
      it(`filter_data_by_interval: interval=${interval} → pushes ${expected}`, async () => {
        const sig = await threePushes([0, 2, 7]);
        const body = await json(`${MC}/data/?signatures=${sig.signature_hash}&interval=${interval}`);
        assert.deepEqual(pushIds(body, sig.signature_hash), expected);
      });
    }

    for (const [start, end, expected] of [
      [7, 3, [3]],
      [3, undefined, [1, 2]],
    ] as const) {
      it(`filter_data_by_range: ${start} days ago .. ${end ?? '""'} → pushes ${expected}`, async () => {
        const sig = await threePushes([0, 2, 5]);
        const qs = new URLSearchParams({
          signatures: sig.signature_hash,
          start_date: pyStr(daysAgo(start)),
          end_date: end === undefined ? '' : pyStr(daysAgo(end)),
        });
        assert.deepEqual(pushIds(await json(`${MC}/data/?${qs}`), sig.signature_hash), expected);
      });
    }

    it('start_date and end_date are exclusive bounds on push_timestamp', async () => {
      const sig = await threePushes([0, 2, 5]);
      const qs = new URLSearchParams({
        signatures: sig.signature_hash,
        start_date: pyStr(daysAgo(5)),
        end_date: pyStr(daysAgo(0)),
      });
      assert.deepEqual(pushIds(await json(`${MC}/data/?${qs}`), sig.signature_hash), [2]);
    });

    it('job_ids_validity: job_id=1 → 200; job_id=foo → 400', async () => {
      const sig = await testPerfSignature(db.primary);
      const p = await push('1234abcd'.repeat(5));
      const job = await insertJob(db.primary, { repositoryId: sig.repository_id, pushId: p.id });
      await insertPerfDatum(db.primary, { signature: sig, pushId: p.id, value: 1, jobId: job.id });
      await ready();
      const body = await json(`${MC}/data/?job_id=${job.id}`);
      assert.equal(body[sig.signature_hash][0].job_id, job.id);
      assert.deepEqual(await json(`${MC}/data/?job_id=foo`, 400), {
        message: 'Job id(s) must be specified as integers',
      });
    });

    it('filter_data_by_signature: by hash or by id, the exact datum shape', async () => {
      const sig = await testPerfSignature(db.primary);
      const sig2 = await testPerfSignature2(db.primary);
      const p = await push('1234abcd'.repeat(5), new Date('2024-02-01T23:28:29.900Z'));
      const datum = await insertPerfDatum(db.primary, {
        signature: sig,
        pushId: p.id,
        value: 12.3456,
        pushTimestamp: new Date('2024-02-01T23:28:29.900Z'),
      });
      await insertPerfDatum(db.primary, { signature: sig2, pushId: p.id, value: 1 });
      await ready();
      const expected = {
        [sig.signature_hash]: [
          {
            id: datum.id,
            signature_id: sig.id,
            job_id: null,
            push_id: p.id,
            revision: p.revision,
            push_timestamp: Math.floor(Date.UTC(2024, 1, 1, 23, 28, 29) / 1000),
            value: 12.35,
          },
        ],
      };
      assert.deepEqual(await json(`${MC}/data/?signatures=${sig.signature_hash}`), expected);
      assert.deepEqual(await json(`${MC}/data/?signature_id=${sig.id}`), expected);
      assert.deepEqual(await json(`${MC}/data/?push_id=${p.id}&signature_id=${sig.id}`), expected);
    });

    it("rounds values like Python's round(x, 2)", async () => {
      const sig = await testPerfSignature(db.primary);
      const values = [2.675, 0.125, 0.375, 1.005, 6.28318, -2.675, 100];
      for (const [i, value] of values.entries()) {
        const p = await push(`${i}`.repeat(40), daysAgo(values.length - i));
        await insertPerfDatum(db.primary, { signature: sig, pushId: p.id, value, pushTimestamp: p.time });
      }
      await ready();
      const body = await json(`${MC}/data/?signature_id=${sig.id}`);
      assert.deepEqual(
        body[sig.signature_hash].map((d: { value: number }) => d.value),
        [2.67, 0.12, 0.38, 1, 6.28, -2.67, 100],
      );
    });

    it("keeps the reference's 400 bodies", async () => {
      await testPerfSignature(db.primary);
      await ready();
      assert.deepEqual(await json(`${MC}/data/`, 400), [
        'Need to specify either signature_id, signatures, push_id, or job_id',
      ]);
      assert.deepEqual(await json(`${MC}/data/?signature_id=1&signatures=${'t'.repeat(40)}`, 400), [
        "Can't specify both signature_id and signatures in same query",
      ]);
      assert.deepEqual(await json(`${MC}/data/?signature_id=1&interval=10&start_date=2024-01-01`, 400), {
        message: 'Provide either interval only -or- start (and end) date',
      });
      assert.deepEqual(await json(`${MC}/data/?signature_id=1&no_retriggers=maybe`, 400), [
        'Must be a valid boolean.',
      ]);
      assert.deepEqual(await json(`${MC}/data/?signature_id=1&job_id=1&job_id=x`, 400), {
        message: 'Job id(s) must be specified as integers',
      });
      assert.deepEqual(await json(`${MC}/data/?signature_id=1&no_retriggers=0`), {});
    });

    it('deviations: 4xx where the reference answers 500', async () => {
      await testPerfSignature(db.primary);
      await ready();
      const notFound = { detail: 'No Repository matches the given query.' };
      assert.deepEqual(await json('/api/project/nope/performance/data/?signature_id=1', 404), notFound);
      assert.deepEqual(await json('/api/project/nope/performance/data/', 404), notFound);
      assert.deepEqual(await json(`${MC}/data/?signature_id=x`, 400), {
        signature_id: ['A valid integer is required.'],
      });
      assert.deepEqual(await json(`${MC}/data/?push_id=x`, 400), {
        push_id: ['A valid integer is required.'],
      });
      assert.deepEqual(await json(`${MC}/data/?push_id=1&framework=x`, 400), {
        framework: ['A valid integer is required.'],
      });
      assert.deepEqual(await json(`${MC}/data/?push_id=1&interval=x`, 400), {
        interval: ['A valid integer is required.'],
      });
      assert.deepEqual(await json(`${MC}/data/?push_id=1&start_date=2024-01-01T10:00:00%2B25:00`, 400), {
        start_date: ['Enter a valid date/time.'],
      });
      assert.deepEqual(await json(`${MC}/data/?push_id=1&end_date=01/02/2024`, 400), {
        end_date: ['Enter a valid date/time.'],
      });
      // Valid zoned and zone-less forms are accepted.
      assert.deepEqual(await json(`${MC}/data/?push_id=1&start_date=2024-01-01T10:00:00%2B02:00`), {});
      assert.deepEqual(await json(`${MC}/data/?push_id=1&start_date=2024-1-1%2010:00`), {});
    });

    it('is served by the replica', async () => {
      const sig = await testPerfSignature(db.primary);
      const p = await push('1234abcd'.repeat(5));
      await insertPerfDatum(db.primary, { signature: sig, pushId: p.id, value: 1 });
      await ready();
      await assertServedByReplica(`${MC}/data/?signatures=${sig.signature_hash}`);
      await assertServedByReplica(`${MC}/data/?signature_id=${sig.id}`, 'performance_datum');
    });
  });

  describe('GET /performance/job-data/', () => {
    async function jobWithData(): Promise<{ jobId: number; sig: SignatureRow; p: PushRow; ids: number[] }> {
      const sig = await testPerfSignature(db.primary);
      const sig2 = await testPerfSignature2(db.primary);
      const p = await push('1234abcd'.repeat(5));
      const job = await insertJob(db.primary, { repositoryId: sig.repository_id, pushId: p.id });
      const at = new Date('2024-02-01T23:28:29.123Z');
      const ids = [
        (
          await insertPerfDatum(db.primary, {
            signature: sig,
            pushId: p.id,
            value: 2.675,
            jobId: job.id,
            pushTimestamp: at,
          })
        ).id,
        (
          await insertPerfDatum(db.primary, {
            signature: sig2,
            pushId: p.id,
            value: 7,
            jobId: job.id,
            pushTimestamp: at,
          })
        ).id,
      ];
      await ready();
      return { jobId: job.id, sig, p, ids };
    }

    it('happy path: the first datum on top, every datum with its signature', async () => {
      const { jobId, sig, p, ids } = await jobWithData();
      const sig2 = await testPerfSignature2(db.primary);
      const base = {
        framework_id: sig.framework_id,
        option_collection_hash: 'my_option_hash',
        machine_platform: 'win7',
        should_alert: null,
        lower_is_better: true,
      };
      assert.deepEqual(await json(`${MC}/job-data/?job_id=${jobId}`), {
        job_id: jobId,
        push_id: p.id,
        push_timestamp: '2024-02-01T23:28:29.123',
        revision: p.revision,
        data: [
          {
            id: ids[0],
            value: 2.67,
            signature_data: {
              id: sig.id,
              signature_hash: 't'.repeat(40),
              ...base,
              suite: 'mysuite',
              test: 'mytest',
              extra_options: ['e10s', 'opt'],
              measurement_unit: 'ms',
            },
          },
          {
            id: ids[1],
            value: 7,
            signature_data: {
              id: sig2.id,
              signature_hash: 't2'.repeat(20),
              ...base,
              suite: 'mysuite2',
              test: 'mytest2',
              extra_options: ['e10s', 'opt'],
              measurement_unit: '',
            },
          },
        ],
      });
    });

    it('renders whole-second push timestamps without a fraction, empty test and options as null', async () => {
      const sig = await insertPerfSignature(db.primary, {
        test: '',
        extra_options: '',
        measurement_unit: '',
      });
      const p = await push('1234abcd'.repeat(5));
      const job = await insertJob(db.primary, { repositoryId: sig.repository_id, pushId: p.id });
      await insertPerfDatum(db.primary, {
        signature: sig,
        pushId: p.id,
        value: 1,
        jobId: job.id,
        pushTimestamp: new Date('2024-02-01T23:28:29.000Z'),
      });
      await ready();
      const body = await json(`${MC}/job-data/?job_id=${job.id}`);
      assert.equal(body.push_timestamp, '2024-02-01T23:28:29');
      assert.equal(body.data[0].signature_data.test, null);
      assert.equal(body.data[0].signature_data.extra_options, null);
      assert.equal(body.data[0].signature_data.measurement_unit, '');
    });

    it("keeps the reference's 400 bodies", async () => {
      await jobWithData();
      const invalid = { message: 'Job id must be specified as integers' };
      assert.deepEqual(await json(`${MC}/job-data/`, 400), invalid);
      assert.deepEqual(await json(`${MC}/job-data/?job_id=foo`, 400), invalid);
      assert.deepEqual(await json(`${MC}/job-data/?job_id=999`, 400), {
        message: 'No data found for job_id=999',
      });
      assert.deepEqual(await json(`${MC}/job-data/?job_id=9223372036854775807`, 400), {
        message: 'No data found for job_id=9223372036854775807',
      });
      assert.deepEqual(await json(`${MC}/job-data/?job_id=99999999999999999999`, 400), {
        job_id: ['Ensure this value is less than or equal to 9223372036854775807.'],
      });
    });

    it('deviations: an unknown project is a 404 (before job_id is checked); no job-data/{pk}/ route', async () => {
      const notFound = { detail: 'No Repository matches the given query.' };
      assert.deepEqual(await json('/api/project/nope/performance/job-data/?job_id=1', 404), notFound);
      assert.deepEqual(await json('/api/project/nope/performance/job-data/', 404), notFound);
      // The reference's router also exposes job-data/{pk}/, which always fails (500); here it does not exist.
      assert.deepEqual(await json(`${MC}/job-data/1/`, 404), { detail: 'Not found.' });
    });

    it('is served by the replica', async () => {
      const { jobId } = await jobWithData();
      await assertServedByReplica(`${MC}/job-data/?job_id=${jobId}`);
    });
  });
});

describe('series parameter parsing (no database)', () => {
  it("pyRound2 is Python's round(x, 2): exact binary value, exact ties to even", () => {
    // Expected values printed by CPython 3.13: [round(x, 2) for x in xs].
    const cases: [number, number][] = [
      [2.675, 2.67],
      [0.125, 0.12],
      [0.375, 0.38],
      [-0.125, -0.12],
      [1.005, 1],
      [1.115, 1.11],
      [0.285, 0.28],
      [123.456, 123.46],
      [-2.675, -2.67],
      [1e22, 1e22],
    ];
    for (const [x, expected] of cases) assert.equal(pyRound2(x), expected, String(x));
    assert.ok(Number.isNaN(pyRound2(Number.NaN)));
  });

  it("pyInt accepts what Python's int() accepts", () => {
    assert.equal(pyInt(' 42 '), 42n);
    assert.equal(pyInt('+7'), 7n);
    assert.equal(pyInt('-1_000'), -1000n);
    assert.equal(pyInt('007'), 7n);
    for (const bad of ['', ' ', '1.5', '1e3', 'abc', '1__0', '_1', '0x10']) {
      assert.equal(pyInt(bad), undefined, bad);
    }
  });

  it("parseDateParam accepts Django's datetime and date forms, as UTC when no zone is given", () => {
    assert.equal(parseDateParam('d', '2024-02-01'), '2024-02-01T00:00:00.000000+00:00');
    assert.equal(parseDateParam('d', '2024-2-1 3:04'), '2024-02-01T03:04:00.000000+00:00');
    assert.equal(parseDateParam('d', '2024-02-01T23:28:29.123456789'), '2024-02-01T23:28:29.123456+00:00');
    assert.equal(parseDateParam('d', '2024-02-01T23:28:29,5Z'), '2024-02-01T23:28:29.500000+00:00');
    assert.equal(parseDateParam('d', '2024-02-01T23:28:29-0530'), '2024-02-01T23:28:29.000000-05:30');
    assert.equal(parseDateParam('d', '2024-02-01T23:28:29 +02'), '2024-02-01T23:28:29.000000+02:00');
    assert.equal(parseDateParam('d', '2024-02-29'), '2024-02-29T00:00:00.000000+00:00');
    // Python's fromisoformat forms that Django tries first.
    assert.equal(parseDateParam('d', '20240201'), '2024-02-01T00:00:00.000000+00:00');
    assert.equal(parseDateParam('d', '2024-02-01T10'), '2024-02-01T10:00:00.000000+00:00');
    assert.equal(parseDateParam('d', '2024-02-01T103045'), '2024-02-01T10:30:45.000000+00:00');
    assert.equal(parseDateParam('d', '2024-02-01T10:30:00+05:30:15'), '2024-02-01T10:30:00.000000+05:30:15');
    assert.equal(parseDateParam('d', ''), undefined);
    assert.equal(parseDateParam('d', undefined), undefined);
    for (const bad of [
      '2023-02-29',
      '0000-01-01',
      '2024-01-01T24:00',
      '2024-01-01T10:60',
      'now',
      '2024-01-01Z',
      '2024-01-01T10:3045',
      '2024-01-01T10:30:00+24:00',
    ]) {
      assert.throws(
        () => parseDateParam('d', bad),
        (e: { statusCode?: number; body?: unknown }) =>
          e.statusCode === 400 && JSON.stringify(e.body) === '{"d":["Enter a valid date/time."]}',
        bad,
      );
    }
  });
});
