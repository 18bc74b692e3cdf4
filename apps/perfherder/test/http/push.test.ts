/**
 * `/api/project/{project}/push/` list and detail (treeherder-core-api.md section 4) against a real
 * primary and replica: every filter the clients send, the meta envelope, ordering, the 4xx answers that
 * replace the reference's 500s, and full-text search over commits inserted after the migration.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { captureQueries } from 'replica-router/testing';
import { insertRepository, testRepository, tryRepository } from '../fixtures/index.ts';
import { type ServiceApp, startServiceApp } from '../support/service-app.ts';

/** 2025-02-17T00:00:00Z, the reference test's startdate. */
const BASE = 1_739_750_400;
const DAY = 86_400;

/** A 40-hex revision starting with `prefix`. */
const rev = (prefix: string) => prefix.padEnd(40, '0');
/** The revision of a push's `i`-th commit (other than its tip). */
const commitRev = (pushId: number, i: number) =>
  rev(`c${pushId.toString(16).padStart(4, '0')}${i.toString(16).padStart(4, '0')}`);

interface SeedPush {
  readonly repo: number;
  readonly revision: string;
  readonly author: string;
  readonly time: number;
  /** Commit messages, oldest first; the last commit gets the push revision. */
  readonly messages: readonly string[];
}

describe('push list and detail', () => {
  let app: ServiceApp['app'];
  let db: ServiceApp['db'];
  let close: ServiceApp['close'] | undefined;
  /** mozilla-central push ids by revision. */
  const ids = new Map<string, number>();
  let tryPushId = 0;

  const get = async (url: string) => {
    const res = await app.inject(url);
    return { status: res.statusCode, body: res.json(), type: res.headers['content-type'] };
  };
  const list = (query = '') => get(`/api/project/mozilla-central/push/${query ? `?${query}` : ''}`);
  const revisionsOf = (body: { results: { revision: string }[] }) => body.results.map((p) => p.revision);

  async function insertPush(p: SeedPush): Promise<number> {
    const { rows } = await db.primary.query(
      'INSERT INTO push (repository_id, revision, author, time) VALUES ($1, $2, $3, to_timestamp($4)) RETURNING id',
      [p.repo, p.revision, p.author, p.time],
    );
    const id = rows[0].id as number;
    for (const [i, message] of p.messages.entries()) {
      const last = i === p.messages.length - 1;
      await db.primary.query(
        'INSERT INTO commit (push_id, revision, author, comments) VALUES ($1, $2, $3, $4)',
        [id, last ? p.revision : commitRev(id, i), `Someone <${p.author}>`, message],
      );
    }
    if (p.repo === 1) ids.set(p.revision, id);
    else tryPushId = id;
    return id;
  }

  before(async () => {
    ({ app, db, close } = await startServiceApp());
    await db.reset();
    const central = await testRepository(db.primary);
    const tryRepo = await tryRepository(db.primary);
    await insertRepository(db.primary, { id: 77, name: 'autoland' });
    const pushes: SeedPush[] = [
      {
        repo: central.id,
        revision: rev('a1'),
        author: 'alice@mozilla.com',
        time: BASE + 3600,
        messages: ['Bug 1 - Speed up the tokenizer r=bob', 'Bug 1 - Tidy up'],
      },
      {
        repo: central.id,
        revision: rev('b2'),
        author: 'bob@mozilla.com',
        time: BASE + DAY + 100,
        messages: ['Bug 2 - Fix'],
      },
      {
        repo: central.id,
        revision: rev('c3'),
        author: 'reviewbot',
        time: BASE + 2 * DAY,
        messages: ['Lint'],
      },
      {
        repo: central.id,
        revision: rev('dead1'),
        author: 'Alice@Mozilla.com',
        time: BASE + 3 * DAY + 5,
        messages: ['Bug 4 - Cache style data r=emilio'],
      },
      {
        repo: central.id,
        revision: rev('dead2'),
        author: 'carol@mozilla.com',
        time: BASE + 4 * DAY,
        messages: ['Bug 5'],
      },
      // Same time as the previous one: the tie is broken by id, newest first.
      {
        repo: central.id,
        revision: rev('e5'),
        author: 'carol@mozilla.com',
        time: BASE + 4 * DAY,
        messages: ['Bug 6'],
      },
      {
        repo: central.id,
        revision: rev('f6'),
        author: 'dave@mozilla.com',
        time: BASE + 5 * DAY,
        messages: Array.from({ length: 25 }, (_, i) => `Bug 7 - Part ${i + 1}`),
      },
      {
        repo: tryRepo.id,
        revision: rev('a1'),
        author: 'alice@mozilla.com',
        time: BASE + 6 * DAY,
        messages: ['x', 'try_task_config'],
      },
    ];
    for (const p of pushes) await insertPush(p);
    await db.cluster.waitForReplicas();
  });
  after(() => close?.());

  it('lists newest first (time, then id) with the reference meta, each push in the reference shape, from the replica', async () => {
    const { result, queries } = await captureQueries(() => app.inject('/api/project/mozilla-central/push/'));
    assert.equal(result.statusCode, 200);
    assert.equal(result.headers['content-type'], 'application/json');
    const body = result.json();
    assert.deepEqual(Object.keys(body), ['meta', 'results']);
    assert.deepEqual(body.meta, { count: 7, repository: 'mozilla-central', filter_params: {} });
    assert.deepEqual(revisionsOf(body), ['f6', 'e5', 'dead2', 'dead1', 'c3', 'b2', 'a1'].map(rev));
    const [f6] = body.results;
    assert.deepEqual(Object.keys(f6), [
      'id',
      'revision',
      'author',
      'branch',
      'revisions',
      'revision_count',
      'push_timestamp',
      'repository_id',
    ]);
    assert.equal(f6.push_timestamp, BASE + 5 * DAY);
    assert.equal(f6.branch, null);
    assert.equal(f6.revision_count, 25);
    assert.equal(f6.revisions.length, 20, 'at most 20 commits');
    assert.equal(f6.revisions[0].revision, rev('f6'), 'newest commit (the tip) first');
    assert.equal(f6.revisions[0].comments, 'Bug 7 - Part 25');
    assert.deepEqual(Object.keys(f6.revisions[0]), [
      'result_set_id',
      'repository_id',
      'revision',
      'author',
      'comments',
    ]);
    assert.equal(f6.revisions[0].result_set_id, f6.id);
    assert.ok(
      queries.length > 0 && queries.every((q) => q.alias === 'read_replica'),
      JSON.stringify(queries),
    );
  });

  it("PerfCompare's calls: recent pushes without reviewbot, author_contains, revision prefix and full revision", async () => {
    const recent = await list('hide_reviewbot_pushes=true&count=30');
    assert.deepEqual(recent.body.meta, {
      count: 6,
      repository: 'mozilla-central',
      filter_params: { hide_reviewbot_pushes: 'true', count: '30' },
    });
    assert.ok(!recent.body.results.some((p: { author: string }) => p.author === 'reviewbot'));

    const byAuthor = await list('author_contains=ALICE');
    assert.deepEqual(revisionsOf(byAuthor.body), [rev('dead1'), rev('a1')]);

    const short = await list('revision=dead');
    assert.deepEqual(revisionsOf(short.body), [rev('dead2'), rev('dead1')]);
    assert.deepEqual(short.body.meta, {
      revision: 'dead',
      count: 2,
      repository: 'mozilla-central',
      filter_params: { revisions_short_revision: 'dead' },
    });
    const full = await list(`revision=${rev('b2')}`);
    assert.deepEqual(revisionsOf(full.body), [rev('b2')]);
    assert.deepEqual(full.body.meta.filter_params, { revisions_long_revision: rev('b2') });
    assert.deepEqual((await list('revision=DEAD')).body.results, [], 'prefixes are case-sensitive');
  });

  it("Perfherder infracompare's call: commit_revision finds the push of any of its commits", async () => {
    const nonTip = commitRev(ids.get(rev('a1')) as number, 0);
    const { body } = await list(`full=true&count=10&commit_revision=${nonTip}`);
    assert.deepEqual(revisionsOf(body), [rev('a1')]);
    assert.deepEqual(body.meta.commit_revision, nonTip);
    assert.deepEqual(body.meta.filter_params, { full: 'true', count: '10' });
  });

  it('startdate/enddate: whole UTC days, enddate inclusive, reported as push_timestamp__gte/__lt', async () => {
    const { body } = await list('startdate=2025-02-17&enddate=2025-02-18');
    assert.deepEqual(Object.keys(body.meta), [
      'startdate',
      'enddate',
      'count',
      'repository',
      'filter_params',
    ]);
    assert.deepEqual(body.meta.filter_params, {
      push_timestamp__gte: 1_739_750_400,
      push_timestamp__lt: 1_739_923_200,
    });
    // Up to and including 2025-02-19T00:00:00, as the reference's `time <= next midnight`.
    assert.deepEqual(revisionsOf(body), [rev('c3'), rev('b2'), rev('a1')]);
  });

  it('fromchange/tochange by revision prefix; timestamps; ids; author exact, negated; last values of repeated keys', async () => {
    const range = await list('fromchange=b2&tochange=dead1');
    assert.deepEqual(revisionsOf(range.body), [rev('dead1'), rev('c3'), rev('b2')]);
    assert.deepEqual(range.body.meta.filter_params, {
      push_timestamp__gte: BASE + DAY + 100,
      push_timestamp__lte: BASE + 3 * DAY + 5,
    });
    const ts = await list(`push_timestamp__gt=${BASE + 2 * DAY}&push_timestamp__lte=${BASE + 4 * DAY}.0`);
    assert.deepEqual(revisionsOf(ts.body), [rev('e5'), rev('dead2'), rev('dead1')]);
    const a1 = ids.get(rev('a1')) as number;
    const b2 = ids.get(rev('b2')) as number;
    assert.deepEqual(revisionsOf((await list(`id__lte=${b2}&id__gt=0`)).body), [rev('b2'), rev('a1')]);
    assert.deepEqual(revisionsOf((await list(`id=${a1}`)).body), [rev('a1')]);
    assert.deepEqual(revisionsOf((await list(`id__in=${a1},${b2},2147483647`)).body), [rev('b2'), rev('a1')]);
    assert.deepEqual(revisionsOf((await list('id=0&count=2')).body).length, 2, 'id=0 is ignored');
    assert.deepEqual(revisionsOf((await list('author=ALICE@mozilla.com')).body), [rev('dead1'), rev('a1')]);
    assert.equal((await list('author=-carol@mozilla.com')).body.meta.count, 5);
    assert.deepEqual(revisionsOf((await list('count=5&count=1')).body), [rev('f6')]);
  });

  it('all_repos lists every repository (meta.repository "all"), even for an unknown project', async () => {
    const { body } = await get('/api/project/nope/push/?all_repos=1&count=2');
    assert.equal(body.meta.repository, 'all');
    assert.deepEqual(
      body.results.map((p: { repository_id: number }) => p.repository_id),
      [4, 1],
    );
  });

  it('search: words of any commit (stemmed), author or revision substrings; combined with other filters, both apply', async () => {
    assert.deepEqual(
      revisionsOf((await list('search=tokenizers')).body),
      [rev('a1')],
      'a non-tip commit matched',
    );
    assert.deepEqual(revisionsOf((await list('search=CAROL')).body), [rev('e5'), rev('dead2')]);
    assert.deepEqual(revisionsOf((await list('search=ead')).body), [rev('dead2'), rev('dead1')]);
    assert.deepEqual(revisionsOf((await list('search=carol&revision=dead')).body), [rev('dead2')]);
    assert.deepEqual(revisionsOf((await list('search=carol&count=1')).body), [rev('e5')]);
    // A commit added now (the reference's stored vector would miss it): found at once.
    const b2 = ids.get(rev('b2'));
    await db.primary.query(
      "INSERT INTO commit (push_id, revision, author, comments) VALUES ($1, $2, 'x <x@y>', 'Bug 8 - Rewrite the compositor')",
      [b2, rev('b2c')],
    );
    await db.cluster.waitForReplicas();
    assert.deepEqual(revisionsOf((await list('search=compositor')).body), [rev('b2')]);
  });

  it('count: default 10, validated last; the 4xx bodies of the reference', async () => {
    const cases: [string, number, unknown][] = [
      ['count=abc', 400, { detail: 'Valid count value required' }],
      ['count=', 400, { detail: 'Valid count value required' }],
      ['count=1001', 400, { detail: 'Specified count exceeds api limit: 1000' }],
      ['count=0', 400, { detail: 'count requires a positive integer, not: 0' }],
      ['count=abc&id__lt=x', 400, { detail: 'Invalid integer specified for id__lt' }],
      ['count=abc&fromchange=999', 400, { detail: 'Unknown revision 999 in mozilla-central for fromchange' }],
      ['tochange=dead', 400, { detail: 'Ambiguous revision dead in mozilla-central for tochange' }],
      ['all_repos=1&fromchange=a1', 400, { detail: 'fromchange cannot be combined with all_repos' }],
      ['id__in=1,x', 400, { detail: 'Invalid id__in specification' }],
      // Past the integer column: the one range check of every endpoint (http/integer-param.ts).
      ['id__in=1,99999999999', 400, { id__in: ['Ensure this value is less than or equal to 2147483647.'] }],
      ['id=', 400, { detail: 'Invalid integer specified for id' }],
      ['push_timestamp__lt=soon', 400, { detail: 'Invalid timestamp specified for push_timestamp__lt' }],
      ['push_timestamp__gte=inf', 400, { detail: 'Invalid timestamp specified for push_timestamp__gte' }],
      ['push_timestamp__gte=1e20', 400, { detail: 'Invalid timestamp specified for push_timestamp__gte' }],
      ['startdate=2025-02-30', 400, { startdate: ['Enter a valid date (YYYY-MM-DD).'] }],
      ['enddate=yesterday', 400, { enddate: ['Enter a valid date (YYYY-MM-DD).'] }],
    ];
    for (const [query, status, body] of cases) {
      const res = await list(query);
      assert.deepEqual([res.status, res.body, res.type], [status, body, 'application/json'], query);
    }
    const unknown = await get('/api/project/nope/push/');
    assert.deepEqual([unknown.status, unknown.body], [404, { detail: 'No project with name nope' }]);
  });

  it('detail: the push object; a bare JSON string 404 for another repository, an unknown project or a non-integer id', async () => {
    const id = ids.get(rev('b2'));
    const ok = await get(`/api/project/mozilla-central/push/${id}/`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.revision, rev('b2'));
    assert.equal(ok.body.revision_count, ok.body.revisions.length);
    for (const url of [
      `/api/project/mozilla-central/push/${tryPushId}/`,
      `/api/project/nope/push/${id}/`,
      '/api/project/mozilla-central/push/abc/',
    ]) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.headers['content-type'], 'application/json');
      assert.equal(res.body, JSON.stringify(`No push with id: ${url.split('/').at(-2)}`));
    }
  });
});
