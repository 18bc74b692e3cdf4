/**
 * Hedged reads against a real primary and a real streaming replica (behind a fault proxy). A statement that is
 * slow only on the replica (`pg_sleep` when `pg_is_in_recovery()`) stands for a sick replica without touching
 * the network; a stalled proxy stands for a frozen host. Where each answer came from is read from the server
 * (`pg_is_in_recovery()`, `inet_server_port()`), and what became of the loser from the replica's own
 * `pg_stat_activity`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReplicaNode } from 'pg-devcluster';
import { type RoutedPool, runInReplicaScope } from '../src/index.ts';
import { captureQueries } from '../src/testing/index.ts';
import { recordingLogger } from './support/recording-logger.ts';
import {
  pollUntil,
  type RoutingCluster,
  readmitted,
  type ServedBy,
  startRoutingCluster,
  WHERE,
} from './support/routing-cluster.ts';

/** Slow on the replica only: `seconds` there, instant on the primary. */
function slowOnReplica(seconds: number, tag: string): string {
  return (
    `SELECT ${WHERE}, pg_backend_pid() AS pid, '${tag}' AS tag, ` +
    `(CASE WHEN pg_is_in_recovery() THEN pg_sleep(${seconds}) END) IS NULL AS slept ` +
    'FROM performance_framework WHERE id = 1'
  );
}

const FAST = `SELECT ${WHERE}, pg_backend_pid() AS pid FROM performance_framework WHERE id = 1`;

type Row = ServedBy & { pid: number };

function read(pool: RoutedPool, sql: string): Promise<Row> {
  return runInReplicaScope(async () => (await pool.query<Row>(sql)).rows[0]!);
}

/**
 * Reads until the replica answers one: a first connect (with its password exchange) may take longer than the
 * hedge delay on a busy machine, and then the primary answers.
 */
function servedByReplica(pool: RoutedPool, what = 'a read served by the replica'): Promise<boolean> {
  return pollUntil(
    async () => (await read(pool, FAST)).in_recovery,
    (onReplica) => onReplica,
    { what, intervalMs: 10 },
  );
}

/** After a fault: probes readmit the replica, then it serves reads again. */
async function readmittedAndServing(pool: RoutedPool): Promise<void> {
  await readmitted(pool);
  await servedByReplica(pool, 'the replica serving again');
}

/** The pool's client backends on `node` (not its probes), from the server itself. */
async function backends(
  node: ReplicaNode,
  database: string,
  applicationName: string,
): Promise<{ pid: number; state: string; query: string }[]> {
  return node.query<{ pid: number; state: string; query: string }>(
    "SELECT pid, state, query FROM pg_stat_activity WHERE application_name = $1 AND backend_type = 'client backend'",
    [applicationName],
    database,
  );
}

describe('hedged reads', { timeout: 120_000 }, () => {
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

  it('a replica that has not answered within the delay: the primary answers, the replica statement is cancelled and its connection goes back idle', async () => {
    const app = 'hedge-slow';
    const pool = await rc.makeQuietPool({ applicationName: app, hedgeMs: 50 });
    const { result: row, queries } = await captureQueries(() => read(pool, slowOnReplica(20, 'slow-1')));
    assert.equal(row.in_recovery, false, 'answered by the primary');
    assert.equal(row.server_port, primaryPort);
    assert.deepEqual(
      queries.map((q) => [q.node, q.reason]),
      [['primary', 'hedged']],
      'one hedged event, on the primary',
    );
    const stats = pool.stats();
    assert.equal(stats.reasons.hedged, 1);
    assert.equal(stats.reasons.routed, 1);
    assert.equal(stats.hedging?.replicas[0]?.primaryWon, 1);

    // The loser: cancelled by the protocol (not destroyed), its connection back in the replica's pool.
    await pollUntil(
      async () => pool.stats().hedging?.replicas[0],
      (r) => (r?.cancelled ?? 0) + (r?.destroyed ?? 0) > 0,
      { what: 'the losing replica statement to be cleaned up' },
    );
    assert.equal(pool.stats().hedging?.replicas[0]?.cancelled, 1);
    assert.equal(pool.stats().hedging?.replicas[0]?.destroyed, 0);
    const [member] = pool.stats().replicas;
    assert.equal(member?.totalCount, 1);
    assert.equal(member?.idleCount, 1);
    assert.equal(member?.outstanding, 0);
    const [backend, ...others] = await backends(replica, rc.database, app);
    assert.equal(others.length, 0);
    assert.equal(backend?.state, 'idle', 'the replica backend is idle, not still sleeping');
    assert.match(backend?.query ?? '', /slow-1/, 'its last statement was the cancelled one');

    // The same connection serves the next read, as a clean one.
    const next = await read(pool, FAST);
    assert.equal(next.in_recovery, true);
    assert.equal(next.server_port, replicaPort);
    assert.equal(next.pid, backend?.pid);
  });

  it('a replica that answers fast is never hedged; the adaptive delay stays within floor and cap', async () => {
    const pool = await rc.makeQuietPool();
    for (let i = 0; i < 30; i++) {
      const row = await read(pool, FAST);
      assert.equal(row.in_recovery, true);
    }
    const stats = pool.stats();
    assert.equal(stats.reasons.hedged, 0);
    assert.equal(stats.reasons.routed, 30);
    const hedging = stats.hedging?.replicas[0];
    assert.equal(hedging?.hedges, 0);
    assert.ok(hedging?.p95Ms !== undefined, 'latencies were recorded');
    assert.ok(hedging.delayMs >= 20 && hedging.delayMs <= 250, `delay ${hedging.delayMs}`);
    assert.equal(stats.hedging?.fixedMs, undefined, 'adaptive by default');
  });

  it('hedgeMs 0 turns hedging off: a slow replica statement is waited for', async () => {
    const pool = await rc.makeQuietPool({ hedgeMs: 0 });
    const row = await read(pool, slowOnReplica(0.3, 'off'));
    assert.equal(row.in_recovery, true, 'answered by the replica');
    assert.equal(pool.stats().reasons.hedged, 0);
    assert.equal(pool.stats().hedging?.enabled, false);
  });

  it('a read-only transaction is never hedged (its statements stay on one connection)', async () => {
    const pool = await rc.makeQuietPool({ hedgeMs: 20 });
    const row = await runInReplicaScope(() =>
      pool.readOnlyTransaction(async (tx) => (await tx.query<Row>(slowOnReplica(0.3, 'tx'))).rows[0]!),
    );
    assert.equal(row.in_recovery, true, 'the whole transaction ran on the replica');
    assert.equal(pool.stats().reasons.hedged, 0);
  });

  it('a read on a checked-out client is hedged on a primary connection of the pool’s own', async () => {
    const pool = await rc.makeQuietPool({ hedgeMs: 50 });
    const row = await runInReplicaScope(async () => {
      const client = await pool.connect();
      try {
        return (await client.query<Row>(slowOnReplica(20, 'client'))).rows[0]!;
      } finally {
        client.release();
      }
    });
    assert.equal(row.in_recovery, false);
    assert.equal(pool.stats().reasons.hedged, 1);
  });

  it('past the budget, the replica is ejected (one WARN, reason hedge_budget) and reads go to the primary', async () => {
    const logger = recordingLogger();
    const pool = await rc.makeQuietPool({ hedgeMs: 20, hedgeBudget: 0, logger });
    // Three hedges per window are always allowed; the fourth is past a budget of 0.
    for (let i = 1; i <= 4; i++) {
      const row = await read(pool, slowOnReplica(20, `budget-${i}`));
      assert.equal(row.in_recovery, false, `read ${i} answered by the primary`);
    }
    const [member] = pool.stats().replicas;
    assert.equal(member?.state, 'ejected');
    assert.equal(member?.reason, 'hedge_budget');
    const warns = logger.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
    assert.deepEqual(warns, ['db_routing_replica_ejected replica=replica_1 reason=hedge_budget']);
    assert.equal(pool.stats().hedging?.replicas[0]?.budgetEjections, 1);

    const { result: after, queries } = await captureQueries(() => read(pool, slowOnReplica(20, 'budget-5')));
    assert.equal(after.in_recovery, false);
    assert.deepEqual(
      queries.map((q) => q.reason),
      ['replica_down'],
      'the ejected replica gets no read, so no hedge',
    );
    assert.equal(pool.stats().reasons.hedged, 4);

    // Probes readmit it (one INFO line), and a fast read is the replica's again. (Not counted: with a fixed
    // 20 ms delay a loaded machine may hedge the fast read too, and the replica may still win that race.)
    await readmittedAndServing(pool);
    assert.ok(
      logger.lines.some(
        (l) => l.level === 'info' && /^db_routing_replica_readmitted replica=replica_1 /.test(l.msg),
      ),
    );
  });

  it('a frozen replica and no open connection: the read is hedged while the new connection hangs, not held for the connect timeout', async () => {
    const logger = recordingLogger();
    const pool = await rc.makeQuietPool({ hedgeMs: 50, replicaConnectTimeoutMs: 20_000, logger });
    assert.equal(pool.stats().replicas[0]?.totalCount, 0, 'a cold pool: the read must open a connection');
    const proxy = replica.proxy!;
    await proxy.setMode('stall');
    try {
      const { result: row, queries } = await captureQueries(() => read(pool, FAST));
      assert.equal(row.in_recovery, false, 'answered by the primary');
      assert.equal(row.server_port, primaryPort);
      assert.deepEqual(
        queries.map((q) => [q.node, q.reason]),
        [['primary', 'hedged']],
        'hedged during the connect, not a fallback after its timeout',
      );
      assert.equal(pool.stats().reasons.hedged, 1);
    } finally {
      await proxy.setMode('pass');
    }
    await readmittedAndServing(pool);
  });

  it('a frozen replica (stalled proxy, open connection): the primary answers; the loser’s connection is destroyed', async () => {
    const pool = await rc.makeQuietPool({ hedgeMs: 50 });
    // Warm: one open replica connection (a first connect, with its password exchange, may itself take longer
    // than the delay on a busy machine, and then the primary answers: read until the replica does).
    await servedByReplica(pool);
    const hedgedBefore = pool.stats().reasons.hedged;
    const losersBefore = pool.stats().hedging?.replicas[0];
    const proxy = replica.proxy!;
    await proxy.setMode('stall');
    try {
      const row = await read(pool, FAST);
      assert.equal(row.in_recovery, false, 'answered by the primary');
      assert.equal(row.server_port, primaryPort);
      assert.equal(pool.stats().reasons.hedged, hedgedBefore + 1);
      // The cancel cannot get through a stalled link: the connection is destroyed, not returned.
      const cleaned = (r: typeof losersBefore) => (r?.destroyed ?? 0) + (r?.cancelled ?? 0);
      const hedging = await pollUntil(
        async () => pool.stats().hedging?.replicas[0],
        (r) => cleaned(r) > cleaned(losersBefore),
        { what: 'the frozen loser to be destroyed' },
      );
      assert.equal(hedging?.destroyed, (losersBefore?.destroyed ?? 0) + 1);
      assert.equal(hedging?.cancelled, losersBefore?.cancelled ?? 0);
      assert.equal(pool.stats().replicas[0]?.totalCount, 0, 'no replica connection left in the pool');
      assert.equal(pool.stats().replicas[0]?.outstanding, 0);
    } finally {
      await proxy.setMode('pass');
    }
    // A new connection again (see the warm-up), then the replica serves again.
    await readmittedAndServing(pool);
  });

  it('a statement slow by nature is hedged only until its shape has latencies of its own, and races the replica won spend no budget', async () => {
    const app = 'hedge-heavy';
    // A budget of 0: only the 3 races per window always allowed; a 4th lost race would eject the replica.
    const pool = await rc.makeQuietPool({ applicationName: app, hedgeBudget: 0 });
    // 300 ms on either server: over the 250 ms cap of the replica-wide delay, and normal.
    const heavy = `SELECT ${WHERE}, pg_sleep(0.3) IS NULL AS slept FROM performance_framework WHERE id = 1`;
    const hedges = () => pool.stats().hedging?.replicas[0]?.hedges ?? 0;
    // Five at once, before the shape has any history: each is hedged, and the replica, ahead, wins each race.
    const first = await Promise.all(Array.from({ length: 5 }, () => read(pool, heavy)));
    const early = hedges();
    assert.ok(early >= 4, `the first runs, with no history, were hedged (${early})`);
    assert.ok(
      first.every((row) => row.in_recovery),
      'the replica answered them all',
    );
    assert.equal(pool.stats().replicas[0]?.state, 'healthy', 'races the replica won spend no budget');
    for (let i = 0; i < 10; i++) await read(pool, heavy);
    const later = hedges() - early;
    assert.ok(
      later <= 2,
      `${later} of the next 10 runs were hedged: the shape's own delay (2 × p95) lets them run`,
    );
    assert.equal(pool.stats().replicas[0]?.state, 'healthy', 'the budget ejected nobody');
    assert.ok((pool.stats().hedging?.shapes ?? 0) >= 1);
  });

  it('statements in flight on a replica that gets ejected are hedged at once (whatever their delay)', async () => {
    // A delay far beyond the test's life: only the ejection can start the primary.
    const pool = await rc.makeQuietPool({ hedgeMs: 600_000, probeTimeoutMs: 1_000 });
    await servedByReplica(pool);
    const proxy = replica.proxy!;
    await proxy.setMode('stall');
    try {
      const pending = read(pool, FAST);
      await pollUntil(
        async () => pool.stats().replicas[0]?.outstanding ?? 0,
        (n) => n > 0,
        { what: 'the read to be in flight on the replica', intervalMs: 10 },
      );
      await pool.probeReplicas(); // times out on the stalled link: ejected
      assert.equal(pool.stats().replicas[0]?.state, 'ejected');
      const row = await pending;
      assert.equal(row.in_recovery, false, 'answered by the primary');
      assert.equal(row.server_port, primaryPort);
      assert.equal(pool.stats().hedging?.onEjection, 1);
      assert.equal(pool.stats().reasons.hedged, 1);
    } finally {
      await proxy.setMode('pass');
    }
    await readmitted(pool);
  });

  it('one watchdog for many reads in flight: only the slow ones are hedged (answered by the primary, cancelled on the replica), the fast ones are not', async () => {
    const app = 'hedge-watchdog';
    // A delay no fast read comes near, even on a loaded machine: what is hedged is what the replica held.
    const pool = await rc.makeQuietPool({ applicationName: app, hedgeMs: 1_000, max: 8 });
    await servedByReplica(pool);
    const slow = [0, 1, 2].map((i) => read(pool, slowOnReplica(30, `wd-slow-${i}`)));
    const fast = [0, 1, 2, 3].map(() => read(pool, FAST));
    for (const row of await Promise.all(slow)) {
      assert.equal(row.in_recovery, false, 'a slow read answered by the primary');
      assert.equal(row.server_port, primaryPort);
    }
    for (const row of await Promise.all(fast))
      assert.equal(row.in_recovery, true, 'a fast read stayed on the replica');
    assert.equal(pool.stats().reasons.hedged, 3);
    // The replica's own view: no slow statement left running there (each was cancelled), nothing in flight.
    await pollUntil(
      () => backends(replica, rc.database, app),
      (rows) => !rows.some((b) => b.state === 'active' && /wd-slow/.test(b.query)),
      { what: 'the hedged replica statements to be cancelled' },
    );
    const hedging = await pollUntil(
      async () => pool.stats().hedging?.replicas[0],
      (r) => (r?.cancelled ?? 0) + (r?.destroyed ?? 0) === 3,
      { what: 'the three losers to be cleaned up' },
    );
    assert.equal(hedging?.primaryWon, 3);
    assert.equal(pool.stats().replicas[0]?.outstanding, 0);
  });

  it('the watchdog timer runs only while reads are in flight', async () => {
    // A delay far beyond the test's life: the read is watched, never hedged.
    const pool = await rc.makeQuietPool({ hedgeMs: 600_000 });
    await servedByReplica(pool);
    await pollUntil(
      async () => pool.stats().hedging?.replicas[0],
      (r) => r?.watchdogArmed === false && r.inFlight === 0,
      { what: 'the watchdog to stop once nothing is in flight' },
    );
    const pending = read(pool, slowOnReplica(3, 'wd-armed'));
    const during = await pollUntil(
      async () => pool.stats().hedging?.replicas[0],
      (r) => (r?.inFlight ?? 0) > 0,
      { what: 'the read to be watched', intervalMs: 10 },
    );
    assert.equal(during?.inFlight, 1);
    assert.equal(during?.watchdogArmed, true, 'armed while a read is in flight');
    const row = await pending;
    assert.equal(row.in_recovery, true, 'answered by the replica');
    assert.equal(pool.stats().reasons.hedged, 0);
    const after = await pollUntil(
      async () => pool.stats().hedging?.replicas[0],
      (r) => r?.watchdogArmed === false,
      { what: 'the watchdog to stop after the read' },
    );
    assert.equal(after?.inFlight, 0);
  });

  it('an answer that arrived while the client was busy past the delay is taken, not hedged', async () => {
    // Straight to the replica: the fault proxy runs in this process, and would itself wait for the busy loop.
    const direct = new URL(rc.urls.replicas[0]!);
    direct.port = String(replicaPort);
    const pool = await rc.makeQuietPool({ hedgeMs: 20, replicas: [direct.toString()] });
    await servedByReplica(pool);
    // An idle connection to send it on (a new one would be hedged during its connect, as it should be).
    await pollUntil(
      async () => pool.stats().replicas[0],
      (r) => (r?.idleCount ?? 0) > 0 && r?.outstanding === 0,
      { what: 'an idle replica connection' },
    );
    const hedgedBefore = pool.stats().reasons.hedged;
    const pending = read(pool, FAST);
    // Let the statement go out (the pool hands its idle connection over on the next tick), then keep the event
    // loop busy well past the delay: the answer waits in the socket while the watchdog's tick falls due.
    await new Promise((resolve) => setImmediate(resolve));
    const busyUntil = performance.now() + 2_000;
    while (performance.now() < busyUntil) {
      // busy, as a CPU-bound client is
    }
    const row = await pending;
    assert.equal(row.in_recovery, true, 'answered by the replica');
    assert.equal(row.server_port, replicaPort);
    assert.equal(pool.stats().reasons.hedged, hedgedBefore, 'no hedge for an answer already there');
  });
});
