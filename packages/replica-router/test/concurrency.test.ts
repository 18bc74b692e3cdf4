// Concurrent requests share one pool and never share routing state: each request's flag, fallback and
// read-your-writes stay its own. Every answer says which server produced it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { readReplicaPlugin } from '../src/http/fastify.ts';
import { type RoutedPool, runInReplicaScope } from '../src/index.ts';
import { type RoutingCluster, type ServedBy, startRoutingCluster, WHERE } from './support/routing-cluster.ts';

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  path?: string;
}

let rc: RoutingCluster;

before(async () => {
  rc = await startRoutingCluster();
});
after(() => rc?.stop());

async function buildApp(pool: RoutedPool): Promise<{ app: FastifyInstance; lines: LogLine[] }> {
  const lines: LogLine[] = [];
  const app = Fastify({
    logger: { level: 'debug', stream: { write: (l: string) => void lines.push(JSON.parse(l) as LogLine) } },
  });
  await app.register(readReplicaPlugin, { pool });
  const opted = { config: { readReplica: true } };
  const where = async (table: string) =>
    (await pool.query<ServedBy>(`SELECT ${WHERE} FROM ${table} LIMIT 1`)).rows[0]!;
  const yieldSome = async (n: number) => {
    for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  app.get('/read/:i', opted, async (req) => {
    const i = Number((req.params as { i: string }).i);
    const first = await where('performance_framework');
    await yieldSome(i % 5);
    return { first, second: await where('repository') };
  });
  app.post('/read/:i', opted, async () => ({ first: await where('performance_framework') }));
  app.get('/plain/:i', async () => ({ first: await where('performance_framework') }));
  app.get('/write/:i', opted, async (req) => {
    const i = Number((req.params as { i: string }).i);
    const first = await where('performance_framework');
    await pool.query('INSERT INTO performance_datum (signature_id, value) VALUES (1, $1)', [-i]);
    await yieldSome(i % 3);
    return { first, second: await where('repository') };
  });
  // perf_touch() is configured read-only but inserts: a real 25006 from the replica, then the primary.
  app.get('/lying/:i', opted, async () => {
    const { t, ...first } = (await pool.query<ServedBy & { t: number }>(`SELECT perf_touch() AS t, ${WHERE}`))
      .rows[0]!;
    assert.equal(t, 1);
    return { first, second: await where('repository') };
  });
  await app.ready();
  return { app, lines };
}

const replicaSide = () => ({ in_recovery: true, server_port: rc.cluster.replicas[0]!.port });
const primarySide = () => ({ in_recovery: false, server_port: rc.cluster.primary.port });

describe('concurrent HTTP requests', () => {
  test('1,000 interleaved GET and POST requests of five kinds each get their own routing', async () => {
    // A generous pool-wait timeout: on a loaded 2-core machine, 1,000 requests may queue for a while, and a
    // queue timeout would (rightly) fall back to the primary and spoil the per-request expectations.
    // Hedging off: on an overloaded machine a statement may well take longer than the hedge delay, and the
    // primary's answer would (rightly) spoil the per-request expectations too. Hedges: hedged-reads.test.ts.
    const pool = rc.makePool({
      readOnlyFunctions: ['perf_touch'],
      max: 6,
      replicaConnectTimeoutMs: 60_000,
      hedgeMs: 0,
    });
    const { app, lines } = await buildApp(pool);
    try {
      const kinds = ['GET /read', 'POST /read', 'GET /plain', 'GET /write', 'GET /lying'] as const;
      const n = 1000;
      const requests = Array.from({ length: n }, (_, i) => {
        const kind = kinds[i % kinds.length]!;
        const [method, prefix] = kind.split(' ') as ['GET' | 'POST', string];
        return app
          .inject({ method, url: `${prefix}/${i}` })
          .then((res) => ({ i, kind, status: res.statusCode, body: res.json() }));
      });
      const results = await Promise.all(requests);
      for (const r of results) {
        assert.equal(r.status, 200, `${r.kind} ${r.i}`);
        const label = `${r.kind} #${r.i}`;
        switch (r.kind) {
          case 'GET /read':
            assert.deepEqual(r.body.first, replicaSide(), label);
            assert.deepEqual(r.body.second, replicaSide(), label);
            break;
          case 'POST /read':
          case 'GET /plain':
            assert.deepEqual(r.body.first, primarySide(), label);
            break;
          case 'GET /write':
            assert.deepEqual(r.body.first, replicaSide(), `${label}: before its write`);
            assert.deepEqual(r.body.second, primarySide(), `${label}: after its write`);
            break;
          case 'GET /lying':
            assert.deepEqual(r.body.first, primarySide(), `${label}: retried on the primary`);
            assert.deepEqual(r.body.second, primarySide(), `${label}: the rest of the request`);
            break;
        }
      }
      const perKind = n / kinds.length;
      // One DEBUG line per routed request (GETs on opted-in routes), none for the others.
      const debug = lines.filter((l) => l.msg?.startsWith('db_routing routed_to='));
      assert.equal(debug.length, perKind * 3);
      assert.equal(new Set(debug.map((l) => l.reqId)).size, perKind * 3);
      // One WARN per request that fell back, and only those.
      const warned = lines.filter((l) => l.msg?.startsWith('db_routing_fallback'));
      assert.equal(warned.length, perKind);
      assert.equal(new Set(warned.map((l) => l.reqId)).size, perKind);
      for (const w of warned)
        assert.match(w.msg, /^db_routing_fallback path=\/lying\/\d+ method=GET exception_type=25006$/);
      const stats = pool.stats();
      assert.equal(stats.fallbacks, perKind);
      // Routed: /read twice, /write once before its write, /lying once (the attempt that failed).
      assert.equal(stats.reasons.routed, perKind * 4);
      assert.equal(stats.reasons.after_write, perKind);
      // Fallback: the retry of the failed statement, then the rest of the request.
      assert.equal(stats.reasons.fallback, perKind * 2);
      assert.equal(stats.replicas[0]?.state, 'healthy', 'a 25006 does not eject the replica');
    } finally {
      await app.close();
    }
  });
});

describe('concurrent transactions in opted-in scopes', () => {
  test('30 transactions each keep to one primary connection and see only their own rows', async () => {
    const pool = rc.makePool({ max: 5 });
    const n = 30;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        runInReplicaScope(async () => {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            const rows = [];
            rows.push(
              (
                await client.query(
                  `SELECT pg_backend_pid() AS pid, ${WHERE} FROM performance_framework LIMIT 1`,
                )
              ).rows[0],
            );
            await client.query('INSERT INTO performance_datum (signature_id, value) VALUES (2, $1)', [
              10_000 + i,
            ]);
            rows.push(
              (
                await client.query(
                  `SELECT pg_backend_pid() AS pid, ${WHERE}, count(*)::int AS n FROM performance_datum WHERE value >= 10000`,
                )
              ).rows[0],
            );
            await client.query('ROLLBACK');
            return rows;
          } finally {
            client.release();
          }
        }),
      ),
    );
    for (const [i, rows] of results.entries()) {
      assert.equal(new Set(rows.map((r) => r.pid)).size, 1, `transaction ${i} on one connection`);
      for (const row of rows) assert.equal(row.in_recovery, false, `transaction ${i}`);
      assert.equal(rows[1].n, 1, `transaction ${i} sees its own uncommitted row only`);
    }
    assert.equal(pool.stats().reasons.routed, 0);
  });
});

describe('a saturated replica pool', () => {
  test('a read that waited too long for a replica connection is served by the primary, and the replica stays in use', async () => {
    // Hedging off: the slow read below would be hedged (this is about the pool-wait fallback).
    const pool = rc.makePool({ max: 1, replicaConnectTimeoutMs: 300, probeMs: 600_000, hedgeMs: 0 });
    const [slow, queued] = await runInReplicaScope(() =>
      Promise.all([
        // Holds the only replica connection for longer than the pool-wait timeout.
        pool.query<ServedBy>(`SELECT ${WHERE}, pg_sleep(1.5) IS NULL AS slept`),
        (async () => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          return pool.query<ServedBy>(`SELECT ${WHERE} FROM performance_framework LIMIT 1`);
        })(),
      ]),
    );
    assert.equal(slow.rows[0]?.in_recovery, true);
    assert.deepEqual(queued.rows[0], primarySide(), 'the queued read fell back to the primary');
    assert.equal(pool.stats().fallbacks, 1);
    // Busy is not broken: the replica was not ejected, so the next read goes to it at once.
    assert.equal(pool.stats().replicas[0]?.state, 'healthy');
    const next = await runInReplicaScope(() => pool.query<ServedBy>(`SELECT ${WHERE}`));
    assert.deepEqual(next.rows[0], replicaSide());
  });
});
