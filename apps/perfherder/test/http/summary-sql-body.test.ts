import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseSummaryParams } from '../../src/perf/summary/summary-params.ts';
import { seed } from '../../src/seed/index.ts';
import {
  fixtureRevision,
  insertJob,
  insertMachinePlatform,
  insertPerfDatum,
  insertPerfSignature,
  insertPush,
  testRepository,
} from '../fixtures/index.ts';
import { type ServiceApp, startServiceApp } from '../support/service-app.ts';
import { runSummaryJs } from '../support/summary-js-reference.ts';

/**
 * The summary's answer is built whole in PostgreSQL (one statement, sent as it is). Each case compares its
 * bytes with what the previous code built in JavaScript and serialized (`runSummaryJs`, the oracle), on the
 * same database: the seeded `tiny` data set, then edge cases written for this (ties, non-ASCII and escaped
 * text, nulls, signatures without data, an empty selection).
 */
describe('summary: the answer built in PostgreSQL is the bytes the JavaScript-built one was', () => {
  let db: ServiceApp['db'];
  let app: ServiceApp['app'];
  let close: ServiceApp['close'] | undefined;

  before(async () => {
    ({ db, app, close } = await startServiceApp());
  });
  after(async () => {
    await close?.();
  });

  /** Asserts the route's 200 body equals the oracle's JSON text for the same query string. */
  async function same(query: string): Promise<string> {
    const parsed = parseSummaryParams(Object.fromEntries(new URLSearchParams(query)));
    assert.ok(parsed.ok, `bad test query ${query}`);
    const expected = JSON.stringify(await runSummaryJs(db.primary, parsed.params));
    const res = await app.inject(`/api/performance/summary/?${query}`);
    assert.equal(res.statusCode, 200, `${query}: ${res.body}`);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.body, expected, query);
    return res.body;
  }

  describe('on the seeded tiny data set', () => {
    const year = 365 * 86_400;
    let repositories: string[] = [];
    let frameworks: number[] = [];
    let revision = '';
    let withReplicates = 0;
    let retriggered = 0;
    let parent = 0;

    before(async () => {
      await seed(db.urls.primary, { size: 'tiny', seed: 42 });
      await db.cluster.waitForReplicas();
      const one = async (sql: string) => (await db.primary.query(sql)).rows[0];
      repositories = (
        await db.primary.query(
          'SELECT DISTINCT r.name FROM repository r JOIN performance_signature s ON s.repository_id = r.id ORDER BY 1',
        )
      ).rows.map((r) => r.name);
      frameworks = (
        await db.primary.query('SELECT DISTINCT framework_id AS id FROM performance_signature ORDER BY 1')
      ).rows.map((r) => r.id);
      revision = (
        await one(`SELECT p.revision FROM push p WHERE EXISTS (SELECT 1 FROM performance_datum d WHERE d.push_id = p.id)
          ORDER BY p.time DESC LIMIT 1`)
      ).revision;
      withReplicates = (
        await one(`SELECT d.signature_id AS id FROM performance_datum d
          JOIN performance_datum_replicate r ON r.performance_datum_id = d.id ORDER BY d.id LIMIT 1`)
      ).id;
      retriggered = (
        await one(`SELECT signature_id AS id FROM performance_datum GROUP BY signature_id, push_id
          HAVING count(*) > 1 ORDER BY 1 LIMIT 1`)
      ).id;
      parent = (
        await one(
          'SELECT parent_signature_id AS id FROM performance_signature WHERE parent_signature_id IS NOT NULL ORDER BY 1 LIMIT 1',
        )
      ).id;
    });

    it('every repository and framework, subtests and not, with and without replicates', async () => {
      let nonEmpty = 0;
      for (const repository of repositories) {
        for (const framework of frameworks) {
          for (const extra of [
            '',
            '&no_subtests=true',
            '&replicates=true',
            '&no_subtests=true&replicates=true',
          ]) {
            const body = await same(
              `repository=${repository}&framework=${framework}&interval=${year}${extra}`,
            );
            if (body !== '[]') nonEmpty++;
          }
        }
        await same(`repository=${repository}&interval=${year}&no_subtests=true`);
      }
      assert.ok(nonEmpty > 4, `only ${nonEmpty} non-empty answers`);
    });

    it('by revision, by start and end day, by parent signature', async () => {
      for (const repository of repositories) await same(`repository=${repository}&revision=${revision}`);
      const end = new Date(Date.now() + 86_400_000).toISOString().slice(0, 19);
      const start = new Date(Date.now() - 40 * 86_400_000).toISOString().slice(0, 19);
      for (const repository of repositories) {
        await same(`repository=${repository}&startday=${start}&endday=${end}&no_subtests=true`);
        await same(`repository=${repository}&startday=${start}&endday=${end}&replicates=true`);
      }
      const { rows } = await db.primary.query(
        'SELECT r.name FROM performance_signature s JOIN repository r ON r.id = s.repository_id WHERE s.id = $1',
        [parent],
      );
      await same(`repository=${rows[0].name}&parent_signature=${parent}&interval=${year}`);
    });

    it('one signature with all_data (output mode A): replicates and no_retriggers', async () => {
      for (const id of [withReplicates, retriggered]) {
        const { rows } = await db.primary.query(
          'SELECT r.name, s.signature_hash FROM performance_signature s JOIN repository r ON r.id = s.repository_id WHERE s.id = $1',
          [id],
        );
        const base = `repository=${rows[0].name}&signature=${id}&all_data=true&interval=${year}`;
        for (const extra of [
          '',
          '&replicates=true',
          '&no_retriggers=true',
          '&replicates=true&no_retriggers=true',
        ]) {
          const body = await same(`${base}${extra}`);
          assert.match(body, /"data":\[\{/);
        }
        await same(`repository=${rows[0].name}&signature=${rows[0].signature_hash}&interval=${year}`);
      }
    });
  });

  describe('edge cases', () => {
    before(async () => {
      await db.reset();
      const repository = await testRepository(db.primary);
      const platform = await insertMachinePlatform(db.primary, 'wïn 10 "x64"');
      const pushTime = (i: number) => new Date(Date.UTC(2013, 10, 10 + i, 23, 28, 29, i === 2 ? 120 : 0));
      const pushes = [];
      for (let i = 1; i <= 3; i++) {
        pushes.push(
          await insertPush(db.primary, {
            repository_id: repository.id,
            revision: fixtureRevision('mozilla-central', i),
            time: pushTime(i),
          }),
        );
      }
      const jobs = [];
      for (const [i, push] of pushes.entries()) {
        jobs.push(
          await insertJob(db.primary, {
            repositoryId: repository.id,
            pushId: push.id,
            machineName: i === 0 ? 'machïne\t"1"' : `machine-${i}`,
            submitTime: new Date(Date.UTC(2013, 10, 1 + i, 12, 0, 0, i * 250)),
          }),
        );
      }
      const parent = await insertPerfSignature(db.primary, {
        signature_hash: 'p'.repeat(40),
        suite: 'Süite ☃ "quoted" \\ back',
        test: '',
        platform_id: platform.id,
        has_subtests: true,
        tags: 'tag\u0001ctl',
        extra_options: 'e10s\nfission',
        measurement_unit: null,
        should_alert: null,
        alert_threshold: 1e-7,
      });
      const child = await insertPerfSignature(db.primary, {
        signature_hash: 'c'.repeat(40),
        suite: 'Süite ☃ "quoted" \\ back',
        test: 'tëst 𝄞',
        platform_id: platform.id,
        parent_signature_id: parent.id,
        should_alert: null,
        alert_change_type: 1,
        alert_threshold: 0.30000000000000004,
        measurement_unit: 'µs',
      });
      const same2 = await insertPerfSignature(db.primary, {
        signature_hash: 's'.repeat(40),
        suite: 'same',
        test: 'same',
        should_alert: false,
        alert_threshold: 1e21,
      });
      // A signature without data in the window, and one whose data has no job.
      await insertPerfSignature(db.primary, { signature_hash: 'e'.repeat(40), suite: 'empty', test: 'none' });
      // As text: some have more digits than a double keeps (the double nearest is what is stored).
      const values = [
        '0.125',
        '-0.125',
        '2.675',
        '1.005',
        '0.135',
        '12.3456',
        '-0.001',
        '-0',
        '0',
        '5e-5',
        '1e-7',
        '1e20',
        '1.5e21',
        '123456789012345.67',
        '9007199254740993',
        '99999999999999.995',
        '10',
        '33.333333333',
        '1000000000000000.5',
      ].map(Number);
      const at = <T>(list: readonly T[], i: number): T => {
        const item = list[i];
        assert.ok(item !== undefined);
        return item;
      };
      for (const [n, value] of values.entries()) {
        const p = n % 3;
        const push = at(pushes, p);
        const job =
          n % 5 === 4
            ? null
            : await insertJob(db.primary, {
                repositoryId: repository.id,
                pushId: push.id,
                guid: `edge-${n}`,
                machineName: n % 2 ? 'machïne\t"1"' : `machine-${n}`,
                submitTime: new Date(Date.UTC(2013, 10, 1 + p, 12, 0, 0, n * 250)),
              });
        await insertPerfDatum(db.primary, {
          signature: child,
          pushId: push.id,
          pushTimestamp: pushTime(p + 1),
          value,
          jobId: job?.id ?? null,
          replicates: n % 4 === 0 ? [value / 3, 0.145, -2.665] : [],
        });
      }
      for (const [p, value] of [0.5, 1.5, 2.5].entries()) {
        await insertPerfDatum(db.primary, {
          signature: parent,
          pushId: at(pushes, p).id,
          pushTimestamp: pushTime(p + 1),
          value,
        });
        await insertPerfDatum(db.primary, {
          signature: same2,
          pushId: at(pushes, p).id,
          pushTimestamp: pushTime(p + 1),
          value: value * 1.1,
          jobId: at(jobs, 2 - p).id,
        });
      }
      await db.cluster.waitForReplicas();
    });

    const RANGE = 'startday=2013-11-01T00%3A00%3A00&endday=2013-11-30T00%3A00%3A00';

    it('ties, exponents, -0 and huge values; non-ASCII and escaped text; nulls', async () => {
      const body = await same(`repository=mozilla-central&${RANGE}`);
      assert.match(body, /"tëst 𝄞"/);
      for (const extra of ['&no_subtests=true', '&replicates=true', '&no_subtests=true&replicates=true']) {
        await same(`repository=mozilla-central&${RANGE}${extra}`);
      }
      await same(`repository=mozilla-central&revision=${fixtureRevision('mozilla-central', 2)}`);
    });

    it('output mode A on the same edge cases, with replicates and no_retriggers', async () => {
      const { rows } = await db.primary.query(
        "SELECT id FROM performance_signature WHERE signature_hash LIKE 'c%'",
      );
      for (const extra of [
        '',
        '&replicates=true',
        '&no_retriggers=true',
        '&replicates=true&no_retriggers=true',
      ]) {
        await same(`repository=mozilla-central&signature=${rows[0].id}&all_data=true&${RANGE}${extra}`);
      }
    });

    it('an empty selection, and signatures without data in the window', async () => {
      assert.equal(await same(`repository=mozilla-central&framework=999&${RANGE}`), '[]');
      const body = await same(
        'repository=mozilla-central&no_subtests=true&startday=2020-01-01&endday=2020-01-02',
      );
      assert.match(body, /"values":\[\],"name"/);
    });
  });
});
