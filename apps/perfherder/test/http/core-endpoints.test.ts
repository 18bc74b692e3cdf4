/**
 * The Treeherder core endpoints other than the push API (treeherder-core-api.md sections 2, 3, 5, 6 and
 * 7) on a real primary and replica: shapes, filters, errors, writes refused, and where each one reads.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CapturedQuery, captureQueries } from 'replica-router/testing';
import {
  insertJob,
  insertOptionCollection,
  insertPush,
  insertRepository,
  testRepository,
  testSheriff,
  testUser,
  type UserWithToken,
} from '../fixtures/index.ts';
import { type ServiceApp, startServiceApp } from '../support/service-app.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('Treeherder core endpoints', () => {
  let app: ServiceApp['app'];
  let db: ServiceApp['db'];
  let close: ServiceApp['close'] | undefined;
  let user: UserWithToken;
  let sheriff: UserWithToken;
  const revision = 'a'.repeat(40);
  const now = Date.now();

  const where = (queries: readonly CapturedQuery[]) => [...new Set(queries.map((q) => q.alias))];
  async function call(url: string, token?: string) {
    const { result, queries } = await captureQueries(() =>
      app.inject({ url, headers: token ? { authorization: `Bearer ${token}` } : {} }),
    );
    return {
      status: result.statusCode,
      body: result.json(),
      headers: result.headers,
      aliases: where(queries),
    };
  }

  before(async () => {
    ({ app, db, close } = await startServiceApp());
    await db.reset();
    const central = await testRepository(db.primary);
    await insertRepository(db.primary, { id: 2, name: 'mozilla-inbound', active_status: 'onhold' });
    await insertRepository(db.primary, {
      id: 77,
      name: 'autoland',
      repository_group_id: 2,
      life_cycle_order: 5,
      description: 'The destination for automatically landed Firefox commits.',
    });
    await insertOptionCollection(db.primary, 'opt', '102210fe594ee9b33d82058545b1ed14f4c8206e');
    await insertOptionCollection(db.primary, 'debug', '32faaecac742100f7753f0c1d0aa0add01b4046b');
    await insertOptionCollection(db.primary, 'asan', '32faaecac742100f7753f0c1d0aa0add01b4046b');
    user = await testUser(db.primary);
    sheriff = await testSheriff(db.primary);
    await db.primary.query('UPDATE auth_user SET is_superuser = true WHERE id = $1', [sheriff.id]);

    const push = await insertPush(db.primary, {
      repository_id: central.id,
      revision,
      time: new Date(now - 2 * HOUR),
    });
    const job = (name: string, startAgoMs: number, seconds: number, result = 'success') =>
      insertJob(db.primary, {
        repositoryId: central.id,
        pushId: push.id,
        jobType: { name, symbol: name.slice(-3) },
        result,
        startTime: new Date(now - startAgoMs),
        endTime: new Date(now - startAgoMs + seconds * 1000 + 999),
      });
    await job('test-linux1804-64/opt-mochitest-1', HOUR, 1830);
    await job('test-linux1804-64/opt-mochitest-2', 3 * DAY, 95, 'testfailed');

    const entry = async (remoteId: string, date: Date, files: string[]) => {
      const { rows } = await db.primary.query(
        `INSERT INTO changelog_entry (remote_id, type, date, author, owner, project, project_url, message, description, url)
         VALUES ($1, 'commit', $2, 'tarek', 'mozilla', 'gecko-dev', 'https://github.com/mozilla/gecko-dev', 'commit', '', 'http://example.com/some/url')
         RETURNING id`,
        [remoteId, date],
      );
      for (const name of files) {
        await db.primary.query('INSERT INTO changelog_file (changelog_id, name) VALUES ($1, $2)', [
          rows[0].id,
          name,
        ]);
      }
    };
    await entry('old', new Date(now - 20 * DAY), ['x']);
    await entry('recent', new Date('2026-08-20T09:14:03.250Z'), []);
    await entry('newest', new Date(now - HOUR), ['file1', 'file2', 'file3']);
    await db.primary.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await db.cluster.waitForReplicas();
  });
  after(() => close?.());

  it('/api/repository/: active repositories by id, the reference keys, from the replica; detail and its 404s', async () => {
    const list = await call('/api/repository/');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.map((r: { id: number }) => r.id),
      [1, 77],
      'on-hold repositories are hidden',
    );
    assert.deepEqual(Object.keys(list.body[1]), [
      'id',
      'repository_group',
      'name',
      'dvcs_type',
      'url',
      'codebase',
      'description',
      'active_status',
      'life_cycle_order',
      'performance_alerts_enabled',
      'expire_performance_data',
      'is_try_repo',
      'tc_root_url',
      'accepts_pull_requests',
    ]);
    assert.deepEqual(list.body[0].repository_group, {
      name: 'development',
      description: 'Collection of repositories where code initially lands in the development process',
    });
    assert.equal(list.body[1].life_cycle_order, 5);
    assert.equal(list.body[0].life_cycle_order, null);
    assert.ok(!('branch' in list.body[0]));
    assert.deepEqual(list.aliases, ['read_replica']);

    const one = await call('/api/repository/77/');
    assert.deepEqual([one.status, one.body.name, one.aliases], [200, 'autoland', ['read_replica']]);
    assert.deepEqual((await call('/api/repository/2/')).body, {
      detail: 'No Repository matches the given query.',
    });
    assert.deepEqual((await call('/api/repository/99999999999/')).body, {
      detail: 'No Repository matches the given query.',
    });
    const bad = await call('/api/repository/abc/');
    assert.deepEqual([bad.status, bad.body], [404, { detail: 'Not found.' }]);
  });

  it('/api/optioncollectionhash/: one entry per hash with its option names, from the replica', async () => {
    const res = await call('/api/optioncollectionhash/');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, [
      { option_collection_hash: '102210fe594ee9b33d82058545b1ed14f4c8206e', options: [{ name: 'opt' }] },
      {
        option_collection_hash: '32faaecac742100f7753f0c1d0aa0add01b4046b',
        options: [{ name: 'debug' }, { name: 'asan' }],
      },
      // Created by the job fixture's reference data.
      { option_collection_hash: 'my_option_hash', options: [{ name: 'my_option' }] },
    ]);
    assert.deepEqual(res.aliases, ['read_replica']);
    const missing = await app.inject('/api/optioncollectionhash/x/');
    assert.deepEqual([missing.statusCode, missing.json()], [404, { detail: 'Not found.' }]);
  });

  it("/api/user/: [] anonymous, the caller's own row with a token, 401 for a bad token; on the primary", async () => {
    const anonymous = await call('/api/user/');
    assert.deepEqual([anonymous.status, anonymous.body], [200, []]);
    const own = await call('/api/user/', sheriff.token);
    assert.deepEqual(own.body, [
      { username: 'testsheriff1', is_superuser: true, is_staff: true, email: 'sheriff@foo.com' },
    ]);
    assert.deepEqual(Object.keys(own.body[0] as object), ['username', 'is_superuser', 'is_staff', 'email']);
    assert.deepEqual(own.aliases, ['default']);
    assert.deepEqual((await call(`/api/user/${user.id}/`, user.token)).body.username, 'testuser1');
    assert.deepEqual((await call(`/api/user/${sheriff.id}/`, user.token)).body, {
      detail: 'No User matches the given query.',
    });
    assert.deepEqual((await call(`/api/user/${user.id}/`)).status, 404);
    const bad = await call('/api/user/', 'phb_nope');
    assert.deepEqual([bad.status, bad.body], [401, { detail: 'Invalid token.' }]);
  });

  it('/api/changelog/: the last 15 days by default, oldest first, with files; date bounds; 400 for a malformed date; primary', async () => {
    const recent = await call('/api/changelog/');
    assert.equal(recent.status, 200);
    assert.deepEqual(
      recent.body.map((e: { remote_id: string }) => e.remote_id),
      ['newest'],
    );
    assert.deepEqual(Object.keys(recent.body[0]), [
      'id',
      'remote_id',
      'date',
      'author',
      'message',
      'description',
      'owner',
      'project',
      'project_url',
      'type',
      'url',
      'files',
    ]);
    assert.deepEqual(recent.body[0].files, ['file1', 'file2', 'file3']);
    assert.deepEqual(recent.aliases, ['default']);

    const window = await call('/api/changelog/?startdate=2026-08-20&enddate=2026-08-20T09:14:04');
    assert.deepEqual(window.body, [
      {
        id: 2,
        remote_id: 'recent',
        date: '2026-08-20T09:14:03.250000',
        author: 'tarek',
        message: 'commit',
        description: '',
        owner: 'mozilla',
        project: 'gecko-dev',
        project_url: 'https://github.com/mozilla/gecko-dev',
        type: 'commit',
        url: 'http://example.com/some/url',
        files: [],
      },
    ]);
    assert.deepEqual(
      (await call('/api/changelog/?startdate=2026-08-20&enddate=2026-08-20')).body,
      [],
      'a bare enddate is midnight',
    );
    const all = await call('/api/changelog/?startdate=2000-01-01');
    assert.deepEqual(
      all.body.map((e: { remote_id: string }) => e.remote_id),
      Object.entries({
        old: now - 20 * DAY,
        newest: now - HOUR,
        recent: Date.parse('2026-08-20T09:14:03.250Z'),
      })
        .sort((a, b) => a[1] - b[1])
        .map(([name]) => name),
    );
    const bad = await call('/api/changelog/?startdate=last-week');
    assert.deepEqual([bad.status, bad.body], [400, { startdate: ['Enter a valid date/time.'] }]);
  });

  it('/api/infracompare/: jobs of a revision or a window with whole-second durations, from the replica; field errors', async () => {
    const byRevision = await call(
      `/api/infracompare/?project=mozilla-central&interval=86400&revision=${revision}`,
    );
    assert.equal(byRevision.status, 200);
    assert.deepEqual(
      byRevision.body.map((j: { job_type__name: string; duration: number; result: string }) => [
        j.job_type__name,
        j.duration,
        j.result,
      ]),
      [
        ['test-linux1804-64/opt-mochitest-1', 1830, 'success'],
        ['test-linux1804-64/opt-mochitest-2', 95, 'testfailed'],
      ],
    );
    assert.deepEqual(Object.keys(byRevision.body[0]), ['id', 'duration', 'job_type__name', 'result']);
    assert.deepEqual(byRevision.aliases, ['read_replica']);
    assert.deepEqual(
      (await call(`/api/infracompare/?project=mozilla-central&revision=${'b'.repeat(40)}`)).body,
      [],
    );

    const byInterval = await call('/api/infracompare/?project=mozilla-central&interval=86400');
    assert.deepEqual(
      byInterval.body.map((j: { duration: number }) => j.duration),
      [1830],
    );
    const start = new Date(now - 4 * DAY).toISOString().slice(0, 19);
    const end = new Date(now - 2 * DAY).toISOString().slice(0, 19);
    const byRange = await call(`/api/infracompare/?project=mozilla-central&startday=${start}&endday=${end}`);
    assert.deepEqual(
      byRange.body.map((j: { duration: number }) => j.duration),
      [95],
    );

    const cases: [string, unknown][] = [
      ['interval=1', { project: ['This field is required.'] }],
      ['project=nope&interval=1', { project: ['nope does not exist.'] }],
      ['project=mozilla-central&revision=', { revision: ['This field may not be blank.'] }],
      ['project=mozilla-central&interval=soon', { interval: ['A valid integer is required.'] }],
      [
        'project=mozilla-central&startday=yesterday&endday=2026-01-01',
        {
          startday: [
            'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
          ],
        },
      ],
      [
        'project=mozilla-central',
        { non_field_errors: ['Required: revision, startday and endday, or interval.'] },
      ],
      [
        'project=mozilla-central&startday=2026-01-01',
        { non_field_errors: ['Required: revision, startday and endday, or interval.'] },
      ],
      [
        'project=mozilla-central&interval=60&endday=2026-01-01',
        { non_field_errors: ['startday and endday must be given together.'] },
      ],
    ];
    for (const [query, body] of cases) {
      const res = await call(`/api/infracompare/?${query}`);
      assert.deepEqual([res.status, res.body], [400, body], query);
    }
  });

  it("the servers agree: the four model endpoints' statements ran on the replica, user and changelog on the primary", async () => {
    const statements = async (server: 'primary' | 'replica') => {
      const node = server === 'primary' ? db.cluster.primary : db.cluster.replicas[0];
      const rows = await node!.query<{ query: string; calls: string }>(
        `SELECT query, calls FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND query NOT ILIKE '%pg_stat_statements%'
           AND query NOT LIKE '%replica-router probe%'`,
        [],
        'perfherder',
      );
      return rows.map((r) => r.query);
    };
    const reset = async () => {
      await db.cluster.primary.query('SELECT pg_stat_statements_reset()', [], 'perfherder');
      await db.cluster.replicas[0]!.query('SELECT pg_stat_statements_reset()', [], 'perfherder');
    };
    await reset();
    for (const url of [
      '/api/repository/',
      '/api/optioncollectionhash/',
      `/api/project/mozilla-central/push/?commit_revision=${revision}`,
      `/api/infracompare/?project=mozilla-central&revision=${revision}`,
    ]) {
      assert.equal((await app.inject(url)).statusCode, 200, url);
    }
    const onReplica = await statements('replica');
    assert.ok(
      onReplica.some((q) => /FROM repository r JOIN repository_group/.test(q)),
      onReplica.join('\n'),
    );
    assert.ok(onReplica.some((q) => /FROM option_collection/.test(q)));
    assert.ok(onReplica.some((q) => /FROM commit c/.test(q)));
    assert.ok(onReplica.some((q) => /FROM job j JOIN job_type/.test(q)));
    assert.deepEqual(await statements('primary'), []);

    await reset();
    for (const url of ['/api/user/', '/api/changelog/'])
      assert.equal(
        (await app.inject({ url, headers: { authorization: `Bearer ${user.token}` } })).statusCode,
        200,
      );
    const onPrimary = await statements('primary');
    assert.ok(
      onPrimary.some((q) => /FROM auth_user/.test(q)) &&
        onPrimary.some((q) => /FROM changelog_entry/.test(q)),
      onPrimary.join('\n'),
    );
    assert.deepEqual(await statements('replica'), []);
  });

  it('writes on these read-only endpoints: 401 anonymous, 405 with a token; OPTIONS lists only the read methods', async () => {
    for (const url of [
      '/api/repository/',
      '/api/repository/1/',
      '/api/optioncollectionhash/',
      '/api/project/mozilla-central/push/',
      '/api/user/',
      '/api/changelog/',
      '/api/infracompare/',
    ]) {
      const anonymous = await app.inject({ method: 'POST', url, payload: {} });
      assert.deepEqual(
        [anonymous.statusCode, anonymous.json(), anonymous.headers['www-authenticate']],
        [401, { detail: 'Authentication credentials were not provided.' }, 'Bearer'],
        url,
      );
      const authenticated = await app.inject({
        method: 'DELETE',
        url,
        headers: { authorization: `Bearer ${user.token}` },
      });
      assert.deepEqual(
        [authenticated.statusCode, authenticated.json(), authenticated.headers.allow],
        [405, { detail: 'Method "DELETE" not allowed.' }, 'GET, HEAD, OPTIONS'],
        url,
      );
      const options = await app.inject({ method: 'OPTIONS', url });
      assert.equal(options.headers.allow, 'GET, HEAD, OPTIONS', url);
    }
  });
});
