/**
 * Nothing a client sends is a 500. Every query parameter of every GET endpoint, and the path parameters of
 * every route, get hostile values: empty, negative, huge (past int4, past bigint), fractions, exponents, text,
 * SQL, unicode, a NUL byte, 5,000 characters, and the key repeated with two values. The parameter list comes
 * from the app itself (its OpenAPI document, i.e. each route's querystring and params schema), so endpoints
 * added later are fuzzed without touching this file; `HAND_READ` lists parameters a handler reads without
 * declaring them. Each value is sent twice: alone, and with every other parameter of the endpoint set to a
 * valid value from the seeded data (`BASELINE`, by parameter name), so that parsing gets past the required
 * parameters and the value reaches the database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { seed } from '../../src/seed/index.ts';
import { withTestDatabase } from '../support/database.ts';
import { buildServiceApp } from '../support/service-app.ts';

const HOSTILE = [
  '',
  ' ',
  '0',
  '-1',
  '-2147483649',
  '2147483648',
  '99999999999999999999',
  '-99999999999999999999',
  '9223372036854775808',
  '1.5',
  '1e400',
  '-0.0',
  'NaN',
  'Infinity',
  'abc',
  "1' OR '1'='1",
  '1; DROP TABLE performance_datum; --',
  'ünïcødé ✓ 𝄞',
  'a\u0000b',
  '%',
  'x'.repeat(5000),
];

/** Parameters a handler reads by hand without declaring them in its schema (method + route path → names). */
const HAND_READ: Readonly<Record<string, readonly string[]>> = {
  'GET /api/project/{project}/push/': [
    ...['fromchange', 'tochange', 'startdate', 'enddate', 'revision', 'commit_revision'],
    ...['push_timestamp__lt', 'push_timestamp__lte', 'push_timestamp__gt', 'push_timestamp__gte'],
    ...['id', 'id__lt', 'id__lte', 'id__gt', 'id__gte', 'id__in'],
    ...['author', 'author_contains', 'hide_reviewbot_pushes', 'count', 'all_repos', 'search'],
  ],
};

interface Operation {
  readonly method: string;
  /** OpenAPI path, `{name}` for path parameters. */
  readonly path: string;
  readonly query: readonly string[];
  readonly pathParams: readonly string[];
}

/** Every operation of the app's OpenAPI document, with its declared (and hand-read) parameters. */
function operations(app: FastifyInstance): Operation[] {
  const doc = app.swagger() as {
    paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
  };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const params = op.parameters ?? [];
      const declared = params.filter((p) => p.in === 'query').map((p) => p.name);
      const extra = HAND_READ[`${method.toUpperCase()} ${path}`] ?? [];
      return {
        method: method.toUpperCase(),
        path,
        query: [...new Set([...declared, ...extra])],
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
      };
    }),
  );
}

const db = await withTestDatabase();

describe('no 5xx for any query or path parameter value', () => {
  let app: FastifyInstance;
  let baseline: Record<string, string>;
  before(async () => {
    await seed(db.urls.primary, { size: 'tiny', seed: 7 });
    await db.cluster.waitForReplicas();
    app = await buildServiceApp(db.urls);
    const one = async (sql: string) => (await db.primary.query(sql)).rows[0] as Record<string, unknown>;
    const sig = await one(
      `SELECT s.id, s.signature_hash, s.framework_id, s.parent_signature_id, r.name AS repository
         FROM performance_signature s JOIN repository r ON r.id = s.repository_id
         JOIN performance_datum d ON d.signature_id = s.id
        WHERE s.parent_signature_id IS NOT NULL ORDER BY s.id LIMIT 1`,
    );
    const datum = await one(
      `SELECT d.job_id, d.push_id, p.revision FROM performance_datum d JOIN push p ON p.id = d.push_id
        WHERE d.signature_id = ${Number(sig.id)} AND d.job_id IS NOT NULL ORDER BY d.id DESC LIMIT 1`,
    );
    const base = await one(
      `SELECT p.revision FROM performance_datum d JOIN push p ON p.id = d.push_id
        WHERE d.signature_id = ${Number(sig.id)} ORDER BY d.id LIMIT 1`,
    );
    const summary = await one(
      'SELECT id, status, framework_id, repository_id FROM performance_alert_summary LIMIT 1',
    );
    const alert = await one('SELECT id, series_signature_id FROM performance_alert LIMIT 1');
    // Valid values by parameter name, whichever endpoint has it.
    baseline = {
      project: String(sig.repository),
      repository: String(sig.repository),
      base_repository: String(sig.repository),
      new_repository: String(sig.repository),
      new_revision: String(datum.revision),
      base_revision: String(base.revision),
      revision: String(datum.revision),
      framework: String(sig.framework_id),
      signature: String(sig.signature_hash),
      signatures: String(sig.signature_hash),
      signature_id: String(sig.id),
      parent_signature: String(sig.parent_signature_id),
      base_parent_signature: String(sig.parent_signature_id),
      new_parent_signature: String(sig.parent_signature_id),
      push_id: String(datum.push_id),
      job_id: String(datum.job_id),
      interval: '31536000',
      timerange: '31536000',
      test_version: 'mann-whitney-u',
      id: String(summary.id),
      status: String(summary.status),
      alerts__series_signature: String(alert.series_signature_id),
    };
  });
  after(() => app?.close());

  it('every query parameter of every GET endpoint, alone and among valid ones', async () => {
    const failures: string[] = [];
    let requests = 0;
    const send = async (url: string) => {
      requests++;
      const res = await app.inject({ method: 'GET', url });
      if (res.statusCode >= 500)
        failures.push(`${res.statusCode} GET ${url.slice(0, 200)} → ${res.body.slice(0, 200)}`);
      else if (res.statusCode >= 400) assert.doesNotThrow(() => res.json(), `a JSON error body for ${url}`);
    };
    const ops = operations(app).filter((op) => op.method === 'GET' && op.query.length > 0);
    assert.ok(ops.length >= 10, `the app declares its query parameters (${ops.length} endpoints)`);
    for (const op of ops) {
      const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
        encodeURIComponent(baseline[name] ?? '1'),
      );
      for (const name of op.query) {
        const others = op.query
          .filter((n) => n !== name && baseline[n] !== undefined)
          .map((n) => `${n}=${encodeURIComponent(baseline[n] ?? '')}`);
        const values = HOSTILE.map((v) => `${name}=${encodeURIComponent(v)}`);
        values.push(`${name}=1&${name}=abc`, `${name}=abc&${name}=99999999999999999999`);
        for (const value of values) {
          await send(`${path}?${value}`);
          if (others.length > 0) await send(`${path}?${[...others, value].join('&')}`);
        }
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${requests} requests answered 5xx`);
  });

  it("an integer past its column's range is a 400 naming the parameter, on every endpoint", async () => {
    const tooBig = (max: string) => [`Ensure this value is less than or equal to ${max}.`];
    const INT4_MAX = '2147483647';
    const cases: [string, string, string][] = [
      // The cases: alert summaries and alerts answered 500.
      ...['id', 'status', 'framework', 'repository', 'alerts__series_signature'].map(
        (name): [string, string, string] => ['/api/performance/alertsummary/', name, INT4_MAX],
      ),
      ['/api/performance/alertsummary/', 'timerange', '100000000000'],
      ['/api/performance/alert/', 'id', INT4_MAX],
      // The same check everywhere else.
      [`/api/project/${baseline.project}/performance/signatures/`, 'id', INT4_MAX],
      [`/api/project/${baseline.project}/performance/signatures/`, 'framework', INT4_MAX],
      [`/api/project/${baseline.project}/performance/platforms/`, 'framework', INT4_MAX],
      [`/api/project/${baseline.project}/performance/data/?signature_id=1&`, 'push_id', INT4_MAX],
      [`/api/project/${baseline.project}/performance/data/`, 'job_id', '9223372036854775807'],
      [`/api/project/${baseline.project}/performance/job-data/`, 'job_id', '9223372036854775807'],
      ['/api/performance/alertsummary-tasks/', 'id', INT4_MAX],
      ['/api/performance/validity-dashboard/', 'framework', INT4_MAX],
      [
        `/api/perfcompare/results/?new_revision=x&base_repository=x&new_repository=x&interval=86400&`,
        'framework',
        INT4_MAX,
      ],
    ];
    for (const [path, name, max] of cases) {
      const url = `${path}${path.endsWith('&') ? '' : '?'}${name}=${BigInt(max) + 1n}`;
      const res = await app.inject(url);
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      assert.deepEqual(res.json(), { [name]: tooBig(max) }, url);
      // The largest value in range is no error (the request may still fail for other reasons).
      const ok = await app.inject(url.replace(`${BigInt(max) + 1n}`, max));
      assert.ok(ok.statusCode < 500 && !(ok.json() as Record<string, unknown>)[name], `${url}: ${ok.body}`);
    }
    const summary = await app.inject(
      `/api/performance/summary/?repository=${baseline.project}&interval=86400&framework=2147483648`,
    );
    assert.deepEqual(summary.json(), { framework: { 0: tooBig(INT4_MAX) } });
  });

  it('every path parameter of every route', async () => {
    const failures: string[] = [];
    for (const op of operations(app).filter((o) => o.pathParams.length > 0)) {
      for (const name of op.pathParams) {
        for (const value of HOSTILE.filter((v) => v !== '')) {
          const path = op.path.replace(/\{(\w+)\}/g, (_, n: string) =>
            encodeURIComponent(n === name ? value : (baseline[n] ?? '1')),
          );
          const method = op.method as 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
          // Writes without credentials: whatever the id, a 401, never a 500.
          const res = await app.inject(
            method === 'GET' || method === 'DELETE'
              ? { method, url: path }
              : { method, url: path, payload: {} },
          );
          if (res.statusCode >= 500)
            failures.push(`${res.statusCode} ${op.method} ${path.slice(0, 200)} → ${res.body.slice(0, 200)}`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });
});
