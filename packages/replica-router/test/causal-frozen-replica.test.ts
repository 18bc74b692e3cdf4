/**
 * A read under a causal token whose replicas' probed positions are behind asks the replicas directly. With a
 * replica frozen behind a stalled proxy (its open connection stops moving), that question must not hold the read:
 * the replicas are asked at once, the first that has replayed the token serves it, and a replica that does not
 * answer is given up after the probe timeout (the read then goes to the primary). A real primary and two real
 * replicas; where the read ran is read from the server (`inet_server_port()`), and that it saw the write from the
 * row itself. The pools' query timeout is 10 minutes, so an unbounded question would hang the test (its hang
 * guard fails it) rather than pass slowly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReplicaNode } from 'pg-devcluster';
import { type RoutedPool, runInReplicaScope } from '../src/index.ts';
import {
  pollUntil,
  type RoutingCluster,
  readmitted,
  type ServedBy,
  startRoutingCluster,
  WHERE,
} from './support/routing-cluster.ts';

const READ = `SELECT count(*) > 0 AS found, ${WHERE} FROM perf_scan_probe WHERE id = $1`;

type Found = ServedBy & { found: boolean };

describe('token holders and a frozen replica', { timeout: 240_000 }, () => {
  let rc: RoutingCluster;
  let replicas: readonly ReplicaNode[];
  let nextId = 1000;

  before(async () => {
    rc = await startRoutingCluster({ replicas: 2 });
    replicas = rc.cluster.replicas;
  });
  after(() => rc?.stop());

  /** Reads in scope until `pool` has an idle connection to each of its replicas. */
  async function warm(pool: RoutedPool): Promise<void> {
    await pollUntil(
      async () => {
        await runInReplicaScope(() => pool.query(`SELECT ${WHERE}`));
        return pool.stats().replicas.map((r) => r.idleCount);
      },
      (idle) => idle.every((n) => n > 0),
      { what: 'an idle connection to each replica' },
    );
  }

  /** A row written on the primary, and a token for it; the probes' positions (quiet pool) stay behind it. */
  async function writeWithToken(pool: RoutedPool): Promise<{ id: number; token: string }> {
    const id = nextId++;
    await pool.query('INSERT INTO perf_scan_probe VALUES ($1, $1)', [id]);
    const token = await pool.captureCausalToken();
    assert.ok(token);
    return { id, token };
  }

  it('the replica that has replayed the token answers first and serves the read; the frozen one is not waited for', async () => {
    // The ask's own bound is far away here: the read returns only because the first caught-up answer wins.
    const pool = await rc.makeQuietPool({ probeTimeoutMs: 300_000, replicaQueryTimeoutMs: 600_000 });
    await warm(pool);
    const frozen = replicas[0]!.proxy!;
    await frozen.setMode('stall');
    try {
      const { id, token } = await writeWithToken(pool);
      await rc.cluster.waitForReplicas({ replicas: [replicas[1]!] });
      const row = (await pool.runWithCausalToken(token, () => pool.query<Found>(READ, [id]))).rows[0]!;
      assert.equal(row.found, true, 'not stale: the read sees the write');
      assert.equal(row.in_recovery, true);
      assert.equal(row.server_port, replicas[1]!.port, 'served by the replica that answered');
      const checks = pool.stats().causal?.checks;
      assert.equal(checks?.asked, 1);
      assert.equal(checks?.caughtUp, 1);
      assert.equal(checks?.behind, 0);
    } finally {
      await frozen.setMode('pass');
    }
  });

  it('with the only replica frozen, the question is given up after the probe timeout: the primary serves the read', async () => {
    const pool = await rc.makeQuietPool({
      replicas: [rc.urls.replicas[0]!],
      probeTimeoutMs: 2_000,
      replicaQueryTimeoutMs: 600_000,
    });
    await warm(pool);
    const frozen = replicas[0]!.proxy!;
    await frozen.setMode('stall');
    try {
      const { id, token } = await writeWithToken(pool);
      const row = (await pool.runWithCausalToken(token, () => pool.query<Found>(READ, [id]))).rows[0]!;
      assert.equal(row.found, true, 'not stale: the read sees the write');
      assert.equal(row.in_recovery, false);
      assert.equal(row.server_port, rc.cluster.primary.port, 'served by the primary');
      assert.equal(pool.stats().reasons.causal_behind, 1);
      // The read gave up on the answer after the hedge cap; the question runs on, and not answered within the
      // probe timeout it ejects the replica, as a probe timeout does.
      const member = await pollUntil(
        async () => pool.stats().replicas[0],
        (r) => r?.state === 'ejected',
        { what: 'the frozen replica to be ejected' },
      );
      assert.equal(member?.reason, 'probe_timeout');
      // So the next token holder is not held again: the primary serves it without asking.
      const asked = pool.stats().causal?.checks.asked;
      const next = await writeWithToken(pool);
      const again = (await pool.runWithCausalToken(next.token, () => pool.query<Found>(READ, [next.id])))
        .rows[0]!;
      assert.equal(again.found, true);
      assert.equal(again.server_port, rc.cluster.primary.port);
      assert.equal(pool.stats().causal?.checks.asked, asked, 'no second question to the frozen replica');
      assert.equal(pool.stats().reasons.replica_down, 1);
    } finally {
      await frozen.setMode('pass');
    }
    await readmitted(pool);
  });
});
