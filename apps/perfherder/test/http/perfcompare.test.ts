import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import pg from 'pg';
import { captureQueries } from 'replica-router/testing';
import { migrate } from '../../src/db/migrate.ts';
import { addArgTo } from '../../src/http/answer-memo.ts';
import { weakEtag } from '../../src/http/etag.ts';
import {
  mwuCacheKey,
  mwuCacheKeySql,
  mwuCacheKeyTemplate,
  pythonJsonDumps,
} from '../../src/perf/perfcompare/mwu-cache.ts';
import { countDataPoints } from '../../src/perf/perfcompare/perfcompare-counts.ts';
import { loadGroupedData } from '../../src/perf/perfcompare/perfcompare-data.ts';
import { compareMannWhitney, compareStudentT, quantize2 } from '../../src/perf/perfcompare/stats/index.ts';
import {
  comparePushes,
  fixtureRevision,
  insertJob,
  insertPerfDatum,
  insertPerfSignature,
  insertPush,
  type PushRow,
  type RepositoryRow,
  type SignatureRow,
  testPerfFramework,
  testRepository,
} from '../fixtures/index.ts';
import { serviceAppHooks } from '../support/service-app.ts';

const DAY_MS = 86_400_000;
const SUITE = 'a11yr';
const TEST = 'dhtml.html';
const EXTRA_OPTIONS = 'e10s fission stylo webrender';
const q = (x: number) => quantize2(x, 'half-even');

describe('GET /api/perfcompare/results/', () => {
  const service = serviceAppHooks();

  interface World {
    test: RepositoryRow;
    tryRepo: RepositoryRow;
    frameworkId: number;
    basePush: PushRow;
    newPush: PushRow;
    baseSig: SignatureRow;
    newSig: SignatureRow;
    baseJobId: number;
    newJobId: number;
  }

  /** The reference's setup: base signature on `try` (push 4 days ago), new on mozilla-central (now). */
  async function world(
    options: {
      base?: number[];
      next?: number[];
      baseReplicates?: number[][];
      newReplicates?: number[][];
      withBaseSignature?: boolean;
      newApplication?: string;
      subtestsOf?: boolean;
    } = {},
  ): Promise<World> {
    const p = service.db.primary;
    const { test, tryRepo, framework, linux, basePush, newPush } = await comparePushes(p);
    const common = {
      framework_id: framework.id,
      platform_id: linux.id,
      suite: SUITE,
      test: TEST,
      extra_options: EXTRA_OPTIONS,
      measurement_unit: 'ms',
      has_subtests: false,
    };
    let parentBase: number | null = null;
    let parentNew: number | null = null;
    if (options.subtestsOf) {
      parentBase = (
        await insertPerfSignature(p, {
          ...common,
          signature_hash: 'p1'.repeat(20),
          repository_id: tryRepo.id,
          test: '',
          has_subtests: true,
        })
      ).id;
      parentNew = (
        await insertPerfSignature(p, {
          ...common,
          signature_hash: 'p2'.repeat(20),
          repository_id: test.id,
          test: '',
          has_subtests: true,
        })
      ).id;
    }
    const baseSig =
      options.withBaseSignature === false
        ? (undefined as unknown as SignatureRow)
        : await insertPerfSignature(p, {
            ...common,
            signature_hash: 't1'.repeat(20),
            repository_id: tryRepo.id,
            application: 'firefox',
            parent_signature_id: parentBase,
          });
    const newSig = await insertPerfSignature(p, {
      ...common,
      signature_hash: 't2'.repeat(20),
      repository_id: test.id,
      application: options.newApplication ?? 'firefox',
      parent_signature_id: parentNew,
    });
    let baseJobId = 0;
    let newJobId = 0;
    for (const [i, value] of (baseSig ? (options.base ?? [32.4]) : []).entries()) {
      const job = await insertJob(p, { repositoryId: tryRepo.id, pushId: basePush.id });
      baseJobId = job.id;
      await insertPerfDatum(p, {
        signature: baseSig,
        pushId: basePush.id,
        value,
        pushTimestamp: basePush.time,
        jobId: job.id,
        replicates: options.baseReplicates?.[i] ?? [],
      });
    }
    for (const [i, value] of (options.next ?? [40.2]).entries()) {
      const job = await insertJob(p, { repositoryId: test.id, pushId: newPush.id });
      newJobId = job.id;
      await insertPerfDatum(p, {
        signature: newSig,
        pushId: newPush.id,
        value,
        pushTimestamp: newPush.time,
        jobId: job.id,
        replicates: options.newReplicates?.[i] ?? [],
      });
    }
    await service.db.cluster.waitForReplicas();
    return {
      test,
      tryRepo,
      frameworkId: framework.id,
      basePush,
      newPush,
      baseSig,
      newSig,
      baseJobId,
      newJobId,
    };
  }

  function query(w: World, extra: Record<string, string | number>): string {
    const params = new URLSearchParams({
      base_repository: w.tryRepo.name,
      new_repository: w.test.name,
      new_revision: w.newPush.revision,
      framework: String(w.frameworkId),
      ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])),
    });
    return `/api/perfcompare/results/?${params}`;
  }

  function expectedStudentT(
    w: World,
    base: number[],
    next: number[],
    overrides: Record<string, unknown>,
  ): Record<string, unknown> {
    const header = `${SUITE} ${TEST} opt ${EXTRA_OPTIONS} firefox`;
    const t = compareStudentT({ base, new: next, lowerIsBetter: true, isComplete: true, headerName: header });
    return {
      base_rev: null,
      new_rev: w.newPush.revision,
      framework_id: w.frameworkId,
      platform: 'linux64',
      suite: SUITE,
      header_name: header,
      base_repository_name: 'try',
      new_repository_name: 'mozilla-central',
      base_app: 'firefox',
      new_app: 'firefox',
      is_complete: true,
      base_measurement_unit: 'ms',
      new_measurement_unit: 'ms',
      base_retriggerable_job_ids: [w.baseJobId],
      new_retriggerable_job_ids: [w.newJobId],
      base_runs: base,
      new_runs: next,
      base_runs_replicates: base,
      new_runs_replicates: next,
      base_avg_value: q(t.base_avg_value),
      new_avg_value: q(t.new_avg_value),
      base_median_value: q(t.base_median_value),
      new_median_value: q(t.new_median_value),
      test: TEST,
      option_name: 'opt',
      extra_options: EXTRA_OPTIONS,
      base_stddev: q(t.base_stddev),
      new_stddev: q(t.new_stddev),
      base_stddev_pct: q(t.base_stddev_pct),
      new_stddev_pct: q(t.new_stddev_pct),
      confidence: q(t.confidence),
      confidence_text: t.confidence_text,
      graphs_link:
        'https://treeherder.mozilla.org/perfherder/graphs?' +
        `highlightedRevisions=${w.newPush.revision.slice(0, 12)}&` +
        `series=try%2C${'t1'.repeat(20)}%2C1%2C${w.frameworkId}&` +
        `series=mozilla-central%2C${'t1'.repeat(20)}%2C1%2C${w.frameworkId}&` +
        'timerange=86400',
      delta_value: q(t.delta_value),
      delta_percentage: q(t.delta_percentage),
      magnitude: q(t.magnitude),
      new_is_better: t.new_is_better,
      lower_is_better: true,
      is_confident: t.is_confident,
      more_runs_are_needed: t.more_runs_are_needed,
      noise_metric: false,
      is_improvement: t.is_improvement,
      is_regression: t.is_regression,
      is_meaningful: t.is_meaningful,
      base_parent_signature: null,
      new_parent_signature: null,
      base_signature_id: w.baseSig.id,
      new_signature_id: w.newSig.id,
      has_subtests: false,
      ...overrides,
    };
  }

  it('results_against_no_base: the computed Student-t row, every statement on the replica', async () => {
    const w = await world();
    const { result, queries } = await captureQueries(() =>
      service.app.inject(query(w, { interval: 604800, no_subtests: 'true' })),
    );
    assert.equal(result.statusCode, 200, result.body);
    const body = result.json() as Record<string, unknown>[];
    assert.equal(body.length, 1);
    assert.deepEqual(body[0], expectedStudentT(w, [32.4], [40.2], {}));
    const other = await service.app.inject(
      query(w, { interval: 604800, no_subtests: 'true', test_version: 'other' }),
    );
    assert.deepEqual(other.json(), body, 'an unknown test_version is Student-t');
    assert.ok(queries.length > 0);
    assert.ok(
      queries.every((x) => x.alias === 'read_replica'),
      JSON.stringify(queries.map((x) => [x.alias, x.reason])),
    );
  });

  it('results_with_only_one_run_and_diff_repo: recomputed interval, both revisions, replicates', async () => {
    const w = await world({ baseReplicates: [[20]], newReplicates: [[15]] });
    const res = await service.app.inject(
      query(w, { base_revision: w.basePush.revision, no_subtests: 'true' }),
    );
    assert.equal(res.statusCode, 200, res.body);
    const [row] = res.json() as Record<string, unknown>[];
    assert.deepEqual(
      row,
      expectedStudentT(w, [32.4], [40.2], {
        base_rev: w.basePush.revision,
        base_runs_replicates: [20],
        new_runs_replicates: [15],
        graphs_link:
          'https://treeherder.mozilla.org/perfherder/graphs?' +
          `highlightedRevisions=${w.basePush.revision.slice(0, 12)}&` +
          `highlightedRevisions=${w.newPush.revision.slice(0, 12)}&` +
          `series=try%2C${'t1'.repeat(20)}%2C1%2C${w.frameworkId}&` +
          `series=mozilla-central%2C${'t1'.repeat(20)}%2C1%2C${w.frameworkId}&` +
          'timerange=604800',
      }),
    );
    const withReplicates = await service.app.inject(
      query(w, { base_revision: w.basePush.revision, no_subtests: 'true', replicates: 'true' }),
    );
    assert.equal(withReplicates.statusCode, 200);
    const [replicated] = withReplicates.json() as Record<string, unknown>[];
    assert.equal(replicated?.base_avg_value, 20);
    assert.equal(replicated?.new_avg_value, 15);
  });

  it('results_without_base_signature: an incomplete row from the new side only', async () => {
    const w = await world({ withBaseSignature: false, newApplication: 'geckoview' });
    const res = await service.app.inject(query(w, { interval: 604800, no_subtests: 'true' }));
    assert.equal(res.statusCode, 200, res.body);
    const [row] = res.json() as Record<string, unknown>[];
    assert.equal(row?.base_app, '');
    assert.equal(row?.new_app, 'geckoview');
    assert.equal(row?.base_measurement_unit, '');
    assert.equal(row?.new_measurement_unit, 'ms');
    assert.deepEqual(row?.base_runs, []);
    assert.deepEqual(row?.new_runs, [40.2]);
    assert.equal(row?.is_complete, false);
    assert.equal(row?.more_runs_are_needed, false);
    assert.equal(row?.base_signature_id, null);
    assert.equal(row?.new_signature_id, w.newSig.id);
    assert.match(String(row?.graphs_link), new RegExp(`series=try%2C${'t2'.repeat(20)}%2C1`));
  });

  it('results_subtests_support: parent signatures select the subtests (no_subtests missing)', async () => {
    const w = await world({ subtestsOf: true });
    const res = await service.app.inject(
      query(w, {
        interval: 604800,
        base_parent_signature: w.baseSig.parent_signature_id ?? 0,
        new_parent_signature: w.newSig.parent_signature_id ?? 0,
      }),
    );
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as Record<string, unknown>[];
    assert.equal(body.length, 1);
    assert.equal(body[0]?.base_parent_signature, w.baseSig.parent_signature_id);
    assert.equal(body[0]?.new_parent_signature, w.newSig.parent_signature_id);
    // no_subtests=true selects the (data-less) parents instead: nothing to compare.
    const parents = await service.app.inject(query(w, { interval: 604800, no_subtests: 'true' }));
    assert.deepEqual(parents.json(), []);
  });

  it('revision_is_not_found: bare JSON strings', async () => {
    const w = await world();
    const missingBase = await service.app.inject(
      query(w, { base_revision: 'nonexistentrevision', no_subtests: 'true' }),
    );
    assert.equal(missingBase.statusCode, 400);
    assert.deepEqual(missingBase.json(), 'No base push with revision nonexistentrevision from repo try.');
    const missingNew = await service.app.inject(
      query(w, { new_revision: 'nonexistentrevision', interval: 86400 }),
    );
    assert.equal(missingNew.statusCode, 400);
    assert.deepEqual(
      missingNew.json(),
      'No new push with revision nonexistentrevision from repo mozilla-central.',
    );
  });

  it('interval_is_required_when_comparing_without_base, then the other validation steps in order', async () => {
    const w = await world();
    const noInterval = await service.app.inject(query(w, {}));
    assert.equal(noInterval.statusCode, 400);
    assert.deepEqual(noInterval.json(), { non_field_errors: ['Field required: interval.'] });

    const missing = await service.app.inject('/api/perfcompare/results/');
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(missing.json(), {
      new_revision: ['This field is required.'],
      base_repository: ['This field is required.'],
      new_repository: ['This field is required.'],
    });

    const badRepo = await service.app.inject(query(w, { base_repository: 'nope', interval: 86400 }));
    assert.equal(badRepo.statusCode, 400);
    assert.deepEqual(badRepo.json(), { non_field_errors: ['nope or mozilla-central does not exist.'] });

    const badTypes = await service.app.inject(
      query(w, { interval: 'x', no_subtests: 'maybe', base_parent_signature: 'a' }),
    );
    assert.equal(badTypes.statusCode, 400);
    assert.deepEqual(badTypes.json(), {
      interval: ['A valid integer is required.'],
      no_subtests: ['Must be a valid boolean.'],
      base_parent_signature: ['A valid integer is required.'],
    });
  });

  it('same repository: one series in graphs_link; rows sorted by header; runs in the order read', async () => {
    const p = service.db.primary;
    const test = await testRepository(p);
    const framework = await testPerfFramework(p);
    const now = Date.now();
    const basePush = await insertPush(p, {
      repository_id: test.id,
      revision: fixtureRevision('mozilla-central', 0),
      time: new Date(now - 3 * DAY_MS),
    });
    const newPush = await insertPush(p, {
      repository_id: test.id,
      revision: fixtureRevision('mozilla-central', 1),
      time: new Date(now),
    });
    const sigB = await insertPerfSignature(p, { signature_hash: 'b'.repeat(40), suite: 'bsuite', test: '' });
    const sigA = await insertPerfSignature(p, {
      signature_hash: 'a'.repeat(40),
      suite: 'asuite',
      test: 'asuite',
    });
    for (const [sig, push, values] of [
      [sigA, basePush, [3, 1, 2]],
      [sigA, newPush, [5, 4]],
      [sigB, basePush, [7]],
    ] as const) {
      for (const value of values) {
        await insertPerfDatum(p, { signature: sig, pushId: push.id, value, pushTimestamp: push.time });
      }
    }
    await service.db.cluster.waitForReplicas();
    const params = new URLSearchParams({
      base_repository: 'mozilla-central',
      new_repository: 'mozilla-central',
      base_revision: basePush.revision,
      new_revision: newPush.revision,
      framework: String(framework.id),
      no_subtests: 'true',
    });
    const res = await service.app.inject(`/api/perfcompare/results/?${params}`);
    assert.equal(res.statusCode, 200, res.body);
    const rows = res.json() as Record<string, unknown>[];
    assert.deepEqual(
      rows.map((r) => r.header_name),
      ['asuite opt  ', 'bsuite opt  '],
    );
    const [a, b] = rows;
    assert.deepEqual(a?.base_runs, [3, 1, 2]);
    assert.deepEqual(a?.new_runs, [5, 4]);
    assert.equal(a?.is_complete, true);
    assert.equal(a?.base_avg_value, 2);
    assert.equal(a?.new_avg_value, 4.5);
    assert.equal(
      a?.graphs_link,
      'https://treeherder.mozilla.org/perfherder/graphs?' +
        `highlightedRevisions=${basePush.revision.slice(0, 12)}&highlightedRevisions=${newPush.revision.slice(0, 12)}&` +
        `series=mozilla-central%2C${'a'.repeat(40)}%2C1%2C${framework.id}&timerange=604800`,
    );
    assert.equal(b?.is_complete, false);
    assert.deepEqual(b?.new_runs, []);
    assert.equal(b?.new_signature_id, sigB.id);
  });

  it('answers 400, not 500, for a base push older than a year (deviation)', async () => {
    const w = await world();
    await service.db.primary.query('UPDATE push SET time = $1 WHERE id = $2', [
      new Date(Date.now() - 400 * DAY_MS),
      w.basePush.id,
    ]);
    await service.db.cluster.waitForReplicas();
    const res = await service.app.inject(
      query(w, { base_revision: w.basePush.revision, no_subtests: 'true' }),
    );
    assert.equal(res.statusCode, 400);
    assert.ok('non_field_errors' in (res.json() as object));
  });

  it('keeps every run at the index of its job, in both versions (the reference builds both in one pass)', async () => {
    const w = await world({
      base: [35, 31, 33],
      next: [44, 40, 42.5],
      baseReplicates: [[35.5, 34.5], [], [33.1]],
    });
    const jobOf = async (jobId: number) =>
      Number(
        (await service.db.primary.query('SELECT value FROM performance_datum WHERE job_id = $1', [jobId]))
          .rows[0].value,
      );
    for (const testVersion of ['student-t', 'mann-whitney-u']) {
      const res = await service.app.inject(
        query(w, { interval: 604800, no_subtests: 'true', test_version: testVersion }),
      );
      assert.equal(res.statusCode, 200, res.body);
      const [row] = res.json() as Record<string, number[]>[];
      // Not sorted: the order read (push time, then datum id), the same for runs and job ids.
      assert.deepEqual(row?.base_runs, [35, 31, 33], testVersion);
      assert.deepEqual(row?.new_runs, [44, 40, 42.5], testVersion);
      assert.deepEqual(row?.base_runs_replicates, [35.5, 34.5, 31, 33.1], testVersion);
      for (const side of ['base', 'new'] as const) {
        const runs: number[] = row?.[`${side}_runs`] ?? [];
        const jobs: number[] = row?.[`${side}_retriggerable_job_ids`] ?? [];
        assert.equal(jobs.length, runs.length);
        for (const [i, jobId] of jobs.entries())
          assert.equal(await jobOf(jobId), runs[i], `${testVersion} ${side} run ${i}`);
      }
    }
  });

  describe('Mann-Whitney-U (test_version=mann-whitney-u)', () => {
    it('results_with_mann_witney_u_against_no_base: the exact V2 row', async () => {
      const w = await world();
      const res = await service.app.inject(
        query(w, { interval: 604800, no_subtests: 'true', test_version: 'mann-whitney-u' }),
      );
      assert.equal(res.statusCode, 200, res.body);
      const [row] = res.json() as Record<string, unknown>[];
      assert.deepEqual(row, {
        base_rev: null,
        new_rev: w.newPush.revision,
        framework_id: w.frameworkId,
        platform: 'linux64',
        suite: SUITE,
        header_name: `${SUITE} ${TEST} opt ${EXTRA_OPTIONS} firefox`,
        base_repository_name: 'try',
        new_repository_name: 'mozilla-central',
        base_app: 'firefox',
        new_app: 'firefox',
        is_complete: true,
        base_measurement_unit: 'ms',
        new_measurement_unit: 'ms',
        base_retriggerable_job_ids: [w.baseJobId],
        new_retriggerable_job_ids: [w.newJobId],
        base_runs: [32.4],
        new_runs: [40.2],
        base_runs_replicates: [32.4],
        new_runs_replicates: [40.2],
        test: TEST,
        option_name: 'opt',
        extra_options: EXTRA_OPTIONS,
        delta_value: 7.8,
        delta_percentage: 24.07,
        lower_is_better: true,
        is_confident: false,
        mann_whitney_test: {
          test_name: 'Mann-Whitney U',
          stat: 0,
          pvalue: 1,
          interpretation: 'not significant',
        },
        graphs_link:
          'https://treeherder.mozilla.org/perfherder/graphs?' +
          `highlightedRevisions=${w.newPush.revision.slice(0, 12)}&` +
          `series=try%2C${'t1'.repeat(20)}%2C1%2C${w.frameworkId}&` +
          `series=mozilla-central%2C${'t1'.repeat(20)}%2C1%2C${w.frameworkId}&` +
          'timerange=86400',
        is_fit_good: true,
        is_meaningful: true,
        is_new_better: null,
        base_parent_signature: null,
        new_parent_signature: null,
        base_signature_id: w.baseSig.id,
        new_signature_id: w.newSig.id,
        has_subtests: false,
        cles: {
          cles: 0,
          cles_direction: 'no change',
          mann_whitney_u_cles: '',
          cliffs_delta_cles: "Cliff's Delta: -1.00 → large",
          effect_size: 'large',
          cles_explanation: '100% chance a new value > base value',
        },
        cliffs_delta: -1,
        cliffs_interpretation: 'large',
        direction_of_change: 'no change',
        base_standard_stats: {
          count: 1,
          max: 32.4,
          mean: 32.4,
          median: 32.4,
          min: 32.4,
          stddev: 0,
          stddev_pct: 0,
          variance: 0,
        },
        new_standard_stats: {
          count: 1,
          max: 40.2,
          mean: 40.2,
          median: 40.2,
          min: 40.2,
          stddev: 0,
          stddev_pct: 0,
          variance: 0,
        },
        ks_test: {
          interpretation: 'KS test p-value: 1.000, good fit',
          pvalue: 1,
          stat: 1,
          test_name: 'Kolmogorov-Smirnov',
        },
        ks_warning: null,
        shapiro_wilk_test_base: {
          interpretation: 'Not enough data for normality test.',
          pvalue: null,
          stat: null,
          test_name: 'Shapiro-Wilk',
        },
        shapiro_wilk_test_new: {
          interpretation: 'Not enough data for normality test',
          pvalue: null,
          stat: null,
          test_name: 'Shapiro-Wilk',
        },
        shapiro_wilk_warnings: [
          'Shapiro-Wilk test cannot be run on Base with fewer than 3 data points.',
          'Shapiro-Wilk test cannot be run on New with fewer than 3 data points.',
        ],
        warning_c_delta: null,
        kde_warnings: [],
        more_runs_are_needed: false,
        silverman_kde: null,
        silverman_warnings: [],
      });
      for (const absent of ['is_improvement', 'is_regression', 'kde_base', 'kde_new']) {
        assert.equal(absent in (row as object), false, absent);
      }
    });

    it('results_with_silverman_kde_enabled', async () => {
      const w = await world({
        base: [103],
        next: [113],
        baseReplicates: [[100, 105, 102, 104]],
        newReplicates: [[110, 115, 112, 114]],
      });
      const base = { interval: 604800, no_subtests: 'true', test_version: 'mann-whitney-u' };
      const without = await service.app.inject(query(w, base));
      assert.equal(without.statusCode, 200, without.body);
      const [plain] = without.json() as Record<string, unknown>[];
      assert.equal(plain?.silverman_kde, null);
      assert.deepEqual(plain?.silverman_warnings, []);

      const withKde = await service.app.inject(
        query(w, { ...base, enable_silverman_kde: 'true', replicates: 'true' }),
      );
      assert.equal(withKde.statusCode, 200, withKde.body);
      const [row] = withKde.json() as Record<string, unknown>[];
      const kde = row?.silverman_kde as Record<string, unknown>;
      assert.ok(kde);
      assert.equal(kde.bandwidth, 'Silverman');
      assert.ok('base_mode_count' in kde && 'new_mode_count' in kde);
      assert.ok(Array.isArray(kde.modes));
      assert.ok(Array.isArray(row?.silverman_warnings));
    });

    it('rounds the nested statistics to 2 decimals as the reference serializers do (from unrounded inputs)', async () => {
      const base = [32.4, 33.1, 31.8, 30.9, 34.2, 32.7];
      const next = [40.2, 41.5, 39.8, 42.3, 40.9, 41.1];
      const w = await world({ base, next });
      const res = await service.app.inject(
        query(w, { interval: 604800, no_subtests: 'true', test_version: 'mann-whitney-u' }),
      );
      assert.equal(res.statusCode, 200, res.body);
      const [row] = res.json() as Record<string, unknown>[];
      const raw = compareMannWhitney({ base, new: next, lowerIsBetter: true, enableSilvermanKde: false });
      const stats = (s: typeof raw.base_standard_stats) => ({
        ...s,
        mean: q(s.mean),
        median: q(s.median),
        variance: q(s.variance),
        stddev: q(s.stddev),
        stddev_pct: q(s.stddev_pct),
      });
      assert.notEqual(
        raw.base_standard_stats.variance,
        q(raw.base_standard_stats.variance),
        'the input needs rounding',
      );
      assert.deepEqual(row?.base_standard_stats, stats(raw.base_standard_stats));
      assert.deepEqual(row?.new_standard_stats, stats(raw.new_standard_stats));
      const test = <T extends { stat: number | null; pvalue: number | null }>(t: T) => ({
        ...t,
        stat: t.stat === null ? null : q(t.stat),
        pvalue: t.pvalue === null ? null : q(t.pvalue),
      });
      assert.deepEqual(row?.shapiro_wilk_test_base, test(raw.shapiro_wilk_test_base));
      assert.deepEqual(row?.shapiro_wilk_test_new, test(raw.shapiro_wilk_test_new));
      assert.deepEqual(row?.ks_test, raw.ks_test && test(raw.ks_test));
      assert.deepEqual(
        row?.mann_whitney_test,
        raw.mann_whitney_test && { ...raw.mann_whitney_test, pvalue: q(raw.mann_whitney_test.pvalue) },
      );
      assert.equal(row?.cliffs_delta, q(raw.cliffs_delta ?? Number.NaN));
      assert.deepEqual(row?.cles, raw.cles && { ...raw.cles, cles: q(raw.cles.cles) });
      // The texts still come from the unrounded numbers.
      assert.match(
        String((row?.ks_test as { interpretation?: string } | undefined)?.interpretation),
        /^KS test p-value: \d\.\d{3}, /,
      );
    });

    it('words the Shapiro-Wilk verdict and warning_c_delta as the reference does today', async () => {
      const w = await world({ base: [32.4, 33.1, 31.8, 30.9, 34.2], next: [40.2, 41.5, 39.8, 42.3, 40.9] });
      const url = query(w, { interval: 604800, no_subtests: 'true', test_version: 'mann-whitney-u' });
      const [row] = (await service.app.inject(url)).json() as Record<string, { interpretation: string }>[];
      assert.match(
        row?.shapiro_wilk_test_base?.interpretation ?? '',
        /^Shapiro-Wilk result: \d\.\d\d, Base Revision is likely normal$/,
      );
      assert.match(
        row?.shapiro_wilk_test_new?.interpretation ?? '',
        /^Shapiro-Wilk result: \d\.\d\d, New Revision is likely normal$/,
      );

      await service.db.reset();
      const onlyNew = await world({ withBaseSignature: false });
      const [incomplete] = (
        await service.app.inject(
          query(onlyNew, { interval: 604800, no_subtests: 'true', test_version: 'mann-whitney-u' }),
        )
      ).json() as Record<string, unknown>[];
      assert.equal(incomplete?.cliffs_delta, null);
      assert.equal(incomplete?.warning_c_delta, 'Empty data in one group, cannot compute Cliffs Delta');
    });

    it('silverman_kde with one data point per side runs the KDE like the reference: one mode each, listed', async () => {
      const w = await world(); // one run per side: 32.4 and 40.2
      const kdeQuery = {
        interval: 604800,
        no_subtests: 'true',
        test_version: 'mann-whitney-u',
        enable_silverman_kde: 'true',
      };
      const [row] = (await service.app.inject(query(w, kdeQuery))).json() as Record<string, unknown>[];
      const kde = row?.silverman_kde as Record<string, unknown> & { modes: Record<string, unknown>[] };
      const { modes, ...summary } = kde;
      assert.deepEqual(summary, {
        bandwidth: 'Silverman',
        base_mode_count: 1,
        new_mode_count: 1,
        base_locations: [32.4],
        new_locations: [40.2],
        base_prominence: 0,
        new_prominence: 0,
        is_regression: null,
        is_improvement: null,
      });
      assert.equal(modes.length, 1);
      const [mode] = modes;
      assert.ok(Number(mode?.mode_start) < 32.4 && 32.4 < Number(mode?.mode_end), JSON.stringify(mode));
      assert.deepEqual(
        { ...mode, mode_start: undefined, mode_end: undefined },
        {
          mode_name: 'Mode 1',
          mode_start: undefined,
          mode_end: undefined,
          median_shift_summary: 'Cannot measure shift, fewer than 2 values in this mode',
          ci_low: null,
          ci_high: null,
          shift: null,
          shift_summary: null,
          ci_warning: null,
        },
      );
      assert.deepEqual(row?.silverman_warnings, []);

      // One run on base, two clusters on new: the base mode is listed although the counts differ.
      await service.db.reset();
      const split = await world({ next: [10, 10.1, 9.9, 10.2, 9.8, 50, 50.1, 49.9, 50.2, 49.8] });
      const [splitRow] = (await service.app.inject(query(split, kdeQuery))).json() as Record<
        string,
        unknown
      >[];
      const splitKde = splitRow?.silverman_kde as {
        base_mode_count: number;
        new_mode_count: number;
        modes: Record<string, unknown>[];
      };
      assert.equal(splitKde.base_mode_count, 1);
      assert.equal(splitKde.new_mode_count, 2);
      assert.deepEqual(
        splitKde.modes.map((m) => [m.mode_name, m.median_shift_summary, m.ci_low, m.ci_high, m.shift]),
        [['Mode 1', 'Cannot measure shift, base mode count not equal to new mode count', 0, 0, null]],
      );

      // No run at all on base: no KDE there, its locations null.
      await service.db.reset();
      const noBase = await world({ withBaseSignature: false });
      const [noBaseRow] = (await service.app.inject(query(noBase, kdeQuery))).json() as Record<
        string,
        unknown
      >[];
      const noBaseKde = noBaseRow?.silverman_kde as Record<string, unknown>;
      assert.equal(noBaseKde.base_mode_count, 0);
      assert.equal(noBaseKde.base_locations, null);
      assert.deepEqual(noBaseKde.new_locations, [40.2]);
      assert.deepEqual(noBaseRow?.silverman_warnings, [
        'Base revision has less than 2 data points to run Silverman KDE.',
        'Mode count between base and new revision different, look at the KDE.',
      ]);
    });

    it('results cached in the old format are not served after the upgrade: migration 0004 empties the cache', async () => {
      const urls = await service.db.cluster.createDatabase('mwu_upgrade');
      const all = join(import.meta.dirname, '..', '..', 'src', 'db', 'migrations');
      const before = mkdtempSync(join(tmpdir(), 'migrations-'));
      try {
        for (const file of readdirSync(all).filter((f) => f < '0004'))
          copyFileSync(join(all, file), join(before, file));
        await migrate(urls.primary, { migrationsDir: before });
        const client = new pg.Client({ connectionString: urls.primary });
        await client.connect();
        try {
          await client.query(
            `INSERT INTO perf_compare_mwu_cache (hash_key, results) VALUES ($1, '[{"base_standard_stats": {"mean": 24.46836460956609}}]')`,
            ['f'.repeat(64)],
          );
          const { applied } = await migrate(urls.primary);
          assert.ok(applied.includes('0004_clear_mwu_cache.sql'), applied.join());
          const { rows } = await client.query('SELECT count(*)::int AS n FROM perf_compare_mwu_cache');
          assert.equal(rows[0].n, 0);
        } finally {
          await client.end();
        }
      } finally {
        rmSync(before, { recursive: true, force: true });
      }
    });

    async function cacheRows(): Promise<{ hash_key: string }[]> {
      return (await service.db.primary.query('SELECT hash_key FROM perf_compare_mwu_cache ORDER BY id')).rows;
    }

    it('mwu_cache_hit_returns_cached_response: one row; the read on the replica, the insert on the primary', async () => {
      const w = await world({ base: [32.4, 33.1, 31.8], next: [40.2, 41.5, 39.8] });
      const url = query(w, { interval: 604800, no_subtests: 'true', test_version: 'mann-whitney-u' });
      const first = await captureQueries(() => service.app.inject(url));
      assert.equal(first.result.statusCode, 200, first.result.body);
      const inserts = first.queries.filter((x) => /^\s*INSERT/i.test(x.sql));
      assert.equal(inserts.length, 1);
      assert.equal(inserts[0]?.alias, 'default');
      assert.ok(
        first.queries.filter((x) => !/^\s*INSERT/i.test(x.sql)).every((x) => x.alias === 'read_replica'),
        JSON.stringify(first.queries.map((x) => [x.alias, x.reason, x.sql.slice(0, 40)])),
      );
      await service.db.cluster.waitForReplicas();
      const second = await captureQueries(() => service.app.inject(url));
      assert.equal(second.result.statusCode, 200);
      assert.deepEqual(second.result.json(), first.result.json());
      assert.ok(second.queries.every((x) => x.alias === 'read_replica'));
      assert.equal((await cacheRows()).length, 1);
    });

    it('a cache hit sends the stored text: the same bytes as the jsonb read back, no data points read', async () => {
      const w = await world({ base: [32.4, 33.1, 31.8], next: [40.2, 41.5, 39.8] });
      const url = query(w, { interval: 604800, no_subtests: 'true', test_version: 'mann-whitney-u' });
      const first = await service.app.inject(url);
      assert.equal(first.statusCode, 200, first.body);
      await service.db.cluster.waitForReplicas();
      const second = await captureQueries(() => service.app.inject(url));
      assert.equal(second.result.statusCode, 200);
      assert.equal(second.result.headers['content-type'], 'application/json');
      // The answer before results_text existed: the jsonb column parsed and serialised again.
      const { rows } = await service.db.primary.query(
        'SELECT results, results_text FROM perf_compare_mwu_cache',
      );
      assert.equal(rows.length, 1);
      assert.equal(rows[0].results_text, JSON.stringify(rows[0].results));
      assert.equal(second.result.body, JSON.stringify(rows[0].results));
      assert.ok(
        second.queries.every((q) => !/performance_datum_replicate|d\.value/.test(q.sql)),
        JSON.stringify(second.queries.map((q) => q.sql.slice(0, 80))),
      );
      // A row cached before migration 0005 (no results_text) is served from its jsonb.
      await service.db.primary.query('UPDATE perf_compare_mwu_cache SET results_text = NULL');
      await service.db.cluster.waitForReplicas();
      const third = await service.app.inject(url);
      assert.equal(third.body, second.result.body);
    });

    it('Cache-Control only on a comparison of two fixed revisions', async () => {
      const w = await world({ base: [32.4, 33.1, 31.8], next: [40.2, 41.5, 39.8] });
      for (const test_version of ['student-t', 'mann-whitney-u']) {
        const fixed = await service.app.inject(
          query(w, { base_revision: w.basePush.revision, no_subtests: 'true', test_version }),
        );
        assert.equal(fixed.statusCode, 200, fixed.body);
        assert.equal(fixed.headers['cache-control'], 'public, max-age=3600');
        await service.db.cluster.waitForReplicas();
        const again = await service.app.inject(
          query(w, { base_revision: w.basePush.revision, no_subtests: 'true', test_version }),
        );
        assert.equal(again.headers['cache-control'], 'public, max-age=3600', test_version);
        const window = await service.app.inject(
          query(w, { interval: 604800, no_subtests: 'true', test_version }),
        );
        assert.equal(window.statusCode, 200);
        assert.equal(window.headers['cache-control'], undefined);
      }
      const missing = await service.app.inject(
        query(w, { base_revision: 'nonexistentrevision', no_subtests: 'true' }),
      );
      assert.equal(missing.statusCode, 400);
      assert.equal(missing.headers['cache-control'], undefined);
    });

    it('mwu_cache_different_params_produce_different_cache_keys', async () => {
      const w = await world({ base: [100, 105, 102], next: [110, 115, 112] });
      const base = { interval: 604800, no_subtests: 'true', test_version: 'mann-whitney-u' };
      assert.equal((await service.app.inject(query(w, base))).statusCode, 200);
      const kde = { ...base, enable_silverman_kde: 'true', replicates: 'true' };
      assert.equal((await service.app.inject(query(w, kde))).statusCode, 200);
      const rows = await cacheRows();
      assert.equal(rows.length, 2);
      assert.notEqual(rows[0]?.hash_key, rows[1]?.hash_key);
    });

    it('mwu_cache_recalculates_after_data_change', async () => {
      const w = await world({ base: [100, 105, 102], next: [110, 115, 112] });
      const url = query(w, { interval: 604800, no_subtests: 'true', test_version: 'mann-whitney-u' });
      const first = await service.app.inject(url);
      assert.equal(first.statusCode, 200);
      const job = await insertJob(service.db.primary, { repositoryId: w.test.id, pushId: w.newPush.id });
      await insertPerfDatum(service.db.primary, {
        signature: w.newSig,
        pushId: w.newPush.id,
        value: 120,
        pushTimestamp: w.newPush.time,
        jobId: job.id,
      });
      await service.db.cluster.waitForReplicas();
      const second = await service.app.inject(url);
      assert.equal(second.statusCode, 200);
      const [row] = second.json() as { new_runs: number[] }[];
      assert.deepEqual(row?.new_runs, [110, 115, 112, 120]);
      // A datum on the base side, in the window (counted through the day counters): a new key again.
      await insertPerfDatum(service.db.primary, {
        signature: w.baseSig,
        pushId: w.basePush.id,
        value: 99,
        pushTimestamp: w.basePush.time,
      });
      await service.db.cluster.waitForReplicas();
      const third = await service.app.inject(url);
      assert.deepEqual((third.json() as { base_runs: number[] }[])[0]?.base_runs, [100, 105, 102, 99]);
      const rows = await cacheRows();
      assert.equal(rows.length, 3);
      assert.equal(new Set(rows.map((r) => r.hash_key)).size, 3);
    });

    it('a cache hit: gzip to a client that accepts it, the text otherwise, the same bytes; 304 from the stored ETag', async () => {
      const w = await world({ base: [32.4, 33.1, 31.8], next: [40.2, 41.5, 39.8] });
      const url = query(w, { interval: 604800, no_subtests: 'true', test_version: 'mann-whitney-u' });
      assert.equal((await service.app.inject(url)).statusCode, 200);
      await service.db.cluster.waitForReplicas();
      const { rows } = await service.db.primary.query(
        'SELECT results_text, etag FROM perf_compare_mwu_cache',
      );
      assert.equal(rows.length, 1);
      assert.equal(rows[0].etag, weakEtag(rows[0].results_text));
      const identity = await service.app.inject(url);
      assert.equal(identity.statusCode, 200);
      assert.equal(identity.headers['content-encoding'], undefined);
      assert.match(String(identity.headers.vary), /accept-encoding/i);
      assert.equal(identity.headers.etag, rows[0].etag);
      assert.equal(identity.body, rows[0].results_text);
      const gzipped = await service.app.inject({ url, headers: { 'accept-encoding': 'gzip, deflate, br' } });
      assert.equal(gzipped.statusCode, 200);
      assert.equal(gzipped.headers['content-encoding'], 'gzip');
      assert.equal(gzipped.headers['content-type'], 'application/json');
      assert.match(String(gzipped.headers.vary), /accept-encoding/i);
      assert.equal(gzipped.headers.etag, rows[0].etag);
      assert.ok(gzipped.rawPayload.length < identity.rawPayload.length);
      assert.equal(gunzipSync(gzipped.rawPayload).toString('utf8'), identity.body);
      const refused = await service.app.inject({ url, headers: { 'accept-encoding': 'gzip;q=0' } });
      assert.equal(refused.headers['content-encoding'], undefined);
      assert.equal(refused.body, identity.body);
      // The client's copy is current (weak or strong form of the tag, in a list): 304, no body.
      const opaque = String(rows[0].etag).slice(2);
      for (const tag of [rows[0].etag, opaque, `"other", ${opaque}`, '*']) {
        const again = await service.app.inject({
          url,
          headers: { 'if-none-match': tag, 'accept-encoding': 'gzip' },
        });
        assert.equal(again.statusCode, 304, tag);
        assert.equal(again.body, '');
        assert.equal(again.headers.etag, rows[0].etag);
        assert.equal(again.headers['content-encoding'], undefined);
        assert.match(String(again.headers.vary), /accept-encoding/i);
      }
      const stale = await service.app.inject({ url, headers: { 'if-none-match': '"other"' } });
      assert.equal(stale.statusCode, 200);
      assert.equal(stale.body, identity.body);
      // The row replaced (cleared and cached again with other results): the copy in memory is not sent.
      await service.db.primary.query(
        'UPDATE perf_compare_mwu_cache SET results_text = $1, etag = $2, results_gzip = $3',
        ['[]', weakEtag('[]'), gzipSync('[]')],
      );
      await service.db.cluster.waitForReplicas();
      for (const headers of [{}, { 'accept-encoding': 'gzip' }]) {
        const replaced = await service.app.inject({ url, headers });
        const gzipped = replaced.headers['content-encoding'] === 'gzip';
        assert.equal(gzipped ? gunzipSync(replaced.rawPayload).toString() : replaced.body, '[]');
        assert.equal(replaced.headers.etag, weakEtag('[]'));
      }
    });

    it('the datum day counters (migration 0008) count a window exactly, through inserts, updates and deletes across day edges', async () => {
      const w = await world({ base: [], next: [1] });
      const p = service.db.primary;
      const midnight = Math.floor(Date.now() / DAY_MS) * DAY_MS - 3 * DAY_MS;
      const at = (ms: number) => new Date(midnight + ms);
      const H = 3_600_000;
      const other = await insertPerfSignature(p, {
        framework_id: w.frameworkId,
        platform_id: w.baseSig.platform_id,
        option_collection_id: w.baseSig.option_collection_id,
        suite: SUITE,
        test: 'other',
        signature_hash: 'o1'.repeat(20),
        repository_id: w.tryRepo.id,
      });
      const sigs = [w.baseSig.id, other.id];
      // One statement per insert: several datums per (signature, day) and several days per statement.
      const insert = (sig: number, offsets: number[]) =>
        p.query(
          `INSERT INTO performance_datum (repository_id, signature_id, value, push_timestamp, push_id)
           SELECT $1, $2, 1, t, $3 FROM unnest($4::timestamptz[]) AS t`,
          [w.tryRepo.id, sig, w.basePush.id, offsets.map((o) => at(o).toISOString())],
        );
      await insert(w.baseSig.id, [
        -DAY_MS,
        -1000,
        -1,
        0,
        0,
        1,
        5 * H,
        DAY_MS - 1,
        DAY_MS,
        DAY_MS + 1,
        2 * DAY_MS + 7 * H,
      ]);
      await insert(other.id, [-2 * DAY_MS, 0, 12 * H, DAY_MS + 3 * H, 2 * DAY_MS]);
      const grid = [
        -DAY_MS - 1,
        -1000,
        -1,
        0,
        1,
        5 * H,
        12 * H,
        DAY_MS - 1,
        DAY_MS,
        DAY_MS + 2,
        2 * DAY_MS,
        3 * DAY_MS,
      ];
      const check = async (label: string) => {
        const { rows: drift } = await p.query(
          `SELECT * FROM (SELECT repository_id, performance_datum_day(push_timestamp) AS day, signature_id,
                                 count(*) AS n FROM performance_datum GROUP BY 1, 2, 3) real
           FULL JOIN performance_datum_day_count c USING (repository_id, day, signature_id)
           WHERE coalesce(real.n, 0) <> coalesce(c.datums, 0)`,
        );
        assert.deepEqual(drift, [], label);
        const { rows: pushed } = await p.query(
          'SELECT count(*)::int AS n FROM performance_datum WHERE push_id = $1 AND signature_id = ANY($2)',
          [w.basePush.id, sigs],
        );
        const byRevision = pushed[0].n;
        for (const a of grid) {
          for (const b of grid) {
            if (b <= a) continue;
            const selection = { after: at(a), before: at(b) };
            const { rows } = await p.query(
              `SELECT count(*)::int AS n FROM performance_datum WHERE repository_id = $1
                 AND signature_id = ANY($2) AND push_timestamp > $3 AND push_timestamp < $4`,
              [w.tryRepo.id, sigs, selection.after, selection.before],
            );
            // Both sides of one statement: the window (counters) and the same signatures by revision.
            const side = { repositoryId: w.tryRepo.id, signatureIds: sigs };
            const counted = await countDataPoints(
              p,
              [
                { ...side, selection },
                { ...side, selection: { revision: w.basePush.revision } },
              ],
              false,
            );
            assert.deepEqual(counted.counts, [rows[0].n, byRevision], `${label}: (${a}, ${b})`);
          }
        }
      };
      await check('after inserts');
      await p.query(
        `UPDATE performance_datum SET push_timestamp = push_timestamp + interval '1 day'
         WHERE signature_id = $1 AND push_timestamp >= $2`,
        [w.baseSig.id, at(5 * H)],
      );
      await p.query('UPDATE performance_datum SET value = 2 WHERE signature_id = $1', [other.id]);
      await check('after updates');
      await p.query(
        'DELETE FROM performance_datum WHERE signature_id = $1 AND push_timestamp BETWEEN $2 AND $3',
        [w.baseSig.id, at(-1000), at(1)],
      );
      await check('after deletes');
      await p.query('TRUNCATE performance_datum CASCADE');
      await check('after truncate');
    });

    it('the datum day lists (migration 0012) give a window the lists of its datums, through appends, out-of-order inserts, replicates, updates, deletes and truncate', async () => {
      const w = await world({ base: [], next: [1] });
      const p = service.db.primary;
      const midnight = Math.floor(Date.now() / DAY_MS) * DAY_MS - 3 * DAY_MS;
      const at = (ms: number) => new Date(midnight + ms);
      const H = 3_600_000;
      const sig = w.baseSig.id;
      const job = await insertJob(p, { repositoryId: w.tryRepo.id, pushId: w.basePush.id });
      // Values whose texts and roundings are not their own: ties, long fractions, exponents, -0.
      const values = [1.005, 0.1 + 0.2, 2.675, 1e21, -0, 123456.785, 5e-7, 42];
      let next = 0;
      const insert = (offsets: number[]) =>
        p.query(
          `INSERT INTO performance_datum (repository_id, signature_id, value, push_timestamp, push_id, job_id)
           SELECT $1, $2, v, t, $3, CASE WHEN v = 2.675 THEN $4::bigint END
             FROM unnest($5::timestamptz[], $6::float8[]) AS u(t, v)`,
          [
            w.tryRepo.id,
            sig,
            w.basePush.id,
            job.id,
            offsets.map((o) => at(o).toISOString()),
            offsets.map(() => values[next++ % values.length]),
          ],
        );
      // The lists of every window of the grid against the datums' own (the reference's reading, in SQL).
      // 3 * DAY_MS + 1 starts a window before every datum of its day: that day's row is read, not its datums.
      const grid = [
        -DAY_MS - 1,
        -1,
        0,
        5 * H,
        DAY_MS - 1,
        DAY_MS,
        2 * DAY_MS + 1,
        3 * DAY_MS + 1,
        4 * DAY_MS,
      ];
      const check = async (label: string) => {
        const { rows: drift } = await p.query(
          `SELECT * FROM performance_datum_day_lists l
           FULL JOIN performance_datum_day_lists_of(ARRAY(SELECT id FROM performance_datum)) n
             USING (repository_id, signature_id, day)
           WHERE (l.value_list, l.replicate_list, l.job_id_list, l.run_list, l.run_replicate_list,
                  l.first_push_timestamp, l.last_push_timestamp, l.last_id)
             IS DISTINCT FROM (n.value_list, n.replicate_list, n.job_id_list, n.run_list, n.run_replicate_list,
                  n.first_push_timestamp, n.last_push_timestamp, n.last_id)`,
        );
        assert.deepEqual(drift, [], label);
        for (const a of grid) {
          for (const b of grid) {
            if (b <= a) continue;
            const selection = { after: at(a), before: at(b) };
            const window = 'd.signature_id = $1 AND d.push_timestamp > $2 AND d.push_timestamp < $3';
            const { rows } = await p.query(
              `SELECT (SELECT json_agg(d.value ORDER BY d.push_timestamp, d.id) FROM performance_datum d
                        WHERE ${window})::text AS values,
                      (SELECT '[' || string_agg(coalesce(d.job_id::text, 'null'), ',' ORDER BY d.push_timestamp, d.id)
                        || ']' FROM performance_datum d WHERE ${window}) AS job_ids,
                      (SELECT '[' || string_agg(d.value_json, ',' ORDER BY d.push_timestamp, d.id) || ']'
                        FROM performance_datum d WHERE ${window}) AS runs,
                      (SELECT json_agg(coalesce(r.value, d.value) ORDER BY d.push_timestamp, d.id, r.id)
                        FROM performance_datum d LEFT JOIN performance_datum_replicate r ON r.performance_datum_id = d.id
                        WHERE ${window})::text AS replicates,
                      (SELECT '[' || string_agg(coalesce(performance_value_text_json(r.value::text), d.value_json), ','
                          ORDER BY d.push_timestamp, d.id, r.id) || ']'
                        FROM performance_datum d LEFT JOIN performance_datum_replicate r ON r.performance_datum_id = d.id
                        WHERE ${window}) AS runs_replicates`,
              [sig, selection.after, selection.before],
            );
            const want = rows[0];
            const got = await loadGroupedData(p, w.tryRepo.id, [sig], selection, true);
            const where = `${label}: (${a}, ${b})`;
            if (want.values === null) {
              assert.equal(got.values.has(sig), false, where);
              continue;
            }
            assert.deepEqual(got.values.get(sig), JSON.parse(want.values), where);
            assert.deepEqual(got.replicates.get(sig), JSON.parse(want.replicates), where);
            assert.deepEqual(
              got.json.get(sig),
              { jobIds: want.job_ids, runs: want.runs, runsReplicates: want.runs_replicates },
              where,
            );
          }
        }
      };
      // In push-time order (appended), then earlier in a day already written (built again).
      await insert([-DAY_MS, -1000, 0, 0, 5 * H, 3 * DAY_MS + 12 * H]);
      await insert([5 * H, 6 * H, DAY_MS - 1, DAY_MS + 1, 2 * DAY_MS + 7 * H]);
      await check('after appends');
      await insert([1, 3 * H, DAY_MS, 2 * DAY_MS]);
      await check('after inserts out of order');
      await p.query(
        `INSERT INTO performance_datum_replicate (performance_datum_id, value)
         SELECT d.id, v FROM performance_datum d, unnest(ARRAY[2.675, 1.115, 0.30000000000000004]) AS v
         WHERE d.signature_id = $1 AND d.push_timestamp IN ($2, $3)`,
        [sig, at(0), at(DAY_MS + 1)],
      );
      await check('after replicates');
      await p.query(
        `UPDATE performance_datum SET push_timestamp = push_timestamp + interval '1 day'
         WHERE signature_id = $1 AND push_timestamp >= $2 AND push_timestamp < $3`,
        [sig, at(5 * H), at(DAY_MS)],
      );
      await p.query('UPDATE performance_datum SET value = value * 3 WHERE signature_id = $1 AND value > 2', [
        sig,
      ]);
      await p.query('UPDATE performance_datum_replicate SET value = 7.125');
      await check('after updates');
      await p.query('DELETE FROM performance_datum_replicate WHERE value = 7.125 AND id % 2 = 0');
      await p.query(
        'DELETE FROM performance_datum WHERE signature_id = $1 AND push_timestamp BETWEEN $2 AND $3',
        [sig, at(-1000), at(1)],
      );
      await check('after deletes');
      await p.query('TRUNCATE performance_datum CASCADE');
      await check('after truncate');
    });

    it('hashes the sorted-key JSON like Python json.dumps(sort_keys=True)', () => {
      assert.equal(
        pythonJsonDumps({ b: [1, '2'], a: null, c: true, d: 'é' }),
        '{"a": null, "b": [1, "2"], "c": true, "d": "\\u00e9"}',
      );
      const key = mwuCacheKey({
        base_rev: null,
        new_rev: 'abc',
        base_repo: 'try',
        new_repo: 'mozilla-central',
        framework: 1,
        interval: 604800,
        no_subtests: true,
        base_parent_signature: null,
        new_parent_signature: null,
        replicates: false,
        enable_silverman_kde: false,
        base_sig_ids: [10, 9],
        new_sig_ids: [2],
        total_data_points: 2,
      });
      assert.match(key, /^[0-9a-f]{64}$/);
    });

    it('hashes the same key in PostgreSQL from the ids and counts (ids sorted as strings, non-ASCII escaped)', async () => {
      const input = {
        base_rev: null,
        new_rev: 'abc',
        base_repo: 'try',
        new_repo: 'mozilla-central',
        framework: null,
        interval: 604800,
        no_subtests: false,
        base_parent_signature: '12',
        new_parent_signature: null,
        replicates: true,
        enable_silverman_kde: false,
      };
      const text = pythonJsonDumps({
        ...input,
        base_sig_ids: ['10', '100', '9'],
        new_sig_ids: ['2'],
        total_data_points: 7,
      });
      const expected = createHash('sha256').update(text).digest('hex');
      assert.equal(
        mwuCacheKey({ ...input, base_sig_ids: [9, 100, 10], new_sig_ids: [2], total_data_points: 7 }),
        expected,
      );
      const cases: [number[], number[], string][] = [
        [[9, 100, 10], [2], 'abc'],
        [[], [], 'é"x'],
      ];
      for (const [base, next, newRev] of cases) {
        const values: unknown[] = [];
        const keySql = mwuCacheKeySql(mwuCacheKeyTemplate({ ...input, new_rev: newRev }), addArgTo(values));
        const { rows } = await service.db.primary.query(
          `WITH base_ids AS (SELECT unnest(${addArgTo(values)(base)}::integer[]) AS id),
                new_ids AS (SELECT unnest(${addArgTo(values)(next)}::integer[]) AS id),
                side_counts AS (SELECT 3::bigint AS base, 4::bigint AS next)
           SELECT ${keySql} AS key`,
          values,
        );
        const js = mwuCacheKey({
          ...input,
          new_rev: newRev,
          base_sig_ids: base,
          new_sig_ids: next,
          total_data_points: 7,
        });
        assert.equal(rows[0].key, js, JSON.stringify([base, next, newRev]));
      }
    });
  });
});
