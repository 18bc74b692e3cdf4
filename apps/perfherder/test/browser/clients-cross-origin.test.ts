/**
 * The calls Treeherder's Perfherder UI and PerfCompare make on load (treeherder-core-api.md sections 2-7
 * and 6.2, and the Perfherder endpoints they load), made with `fetch` by a page of ANOTHER origin in a
 * real headless Chromium, against the service listening on a real port over a real cluster (primary +
 * replica, tiny seed anchored at now). Every call must succeed with no CORS error, and every body must
 * carry the fields the clients read. One browser, one page for the file.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { seed } from '../../src/seed/index.ts';
import { type FetchOutcome, fetchAll, type PageServer, serveBlankPage } from '../support/browser.ts';
import { type BrowserService, startBrowserService } from '../support/browser-service.ts';
import type { TestDatabase } from '../support/database.ts';

const TWO_WEEKS = 1_209_600;

type Json = Record<string, unknown>;

function hasFields(value: unknown, fields: readonly string[], what: string): void {
  assert.ok(value && typeof value === 'object', `${what}: not an object: ${JSON.stringify(value)}`);
  for (const field of fields)
    assert.ok(field in (value as Json), `${what}: no "${field}" in ${JSON.stringify(value).slice(0, 300)}`);
}

function nonEmptyArray(outcome: FetchOutcome): Json[] {
  assert.ok(
    Array.isArray(outcome.body) && outcome.body.length > 0,
    `${outcome.url}: ${JSON.stringify(outcome.body).slice(0, 300)}`,
  );
  return outcome.body as Json[];
}

describe('the Perfherder UI and PerfCompare calls, cross-origin in Chromium', () => {
  let service: BrowserService | undefined;
  let pageServer: PageServer | undefined;
  let page: Page;
  let skip: string | undefined;
  let api = '';
  const consoleErrors: string[] = [];
  const facts = {
    newest: '',
    base: '',
    nonTip: '',
    tryRevision: '',
    signatureId: 0,
    signatureHash: '',
    platform: '',
  };

  /** Every URL fetched from the other origin; asserts none failed at the fetch level (CORS) or the status. */
  async function load(paths: readonly string[]): Promise<(path: string) => FetchOutcome> {
    const outcomes = await fetchAll(
      page,
      paths.map((p) => `${api}${p}`),
    );
    for (const o of outcomes) {
      assert.equal(o.error, null, `${o.url}: fetch failed (CORS?): ${o.error}`);
      assert.equal(o.status, 200, `${o.url}: ${JSON.stringify(o.body).slice(0, 300)}`);
      assert.equal(o.contentType, 'application/json', o.url);
    }
    const byPath = new Map(outcomes.map((o, i) => [paths[i] as string, o]));
    return (path) => {
      const outcome = byPath.get(path);
      assert.ok(outcome, path);
      return outcome;
    };
  }

  before(async () => {
    const started = await startBrowserService({ prepare: prepareFacts });
    if ('skip' in started) {
      skip = started.skip;
      return;
    }
    service = started;
    api = started.origin;
    pageServer = await serveBlankPage();
    assert.notEqual(new URL(api).origin, pageServer.origin);
    page = await started.browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.goto(pageServer.url);
  });

  /** The tiny seed, and the revisions and signature the calls below name. */
  async function prepareFacts(db: TestDatabase): Promise<void> {
    await seed(db.urls.primary, { size: 'tiny', seed: 11 });
    await db.cluster.waitForReplicas();
    const one = async (sql: string) => {
      const { rows } = await db.primary.query(sql);
      assert.ok(rows[0], sql);
      return rows[0];
    };
    const pushes = await db.primary.query(
      `SELECT p.revision FROM push p WHERE p.repository_id = 1 AND EXISTS
         (SELECT 1 FROM performance_datum d JOIN performance_signature s ON s.id = d.signature_id
          WHERE d.push_id = p.id AND s.framework_id = 1)
       ORDER BY p.time DESC LIMIT 2`,
    );
    facts.newest = pushes.rows[0].revision;
    facts.base = pushes.rows[1].revision;
    facts.nonTip = (
      await one(
        `SELECT c.revision FROM commit c JOIN push p ON p.id = c.push_id
         WHERE p.repository_id = 1 AND c.revision <> p.revision ORDER BY c.id DESC LIMIT 1`,
      )
    ).revision;
    facts.tryRevision = (
      await one('SELECT revision FROM push WHERE repository_id = 4 ORDER BY time DESC LIMIT 1')
    ).revision;
    const signature = await one(
      `SELECT s.id, s.signature_hash, mp.platform FROM performance_signature s
       JOIN machine_platform mp ON mp.id = s.platform_id
       WHERE s.repository_id = 1 AND s.framework_id = 1 AND s.parent_signature_id IS NULL ORDER BY s.id LIMIT 1`,
    );
    facts.signatureId = signature.id;
    facts.signatureHash = signature.signature_hash;
    facts.platform = signature.platform;
  }

  after(async () => {
    await pageServer?.close();
    await service?.close();
  });

  it('every Perfherder page: repositories, frameworks, tags (all non-empty) and the anonymous user', async (t) => {
    if (skip) return t.skip(skip);
    const r = await load([
      '/api/repository/',
      '/api/performance/framework/',
      '/api/performance/tag/',
      '/api/user/',
    ]);
    const repos = nonEmptyArray(r('/api/repository/'));
    for (const repo of repos)
      hasFields(repo, ['id', 'name', 'dvcs_type', 'url', 'is_try_repo', 'tc_root_url'], 'repository');
    assert.deepEqual(
      repos.map((repo) => [repo.id, repo.name]),
      [
        [1, 'mozilla-central'],
        [4, 'try'],
        [6, 'mozilla-beta'],
        [7, 'mozilla-release'],
        [77, 'autoland'],
      ],
    );
    const frameworks = nonEmptyArray(r('/api/performance/framework/'));
    assert.ok(frameworks.some((f) => f.id === 1 && f.name === 'talos'));
    for (const tag of nonEmptyArray(r('/api/performance/tag/'))) hasFields(tag, ['id', 'name'], 'tag');
    assert.deepEqual(r('/api/user/').body, []);
  });

  it('the Alerts page (default view and Monitoring tab): untriaged talos summaries with their alerts', async (t) => {
    if (skip) return t.skip(skip);
    const defaults =
      '/api/performance/alertsummary/?framework=1&page=1&status=0&hide_related_and_invalid=true';
    const monitoring = '/api/performance/alertsummary/?framework=1&page=1&status=0&monitored_alerts=true';
    const r = await load([
      '/api/optioncollectionhash/',
      '/api/performance/issue-tracker/',
      defaults,
      monitoring,
    ]);
    for (const entry of nonEmptyArray(r('/api/optioncollectionhash/'))) {
      hasFields(entry, ['option_collection_hash', 'options'], 'optioncollectionhash');
      hasFields((entry.options as Json[])[0], ['name'], 'option');
    }
    nonEmptyArray(r('/api/performance/issue-tracker/'));
    const page1 = r(defaults).body as { count: number; results: Json[] };
    assert.ok(page1.count >= 3 && page1.results.length > 0, JSON.stringify(page1).slice(0, 200));
    for (const summary of page1.results) {
      hasFields(
        summary,
        [
          'id',
          'repository',
          'framework',
          'alerts',
          'related_alerts',
          'status',
          'revision',
          'prev_push_revision',
          'push_timestamp',
          'assignee_username',
          'performance_tags',
          'issue_tracker',
        ],
        'alert summary',
      );
      assert.deepEqual([summary.framework, summary.status], [1, 0]);
      const alerts = summary.alerts as Json[];
      assert.ok(
        alerts.some((a) => a.status === 0),
        'an untriaged alert the default view keeps',
      );
      for (const alert of alerts) {
        hasFields(
          alert,
          [
            'id',
            'status',
            'series_signature',
            'is_regression',
            'amount_pct',
            'prev_value',
            'new_value',
            'backfill_record',
          ],
          'alert',
        );
        const backfill = alert.backfill_record as Json | null;
        if (backfill) assert.ok((backfill.status as number) <= 4, 'backfill status the UI maps');
      }
      const assignee = summary.assignee_username as string | null;
      if (assignee !== null) assert.match(assignee, /\/(\w+)@/, 'the Assignee component parses the nickname');
    }
    const monitored = r(monitoring).body as { count: number; results: Json[] };
    assert.ok(Array.isArray(monitored.results));
  });

  it('the graphs page: changelog, platforms and signatures over 14 days, then a series with its alerts', async (t) => {
    if (skip) return t.skip(skip);
    const startdate = new Date(Date.now() - TWO_WEEKS * 1000).toISOString().slice(0, 10);
    const changelog = `/api/changelog/?startdate=${startdate}`;
    const platforms = `/api/project/mozilla-central/performance/platforms/?interval=${TWO_WEEKS}&framework=1`;
    const signatures = `/api/project/mozilla-central/performance/signatures/?framework=1&interval=${TWO_WEEKS}&platform=${facts.platform}&subtests=0`;
    const summary = `/api/performance/summary/?repository=mozilla-central&signature=${facts.signatureId}&framework=1&interval=${TWO_WEEKS}&all_data=true&replicates=false`;
    const seriesAlerts = `/api/performance/alertsummary/?alerts__series_signature=${facts.signatureId}&repository=1&limit=30&timerange=${TWO_WEEKS}`;
    const frameworkAlerts = `/api/performance/alertsummary/?framework=1&limit=30&timerange=${TWO_WEEKS}`;
    const r = await load([changelog, platforms, signatures, summary, seriesAlerts, frameworkAlerts]);
    for (const entry of r(changelog).body as Json[]) hasFields(entry, ['date', 'description'], 'changelog');
    assert.ok(Array.isArray(r(changelog).body));
    assert.ok((nonEmptyArray(r(platforms)) as unknown[]).includes(facts.platform));
    const byHash = r(signatures).body as Record<string, Json>;
    assert.ok(Object.keys(byHash).length > 0, 'signatures updated within 14 days');
    for (const s of Object.values(byHash)) {
      hasFields(
        s,
        ['id', 'signature_hash', 'framework_id', 'machine_platform', 'suite', 'option_collection_hash'],
        'signature',
      );
    }
    const [series] = nonEmptyArray(r(summary));
    hasFields(
      series,
      ['signature_id', 'signature_hash', 'framework_id', 'platform', 'suite', 'repository_name', 'data'],
      'series',
    );
    const points = series?.data as Json[];
    assert.ok(points.length > 0, 'points within the default 14 days');
    hasFields(points[0], ['push_timestamp', 'value', 'revision', 'push_id'], 'point');
    for (const url of [seriesAlerts, frameworkAlerts]) hasFields(r(url).body, ['results'], url);
  });

  it('PerfCompare: recent pushes, author and revision search, full-text search, results with its defaults', async (t) => {
    if (skip) return t.skip(skip);
    const recent = '/api/project/try/push/?hide_reviewbot_pushes=true&count=30';
    const author = '/api/project/mozilla-central/push/?author_contains=a';
    const revision = `/api/project/mozilla-central/push/?revision=${facts.newest.slice(0, 12)}`;
    const search = '/api/project/mozilla-central/push/?search=Bug';
    const compare = `/api/perfcompare/results/?base_repository=mozilla-central&base_revision=${facts.base}&new_repository=mozilla-central&new_revision=${facts.newest}&framework=1&no_subtests=true&test_version=mann-whitney-u`;
    const overTime = `/api/perfcompare/results/?base_repository=mozilla-central&new_repository=mozilla-central&new_revision=${facts.newest}&framework=1&interval=86400&no_subtests=true`;
    const r = await load([recent, author, revision, search, compare, overTime]);
    for (const url of [recent, author, revision, search]) {
      const { meta, results } = r(url).body as { meta: Json; results: Json[] };
      hasFields(meta, ['count', 'repository', 'filter_params'], `${url} meta`);
      assert.ok(results.length > 0, url);
      for (const push of results) {
        hasFields(push, ['id', 'revision', 'author', 'push_timestamp', 'repository_id', 'revisions'], url);
        const commits = push.revisions as Json[];
        assert.ok(
          commits.length >= (push.repository_id === 4 ? 2 : 1),
          'PerfCompare reads revisions[0 or 1].comments',
        );
        for (const c of commits) assert.equal(typeof c.comments, 'string');
      }
    }
    assert.equal((r(revision).body as { results: Json[] }).results[0]?.revision, facts.newest);
    for (const url of [compare, overTime]) {
      for (const row of nonEmptyArray(r(url))) {
        hasFields(
          row,
          [
            'header_name',
            'platform',
            'suite',
            'test',
            'base_runs',
            'new_runs',
            'graphs_link',
            'new_rev',
            'is_complete',
            'lower_is_better',
          ],
          url,
        );
      }
    }
    const mwu = nonEmptyArray(r(compare))[0];
    hasFields(
      mwu,
      [
        'base_standard_stats',
        'new_standard_stats',
        'mann_whitney_test',
        'cliffs_delta',
        'direction_of_change',
      ],
      'mann-whitney-u row',
    );
  });

  it('infracompare: the revision lookups, then the jobs of both pushes', async (t) => {
    if (skip) return t.skip(skip);
    const lookup = `/api/project/mozilla-central/push/?full=true&count=10&commit_revision=${facts.nonTip}`;
    const jobs = `/api/infracompare/?project=mozilla-central&interval=86400&revision=${facts.newest}`;
    const r = await load([lookup, jobs]);
    assert.equal((r(lookup).body as { results: Json[] }).results.length, 1);
    for (const job of nonEmptyArray(r(jobs))) {
      hasFields(job, ['id', 'duration', 'job_type__name', 'result'], 'job');
      assert.ok(Number.isInteger(job.duration));
    }
  });

  it('Chromium asks for gzip and gets it: a gzip answer decoded to the same JSON as an identity one', async (t) => {
    if (skip) return t.skip(skip);
    const path = '/api/project/mozilla-central/performance/signatures/';
    const seen = page.waitForResponse((response) => response.url() === `${api}${path}`);
    const [outcome] = await fetchAll(page, [`${api}${path}`]);
    const response = await seen;
    // allHeaders(): what went over the wire, the network stack's Accept-Encoding included.
    assert.match((await response.request().allHeaders())['accept-encoding'] ?? '', /\bgzip\b/);
    const headers = await response.allHeaders();
    assert.equal(headers['content-encoding'], 'gzip');
    assert.match(headers.vary ?? '', /accept-encoding/);
    assert.equal(outcome?.status, 200);
    const identity = await fetch(`${api}${path}`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(identity.headers.get('content-encoding'), null);
    assert.deepEqual(outcome?.body, await identity.json());
  });

  it('an error body is readable cross-origin (the 400 PerfCompare shows), and the console has no CORS error', async (t) => {
    if (skip) return t.skip(skip);
    const [bad] = await fetchAll(page, [`${api}/api/project/mozilla-central/push/?count=abc`]);
    assert.deepEqual(
      [bad?.error, bad?.status, bad?.contentType, bad?.body],
      [null, 400, 'application/json', { detail: 'Valid count value required' }],
    );
    assert.deepEqual(
      consoleErrors.filter((e) => /CORS|Access-Control/i.test(e)),
      [],
    );
  });
});
