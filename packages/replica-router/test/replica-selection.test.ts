/**
 * Several replicas against a real primary and two streaming replicas: weights, least_outstanding and least_lag,
 * each proven from the servers (each replica's own pg_stat_statements counts the marked reads it executed),
 * with a round-robin control in the same conditions so each test can fail.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { ReplicaNode } from 'pg-devcluster';
import { type RoutedPool, runInReplicaScope } from '../src/index.ts';
import { pollUntil, type RoutingCluster, startRoutingCluster, WHERE } from './support/routing-cluster.ts';

const MARKED_READ = `SELECT count(*)::int AS selection_marker, ${WHERE} FROM perf_scan_probe`;
const SLOW_READ = `SELECT pg_sleep(2.5) IS NULL AS slow_marker, ${WHERE} FROM perf_scan_probe LIMIT 1`;

let rc: RoutingCluster;
let replicas: readonly ReplicaNode[];

before(async () => {
  rc = await startRoutingCluster({ replicas: 2 });
  replicas = rc.cluster.replicas;
  await rc.cluster.primary.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements', [], rc.database);
  await rc.cluster.primary.query('CREATE TABLE selection_ballast (id serial, pad text)', [], rc.database);
  await rc.cluster.waitForReplicas();
});
after(() => rc?.stop());
beforeEach(async () => {
  for (const node of replicas) await node.query('SELECT pg_stat_statements_reset()', [], rc.database);
});

/** Calls of the marked read on each replica, as each one's pg_stat_statements counts them. */
async function markedCalls(): Promise<number[]> {
  const counts: number[] = [];
  for (const node of replicas) {
    const rows = await node.query<{ n: string | null }>(
      "SELECT sum(calls)::text AS n FROM pg_stat_statements WHERE query LIKE '%selection_marker%'",
      [],
      rc.database,
    );
    counts.push(Number(rows[0]?.n ?? 0));
  }
  return counts;
}

/** `n` opted-in marked reads, one at a time; the server port of each, as the server reports it. */
async function reads(pool: RoutedPool, n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const { rows } = await runInReplicaScope(() => pool.query(MARKED_READ));
    ports.push(rows[0].server_port as number);
  }
  return ports;
}

describe('weights', () => {
  test('replicaWeights [2, 1] (round_robin): 300 reads split 200:100 on the servers', async () => {
    const pool = rc.makePool({ replicaWeights: [2, 1] });
    const ports = await reads(pool, 300);
    const calls = await markedCalls();
    // Smooth weighted round-robin is exact while both stay healthy; allow 5 % for a probe hiccup.
    assert.ok(Math.abs(calls[0]! - 200) <= 15 && Math.abs(calls[1]! - 100) <= 15, `calls ${calls}`);
    assert.equal(calls[0]! + calls[1]!, 300, 'every read on a replica');
    assert.equal(ports.filter((p) => p === replicas[0]!.port).length, calls[0]);
    // Smooth: no run of three on the heavy replica.
    assert.doesNotMatch(ports.map((p) => (p === replicas[0]!.port ? 'a' : 'b')).join(''), /aaa/);
    const stats = pool.stats();
    assert.equal(stats.selector, 'round_robin');
    assert.deepEqual(
      stats.replicas.map((r) => [r.name, r.weight, r.source, r.selected]),
      [
        ['replica_1', 2, 'static', calls[0]],
        ['replica_2', 1, 'static', calls[1]],
      ],
    );
  });

  test('control: without weights the same reads split evenly', async () => {
    const pool = rc.makePool();
    await reads(pool, 100);
    assert.deepEqual(await markedCalls(), [50, 50]);
  });
});

/** A slow read started on replica_1 (the first pick of a fresh pool), and the reads made while it runs. */
async function readsBesideSlowStatement(pool: RoutedPool): Promise<number[]> {
  await pool.probeReplicas();
  const slow = runInReplicaScope(() => pool.query(SLOW_READ));
  await pollUntil(
    async () => pool.stats().replicas[0]!.outstanding,
    (n) => n === 1,
    { what: 'the slow read in flight on replica_1', timeoutMs: 5000, intervalMs: 10 },
  );
  await reads(pool, 20);
  const { rows } = await slow;
  assert.equal(rows[0].server_port, replicas[0]!.port, 'the slow read ran on replica_1');
  return markedCalls();
}

describe('least_outstanding', () => {
  test('a replica running a long statement gets none of the reads made meanwhile', async () => {
    const pool = rc.makePool({ selector: 'least_outstanding' });
    assert.deepEqual(await readsBesideSlowStatement(pool), [0, 20]);
    assert.equal(pool.stats().selector, 'least_outstanding');
  });

  test('control: round_robin sends half of them to the busy replica', async () => {
    const pool = rc.makePool();
    assert.deepEqual(await readsBesideSlowStatement(pool), [10, 10]);
  });
});

describe('least_lag', () => {
  test('paused replay: the replica behind gets no reads, while it is still under the lag limit (healthy)', async () => {
    const pool = rc.makePool({ selector: 'least_lag', maxLagMs: 120_000, maxLagBytes: 0, probeMs: 100 });
    const control = rc.makePool({ maxLagMs: 120_000, maxLagBytes: 0, probeMs: 100 });
    await Promise.all([pool.probeReplicas(), control.probeReplicas()]);
    const behind = replicas[0]!;
    await behind.pauseReplay();
    try {
      await rc.cluster.primary.query(
        "INSERT INTO selection_ballast (pad) SELECT repeat('x', 100) FROM generate_series(1, 100)",
        [],
        rc.database,
      );
      await rc.cluster.primary.query('SELECT pg_current_wal_lsn()', [], rc.database);
      for (const p of [pool, control]) {
        await pollUntil(
          async () => p.stats().replicas.map((r) => [r.state, r.lagMs ?? 0] as const),
          ([r1, r2]) => r1![0] === 'healthy' && r1![1] > 300 && r2![0] === 'healthy' && r2![1] < 100,
          { what: 'replica_1 behind by > 300 ms, healthy; replica_2 caught up', timeoutMs: 10_000 },
        );
      }
      await reads(pool, 20);
      assert.deepEqual(await markedCalls(), [0, 20], 'least_lag: everything on the fresher replica');
      assert.equal(pool.stats().replicas[0]!.state, 'healthy', 'not ejected: the limit was not reached');

      for (const node of replicas) await node.query('SELECT pg_stat_statements_reset()', [], rc.database);
      await reads(control, 20);
      assert.deepEqual(await markedCalls(), [10, 10], 'control: round_robin ignores lag under the limit');
    } finally {
      await behind.resumeReplay();
    }
    await rc.cluster.waitForReplicas();
    await pollUntil(
      async () => pool.stats().replicas[0]!.lagMs ?? 1,
      (lag) => lag === 0,
      { what: 'replica_1 caught up again', timeoutMs: 10_000 },
    );
    for (const node of replicas) await node.query('SELECT pg_stat_statements_reset()', [], rc.database);
    await reads(pool, 20);
    assert.deepEqual(await markedCalls(), [10, 10], 'caught up: equal again, so rotation');
  });
});
