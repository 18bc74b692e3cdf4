// The Fastify opt-in (the reference's ReadReplicaMixin), through inject() against a real cluster.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ReplicaNode } from 'pg-devcluster';
import { readReplicaPlugin } from '../src/http/fastify.ts';
import { currentScope, type RequestScope, type RoutedPool } from '../src/index.ts';
import { exceptionType } from '../src/pool/fallback-error.ts';
import { type CapturedQuery, captureQueries } from '../src/testing/index.ts';
import {
  nonZero,
  type RoutingCluster,
  readmitted,
  type ServedBy,
  startRoutingCluster,
  WHERE,
} from './support/routing-cluster.ts';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

const DEBUG = 20;
const WARN = 40;

let rc: RoutingCluster;
let replica: ReplicaNode;
let primaryPort: number;
let replicaPort: number;

before(async () => {
  rc = await startRoutingCluster();
  replica = rc.cluster.replicas[0]!;
  primaryPort = rc.cluster.primary.port;
  replicaPort = replica.port;
});
after(() => rc?.stop());

interface TestApp {
  readonly app: FastifyInstance;
  readonly lines: LogLine[];
  /** The scope each handler call saw (undefined when none). */
  readonly scopes: (RequestScope | undefined)[];
  /** Handler calls. */
  calls: number;
  /** Statements each call of /late leaves behind, resolved after the response. */
  late: Promise<ServedBy> | undefined;
  releaseLate: () => void;
}

async function buildApp(pool: RoutedPool): Promise<TestApp> {
  const lines: LogLine[] = [];
  const app = Fastify({
    logger: {
      level: 'debug',
      stream: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
    },
  });
  let releaseLate!: () => void;
  const gate = new Promise<void>((resolve) => {
    releaseLate = resolve;
  });
  const t: TestApp = { app, lines, scopes: [], calls: 0, late: undefined, releaseLate };
  await app.register(readReplicaPlugin, { pool });

  const served = async (reply: { header(k: string, v: string): unknown }) => {
    t.calls++;
    t.scopes.push(currentScope());
    const { rows } = await pool.query<ServedBy & { n: number }>(
      `SELECT ${WHERE}, count(*)::int AS n FROM performance_framework`,
    );
    // A second statement: after a fallback it must stay on the primary without a second WARN.
    const second = await pool.query<ServedBy>(`SELECT ${WHERE} FROM repository LIMIT 1`);
    const row = rows[0]!;
    reply.header('x-in-recovery', String(row.in_recovery));
    reply.header('x-server-port', String(row.server_port));
    return { ...row, second: second.rows[0] };
  };
  const opted = { config: { readReplica: true } };
  app.get('/opted', opted, (_req, reply) => served(reply));
  app.post('/opted', opted, (_req, reply) => served(reply));
  app.options('/opted', opted, (_req, reply) => served(reply));
  app.delete('/opted', opted, (_req, reply) => served(reply));
  app.get('/plain', (_req, reply) => served(reply));
  app.get('/opted/boom', opted, async () => {
    t.calls++;
    t.scopes.push(currentScope());
    // Read-only and allow-listed, so it is routed; it fails wherever it runs.
    return (await pool.query(`SELECT 1 / (count(*) - count(*)) AS boom FROM performance_framework`)).rows;
  });
  app.get('/opted/terminate', opted, async () => {
    t.calls++;
    t.scopes.push(currentScope());
    // An operational error (57P01) raised by the primary itself.
    return (await pool.query('SELECT pg_terminate_backend(pg_backend_pid())')).rows;
  });
  app.get('/opted/late', opted, async () => {
    t.scopes.push(currentScope());
    t.late = gate.then(async () => (await pool.query<ServedBy>(`SELECT ${WHERE}`)).rows[0]!);
    return (await pool.query<ServedBy>(`SELECT ${WHERE}`)).rows[0];
  });
  await app.ready();
  return t;
}

function routingLines(lines: readonly LogLine[]): LogLine[] {
  return lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('db_routing'));
}

const apps: FastifyInstance[] = [];
async function appFor(pool: RoutedPool): Promise<TestApp> {
  const t = await buildApp(pool);
  apps.push(t.app);
  return t;
}
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

describe('opted-in routes', () => {
  test('GET is served by the replica and logs the DEBUG line exactly once', async () => {
    const t = await appFor(rc.makePool());
    const res = await t.app.inject({ method: 'GET', url: '/opted?repository=autoland&interval=86400' });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual(
      { in_recovery: body.in_recovery, server_port: body.server_port },
      {
        in_recovery: true,
        server_port: replicaPort,
      },
    );
    assert.equal(body.n, 3);
    assert.deepEqual(body.second, { in_recovery: true, server_port: replicaPort });
    const routed = routingLines(t.lines);
    assert.equal(routed.length, 1, JSON.stringify(routed));
    assert.equal(routed[0]?.msg, 'db_routing routed_to=read_replica path=/opted method=GET');
    assert.equal(routed[0]?.level, DEBUG);
    assert.equal(routed[0]?.routed_to, 'read_replica');
    assert.equal(routed[0]?.path, '/opted');
    assert.equal(routed[0]?.method, 'GET');
    assert.equal(t.scopes[0]?.useReplica, true);
  });

  test('POST on the same route runs on the primary, with no DEBUG line and no flag', async () => {
    const t = await appFor(rc.makePool());
    const res = await t.app.inject({ method: 'POST', url: '/opted', payload: { x: 1 } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().in_recovery, false);
    assert.equal(res.json().server_port, primaryPort);
    assert.deepEqual(routingLines(t.lines), []);
    // At read_your_writes the request has a scope (its writes earn a token), but never the replica flag.
    assert.equal(t.scopes[0]?.useReplica, false);
  });

  test('DELETE on the same route runs on the primary too', async () => {
    const t = await appFor(rc.makePool());
    const res = await t.app.inject({ method: 'DELETE', url: '/opted' });
    assert.equal(res.json().in_recovery, false);
    assert.deepEqual(routingLines(t.lines), []);
  });

  for (const method of ['HEAD', 'OPTIONS'] as const) {
    test(`${method} is routed like GET`, async () => {
      const t = await appFor(rc.makePool());
      const res = await t.app.inject({ method, url: '/opted' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['x-in-recovery'], 'true');
      assert.equal(res.headers['x-server-port'], String(replicaPort));
      assert.deepEqual(
        routingLines(t.lines).map((l) => l.msg),
        [`db_routing routed_to=read_replica path=/opted method=${method}`],
      );
    });
  }

  test('a route that did not opt in runs on the primary, with no DEBUG line', async () => {
    const t = await appFor(rc.makePool());
    const res = await t.app.inject({ method: 'GET', url: '/plain' });
    assert.equal(res.json().in_recovery, false);
    assert.equal(res.json().server_port, primaryPort);
    assert.deepEqual(routingLines(t.lines), []);
    assert.equal(t.scopes[0]?.useReplica, false);
  });

  test('at eventual, a route that did not opt in (or a POST) gets no scope at all', async () => {
    const t = await appFor(rc.makePool({ consistency: 'eventual' }));
    for (const [method, url] of [
      ['GET', '/plain'],
      ['POST', '/opted'],
    ] as const) {
      const res = await t.app.inject({ method, url, payload: {} });
      assert.equal(res.json().in_recovery, false);
      assert.equal(res.headers['x-causal-token'], undefined);
    }
    assert.deepEqual(t.scopes, [undefined, undefined]);
  });

  test('the scope ends with the response: work left behind runs on the primary', async () => {
    const t = await appFor(rc.makePool());
    const res = await t.app.inject({ method: 'GET', url: '/opted/late' });
    assert.equal(res.json().in_recovery, true);
    assert.equal(t.scopes[0]?.ended, true);
    t.releaseLate();
    assert.deepEqual(await t.late, { in_recovery: false, server_port: primaryPort });
  });

  test('an error response ends the scope too', async () => {
    const t = await appFor(rc.makePool());
    const res = await t.app.inject({ method: 'GET', url: '/opted/boom' });
    assert.equal(res.statusCode, 500);
    assert.equal(t.scopes[0]?.useReplica, true);
    assert.equal(t.scopes[0]?.ended, true);
  });
});

function fallbackLines(lines: readonly LogLine[]): LogLine[] {
  return lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('db_routing_fallback'));
}

// The naming itself (SQLSTATE, client code, or a stable name for node-postgres' code-less errors) is
// pinned in fallback-error.test.ts; here the line must carry the name of the error that really happened.
const codeOf = exceptionType;

describe('fallback (the reference mixin tests, with real replica failures)', () => {
  async function assertFellBackOnce(
    t: TestApp,
    queries: CapturedQuery[],
    res: { statusCode: number; json(): ServedBy & { n: number; second: ServedBy } },
  ) {
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.in_recovery, false);
    assert.equal(body.server_port, primaryPort);
    assert.equal(body.n, 3, 'the correct data, from the primary');
    assert.deepEqual(body.second, { in_recovery: false, server_port: primaryPort });
    assert.equal(t.calls, 1, 'the handler ran once; only the failed statement was retried');
    const failed = queries.filter((q) => q.error !== undefined);
    assert.equal(failed.length, 1, JSON.stringify(queries.map((q) => [q.alias, q.reason])));
    assert.equal(failed[0]?.alias, 'read_replica');
    assert.equal(failed[0]?.retried, true);
    assert.deepEqual(
      queries.map((q) => `${q.alias}:${q.reason}`),
      ['read_replica:routed', 'default:fallback', 'default:fallback'],
    );
    const warned = fallbackLines(t.lines);
    assert.equal(warned.length, 1, JSON.stringify(warned));
    const type = codeOf(failed[0]?.error);
    assert.equal(warned[0]?.msg, `db_routing_fallback path=/opted method=GET exception_type=${type}`);
    assert.equal(warned[0]?.level, WARN);
    assert.equal(warned[0]?.exception_type, type);
  }

  test('the replica resets every connection: a correct 200 from the primary and one WARN line', async () => {
    const pool = await rc.makeQuietPool();
    const t = await appFor(pool);
    await replica.proxy!.setMode('reset');
    try {
      const { result: res, queries } = await captureQueries(() =>
        t.app.inject({ method: 'GET', url: '/opted' }),
      );
      await assertFellBackOnce(t, queries, res);
      assert.equal(pool.stats().fallbacks, 1);
    } finally {
      await replica.proxy!.setMode('pass');
    }
    // Healthy again once probed: the next request reads from the replica.
    await readmitted(pool);
    const again = await t.app.inject({ method: 'GET', url: '/opted' });
    assert.equal(again.json().in_recovery, true);
  });

  test('the replica server is stopped: the same', async () => {
    const pool = await rc.makeQuietPool();
    const t = await appFor(pool);
    await replica.stop('fast');
    try {
      const { result: res, queries } = await captureQueries(() =>
        t.app.inject({ method: 'GET', url: '/opted' }),
      );
      await assertFellBackOnce(t, queries, res);
    } finally {
      await replica.start();
    }
    await rc.cluster.waitForReplicas();
    await readmitted(pool);
    assert.equal((await t.app.inject({ method: 'GET', url: '/opted' })).json().in_recovery, true);
  });

  test('failing on the primary too: the error propagates (500) after exactly two attempts', async () => {
    const t = await appFor(await rc.makeQuietPool());
    await replica.proxy!.setMode('reset');
    try {
      const { result: res, queries } = await captureQueries(() =>
        t.app.inject({ method: 'GET', url: '/opted/boom' }),
      );
      assert.equal(res.statusCode, 500);
      assert.deepEqual(
        queries.map((q) => `${q.alias}:${q.reason}:${q.error === undefined ? 'ok' : codeOf(q.error)}`),
        [`read_replica:routed:${codeOf(queries[0]?.error)}`, 'default:fallback:22012'],
      );
      assert.notEqual(codeOf(queries[0]?.error), '22012', 'the replica attempt failed on the network');
      assert.equal(t.calls, 1);
      assert.equal(fallbackLines(t.lines).length, 1);
      assert.equal(t.scopes[0]?.ended, true, 'the flag is cleared after the error');
    } finally {
      await replica.proxy!.setMode('pass');
    }
  });

  test('a statement error on a healthy replica propagates without a retry', async () => {
    const pool = rc.makePool();
    const t = await appFor(pool);
    const { result: res, queries } = await captureQueries(() =>
      t.app.inject({ method: 'GET', url: '/opted/boom' }),
    );
    assert.equal(res.statusCode, 500);
    assert.deepEqual(
      queries.map((q) => `${q.alias}:${codeOf(q.error)}`),
      ['read_replica:22012'],
    );
    assert.deepEqual(fallbackLines(t.lines), []);
    assert.equal(pool.stats().fallbacks, 0);
  });
});

describe('alias absent (the kill switch): the plugin is a true no-op', () => {
  test('no flag, no DEBUG line, no classification, everything on the primary', async () => {
    const pool = rc.makePool({ replicas: [] });
    assert.equal(pool.routingEnabled, false);
    const t = await appFor(pool);
    const res = await t.app.inject({ method: 'GET', url: '/opted' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().in_recovery, false);
    assert.equal(res.json().server_port, primaryPort);
    assert.equal(t.scopes[0], undefined, 'no scope was entered');
    assert.deepEqual(routingLines(t.lines), []);
    assert.deepEqual(nonZero(pool.stats().reasons), { routing_disabled: 2 });
  });

  test('an operational error on the primary propagates once, with no fallback line', async () => {
    const pool = rc.makePool({ replicas: [] });
    const t = await appFor(pool);
    const res = await t.app.inject({ method: 'GET', url: '/opted/terminate' });
    assert.equal(res.statusCode, 500);
    assert.equal(t.calls, 1);
    assert.deepEqual(routingLines(t.lines), []);
    assert.equal(pool.stats().fallbacks, 0);
    assert.deepEqual(nonZero(pool.stats().reasons), { routing_disabled: 1 });
  });
});
