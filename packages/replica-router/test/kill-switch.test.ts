// The kill switch: READ_REPLICA_ENABLED=false (or no replica URL) makes routing a true no-op. Same data,
// nothing reaches the replica, nothing is classified. Pools are built from the environment, as the
// service builds them.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import type { ReplicaNode } from 'pg-devcluster';
import { readReplicaPlugin } from '../src/http/fastify.ts';
import { type RoutedPool, readRouterConfig, runInReplicaScope } from '../src/index.ts';
import {
  connectionsNamed,
  nonZero,
  pollUntil,
  type RoutingCluster,
  seqScans,
  startRoutingCluster,
  WHERE,
  withApplicationName,
} from './support/routing-cluster.ts';

let rc: RoutingCluster;
let replica: ReplicaNode;

before(async () => {
  rc = await startRoutingCluster();
  replica = rc.cluster.replicas[0]!;
});
after(() => rc?.stop());

/** A pool from environment variables, like the service's start-up; every connection tagged `appName`. */
function poolFromEnv(env: NodeJS.ProcessEnv, appName = `rr-ks-${randomUUID().slice(0, 8)}`): RoutedPool {
  const tag = (url: string | undefined) => (url ? withApplicationName(url, appName) : url);
  const config = readRouterConfig({
    ...env,
    DATABASE_URL: tag(env.DATABASE_URL),
    READ_REPLICA_DATABASE_URL: env.READ_REPLICA_DATABASE_URL?.split(',').map(tag).join(','),
  });
  return rc.makePool({ primary: config.primaryUrl!, replicas: config.replicaUrls, max: config.poolMax });
}

function env(enabled: string | undefined, withReplicaUrl = true): NodeJS.ProcessEnv {
  return {
    DATABASE_URL: rc.urls.primary,
    ...(withReplicaUrl ? { READ_REPLICA_DATABASE_URL: rc.urls.replicas.join(',') } : {}),
    ...(enabled === undefined ? {} : { READ_REPLICA_ENABLED: enabled }),
  };
}

/** Reads an endpoint might run: joins, aggregates, parameters, ordering, an auth table, an unmapped one. */
const reads: { sql: string; values?: unknown[] }[] = [
  { sql: 'SELECT id, name, enabled FROM performance_framework ORDER BY id' },
  { sql: 'SELECT id, name FROM performance_framework WHERE enabled = $1 ORDER BY id', values: [true] },
  {
    sql: `SELECT s.id, s.suite, f.name AS framework, r.name AS repository
            FROM performance_signature s
            JOIN performance_framework f ON f.id = s.framework_id
            JOIN repository r ON r.id = s.repository_id
           ORDER BY s.id`,
  },
  {
    sql: `SELECT signature_id, count(*)::int AS n, round(avg(value)::numeric, 2) AS mean
            FROM performance_datum WHERE value < $1 GROUP BY signature_id ORDER BY signature_id`,
    values: [40],
  },
  { sql: 'SELECT name FROM machine ORDER BY name' },
  { sql: 'SELECT username FROM auth_user ORDER BY id' },
  { sql: 'SELECT note FROM unmapped_note WHERE id = 1' },
  {
    sql: "SELECT json_build_object('frameworks', (SELECT json_agg(name ORDER BY id) FROM performance_framework)) AS doc",
  },
];

describe('flipping the variable leaves every answer the same', () => {
  test('the same rows with routing on (served by the replica) and off (the primary)', async () => {
    const on = poolFromEnv(env('true'));
    const off = poolFromEnv(env('false'));
    assert.equal(on.routingEnabled, true);
    assert.equal(off.routingEnabled, false);
    for (const read of reads) {
      const [a, b] = await runInReplicaScope(() =>
        Promise.all([on.query(read.sql, read.values), off.query(read.sql, read.values)]),
      );
      assert.ok(a.rows.length > 0, read.sql);
      assert.deepEqual(a.rows, b.rows, read.sql);
    }
    // The "on" answers really came from the replica where they could.
    assert.deepEqual(nonZero(on.stats().reasons), { routed: 6, table_not_allowed: 2 });
    assert.deepEqual(nonZero(off.stats().reasons), { routing_disabled: reads.length });
    const where = await runInReplicaScope(() =>
      Promise.all([on.query(`SELECT ${WHERE}`), off.query(`SELECT ${WHERE}`)]),
    );
    assert.equal(where[0].rows[0].in_recovery, true);
    assert.equal(where[1].rows[0].in_recovery, false);
  });

  test('the same HTTP responses from an opted-in endpoint, with and without the alias', async () => {
    const responses = [];
    for (const enabled of ['on', 'off']) {
      const pool = poolFromEnv(env(enabled));
      const app = Fastify();
      await app.register(readReplicaPlugin, { pool });
      app.get('/api/performance/framework/', { config: { readReplica: true } }, async () => {
        const { rows } = await pool.query(reads[0]!.sql);
        return rows;
      });
      try {
        const res = await app.inject({ method: 'GET', url: '/api/performance/framework/' });
        assert.equal(res.statusCode, 200);
        responses.push(res.body);
        assert.equal(pool.stats().reasons[enabled === 'on' ? 'routed' : 'routing_disabled'], 1);
      } finally {
        await app.close();
      }
    }
    assert.equal(responses[0], responses[1]);
  });

  for (const [name, e] of [
    ['READ_REPLICA_ENABLED=off', () => env('off')],
    ['READ_REPLICA_ENABLED=0', () => env('0')],
    ['READ_REPLICA_ENABLED=NO', () => env('NO')],
    ['READ_REPLICA_ENABLED unset', () => env(undefined)],
    ['READ_REPLICA_ENABLED=true without a replica URL', () => env('true', false)],
  ] as const) {
    test(`${name}: no alias`, async () => {
      const pool = poolFromEnv(e());
      assert.equal(pool.routingEnabled, false);
      assert.deepEqual(pool.stats().replicas, []);
      const { rows } = await runInReplicaScope(() => pool.query(`SELECT ${WHERE}`));
      assert.equal(rows[0].in_recovery, false);
    });
  }
});

describe('with routing off nothing reaches the replica', () => {
  test('control: with routing on, the replica sees this pool’s connections and scans', async () => {
    const appName = `rr-ks-on-${randomUUID().slice(0, 8)}`;
    const pool = poolFromEnv(env('true'), appName);
    const before = await seqScans(replica, rc.database, 'perf_scan_probe');
    await runInReplicaScope(() => pool.query('SELECT count(*) FROM perf_scan_probe WHERE value > 0'));
    assert.ok((await connectionsNamed(replica, rc.database, appName)) >= 1);
    await pool.end();
    await pollUntil(
      () => seqScans(replica, rc.database, 'perf_scan_probe'),
      (n) => n > before,
      { what: 'the replica to count the scan' },
    );
  });

  test('no connection, no scan, no classification, no fallback', async () => {
    const appName = `rr-ks-off-${randomUUID().slice(0, 8)}`;
    const pool = poolFromEnv(env('false'), appName);
    const table = 'perf_scan_probe';
    const replicaBefore = await seqScans(replica, rc.database, table);
    const primaryBefore = await seqScans(rc.cluster.primary, rc.database, table);
    const scans = 5;
    await runInReplicaScope(async () => {
      for (let i = 0; i < scans; i++) {
        const { rows } = await pool.query(
          `SELECT count(*)::int AS n, ${WHERE} FROM ${table} WHERE value > $1`,
          [0],
        );
        assert.equal(rows[0].n, 10);
        assert.equal(rows[0].in_recovery, false);
      }
      // A checked-out client is a plain primary client.
      const client = await pool.connect();
      try {
        const { rows } = await client.query(`SELECT ${WHERE}`);
        assert.equal(rows[0].in_recovery, false);
      } finally {
        client.release();
      }
    });
    assert.ok((await connectionsNamed(rc.cluster.primary, rc.database, appName)) >= 1, 'control: tagged');
    assert.equal(
      await connectionsNamed(replica, rc.database, appName),
      0,
      'a connection reached the replica',
    );
    assert.equal(pool.stats().routingEnabled, false);
    assert.deepEqual(nonZero(pool.stats().reasons), { routing_disabled: scans });
    assert.equal(pool.stats().fallbacks, 0);
    await pool.end();
    // Once the primary has counted the scans (its backends flushed on exit), the replica's count is final.
    await pollUntil(
      () => seqScans(rc.cluster.primary, rc.database, table),
      (n) => n >= primaryBefore + scans,
      { what: 'the primary to count the scans' },
    );
    assert.equal(await seqScans(replica, rc.database, table), replicaBefore);
  });
});
