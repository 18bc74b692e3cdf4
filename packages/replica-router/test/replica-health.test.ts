/**
 * Probe-based health against a real primary and two streaming replicas (behind fault proxies): replay paused
 * and resumed (lag), a replica promoted (not a replica), every replica down at start-up, and a probe that an
 * exhausted pool cannot starve. Where reads went is asked of each server (pg_stat_statements), not of our events.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { ReplicaNode } from 'pg-devcluster';
import { type RoutedPool, type RouterLogger, runInReplicaScope } from '../src/index.ts';
import { pollUntil, type RoutingCluster, startRoutingCluster, WHERE } from './support/routing-cluster.ts';

const PROBE_MS = 300;
/** A marker in the statement text, so each server's pg_stat_statements tells our reads apart. */
const MARKED_READ = `SELECT count(*)::int AS health_marker, ${WHERE} FROM perf_scan_probe`;

let rc: RoutingCluster;
let replicas: readonly ReplicaNode[];

before(async () => {
  rc = await startRoutingCluster({ replicas: 2 });
  replicas = rc.cluster.replicas;
  await rc.cluster.primary.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements', [], rc.database);
  await rc.cluster.primary.query('CREATE TABLE health_ballast (id serial, pad text)', [], rc.database);
  await rc.cluster.waitForReplicas();
});
after(() => rc?.stop());

function recordingLogger(): RouterLogger & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: () => {},
    info: (_o, msg) => void lines.push(`INFO ${msg}`),
    warn: (_o, msg) => void lines.push(`WARN ${msg}`),
    error: (_o, msg) => void lines.push(`ERROR ${msg}`),
  };
}

/** Calls of the marked read on one server, as its pg_stat_statements counts them. */
async function markedCalls(node: ReplicaNode): Promise<number> {
  const rows = await node.query<{ n: string | null }>(
    "SELECT sum(calls)::text AS n FROM pg_stat_statements WHERE query LIKE '%health_marker%'",
    [],
    rc.database,
  );
  return Number(rows[0]?.n ?? 0);
}

async function resetStatements(): Promise<void> {
  for (const node of replicas)
    if (node.running) await node.query('SELECT pg_stat_statements_reset()', [], rc.database);
}

/** `n` opted-in reads, one at a time; returns the port each was served from. */
async function reads(pool: RoutedPool, n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const { rows } = await runInReplicaScope(() => pool.query(MARKED_READ));
    ports.push(rows[0].server_port as number);
  }
  return ports;
}

/** Probes (answered or failed) of one replica so far. */
function probesOf(pool: RoutedPool, index: number): number {
  const r = pool.stats().replicas[index]!;
  return r.probes.ok + r.probes.failed;
}

/** WAL the replicas must replay: well over the test pool's byte limit. */
async function writeBallast(): Promise<void> {
  await rc.cluster.primary.query(
    "INSERT INTO health_ballast (pad) SELECT repeat('x', 200) FROM generate_series(1, 2000)",
    [],
    rc.database,
  );
}

describe('lag-aware routing', () => {
  test('replay paused: the replica stops getting reads within 2 probes; caught up: back within 2 probes', async () => {
    const logger = recordingLogger();
    const pool = rc.makePool({ probeMs: PROBE_MS, maxLagBytes: 64 * 1024, maxLagMs: 0, logger });
    await pool.probeReplicas();
    assert.deepEqual(
      pool.stats().replicas.map((r) => [r.state, r.lagBytes]),
      [
        ['healthy', 0],
        ['healthy', 0],
      ],
      'an idle primary is not lag',
    );
    const lagging = replicas[0]!;
    await lagging.pauseReplay();
    try {
      await writeBallast();
      const after = probesOf(pool, 0);
      await pollUntil(
        async () => pool.stats().replicas[0]!.state,
        (s) => s === 'lagging',
        { what: 'replica_1 lagging', timeoutMs: 20 * PROBE_MS },
      );
      assert.ok(probesOf(pool, 0) - after <= 2, `took ${probesOf(pool, 0) - after} probes`);
      assert.equal(pool.stats().replicas[0]!.replayPaused, true);
      assert.ok((pool.stats().replicas[0]!.lagBytes ?? 0) > 64 * 1024);
      // The other replica replays the ballast too: on a loaded machine it can be over the limit for a probe or two.
      await rc.cluster.waitForReplicas({ replicas: [replicas[1]!] });
      await pollUntil(
        async () => pool.stats().replicas[1]!.state,
        (s) => s === 'healthy',
        { what: 'replica_2 healthy', timeoutMs: 20 * PROBE_MS },
      );
      assert.equal(pool.stats().replicas[1]!.state, 'healthy');

      // Server side: the lagging replica executes none of the next reads; the other one all of them.
      await resetStatements();
      const ports = await reads(pool, 12);
      assert.deepEqual(new Set(ports), new Set([replicas[1]!.port]));
      assert.equal(await markedCalls(lagging), 0);
      assert.equal(await markedCalls(replicas[1]!), 12);
    } finally {
      await lagging.resumeReplay();
    }
    // Recovery is the replica back under the limit: count probes from the moment it has replayed the ballast
    // (a loaded machine can take longer than a probe interval to replay it).
    await rc.cluster.waitForReplicas({ replicas: [lagging] });
    const resumed = probesOf(pool, 0);
    await pollUntil(
      async () => pool.stats().replicas[0]!.state,
      (s) => s === 'healthy',
      { what: 'replica_1 readmitted', timeoutMs: 20 * PROBE_MS },
    );
    assert.ok(probesOf(pool, 0) - resumed <= 2, `took ${probesOf(pool, 0) - resumed} probes`);
    await resetStatements();
    await reads(pool, 12);
    assert.equal(await markedCalls(lagging), 6, 'round-robin again: half of the reads');
    assert.equal(await markedCalls(replicas[1]!), 6);
    assert.deepEqual(
      logger.lines.map((l) => l.replace(/after_ms=\d+/, 'after_ms=N')),
      [
        'WARN db_routing_replica_ejected replica=replica_1 reason=replica_lagging',
        'INFO db_routing_replica_readmitted replica=replica_1 after_ms=N',
      ],
    );
  });

  test('an exhausted replica pool does not starve the probe (it has its own connection)', async () => {
    // Hedging off: a hedge would cancel the busy statements and free the connections this test needs busy.
    const pool = rc.makePool({ max: 1, probeMs: 600_000, hedgeMs: 0 });
    await pool.probeReplicas();
    const before = pool.stats().replicas.map((r) => r.probes.ok);
    // Both replicas' only pooled connection busy for 1.5 s…
    const busy = runInReplicaScope(() =>
      Promise.all([1, 2].map(() => pool.query(`SELECT ${WHERE}, pg_sleep(1.5) IS NULL AS slept`))),
    );
    await pollUntil(
      async () => pool.stats().replicas.map((r) => r.idleCount + r.totalCount),
      () => pool.stats().replicas.every((r) => r.totalCount === 1 && r.idleCount === 0),
      { what: 'both replica pools busy', timeoutMs: 5000, intervalMs: 20 },
    );
    // …and the probes still answer at once.
    await pool.probeReplicas();
    const during = pool.stats().replicas;
    assert.deepEqual(
      during.map((r, i) => [r.state, r.probes.ok - before[i]!, r.idleCount]),
      [
        ['healthy', 1, 0],
        ['healthy', 1, 0],
      ],
    );
    const served = await busy;
    assert.deepEqual(served.map((r) => r.rows[0].in_recovery).sort(), [true, true]);
  });
});

describe('a script with nothing else running', () => {
  test('its first routed statement waits for the first probes (their sockets keep it alive) and is answered', async () => {
    // A bare process: no test runner, no other pool. The probe connections are unreferenced while idle, so
    // only a probe in flight may keep the process running; this would exit before the answer otherwise.
    const script = `
      import { RoutedPool, runInReplicaScope } from ${JSON.stringify(join(import.meta.dirname, '../src/index.ts'))};
      const [primary, replica] = JSON.parse(process.argv[1]);
      const pool = new RoutedPool({ primary, replicas: [replica], tableApps: { perf_scan_probe: 'perf' },
        tokenSecret: 'script-secret-0123456789-0123456789-abc' });
      const { rows } = await runInReplicaScope(() => pool.query('SELECT pg_is_in_recovery() AS r FROM perf_scan_probe LIMIT 1'));
      console.log(JSON.stringify(rows[0]));
      await pool.end();
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
        JSON.stringify([rc.urls.primary, rc.urls.replicas[0]]),
      ],
      { timeout: 60_000 },
    );
    assert.deepEqual(JSON.parse(stdout.trim()), { r: true });
  });
});

describe('every replica down at start-up', () => {
  test('the pool starts, serves from the primary, and picks each replica up when it comes', async () => {
    await Promise.all(replicas.map((r) => r.stop('fast')));
    const logger = recordingLogger();
    let pool: RoutedPool | undefined;
    try {
      pool = rc.makePool({ probeMs: PROBE_MS, logger, readmitProbes: 2 });
      const ports = await reads(pool, 3);
      assert.deepEqual(ports, [rc.cluster.primary.port, rc.cluster.primary.port, rc.cluster.primary.port]);
      assert.deepEqual(
        pool.stats().replicas.map((r) => [r.state, r.reason]),
        [
          ['ejected', 'probe_failed'],
          ['ejected', 'probe_failed'],
        ],
      );
      assert.equal(pool.stats().reasons.replica_down, 3);
    } finally {
      await Promise.all(replicas.map((r) => r.start()));
    }
    await rc.cluster.waitForReplicas();
    await pollUntil(
      async () => pool!.stats().replicas.map((r) => r.state),
      (states) => states.every((s) => s === 'healthy'),
      { what: 'both replicas picked up', timeoutMs: 20_000 },
    );
    await resetStatements();
    const ports = await reads(pool, 4);
    assert.deepEqual(new Set(ports), new Set(replicas.map((r) => r.port)));
    assert.equal((await markedCalls(replicas[0]!)) + (await markedCalls(replicas[1]!)), 4);
    const lines = logger.lines.map((l) => l.replace(/after_ms=\d+/, 'after_ms=N')).sort();
    assert.deepEqual(lines, [
      'INFO db_routing_replica_readmitted replica=replica_1 after_ms=N',
      'INFO db_routing_replica_readmitted replica=replica_2 after_ms=N',
      'WARN db_routing_replica_ejected replica=replica_1 reason=probe_failed',
      'WARN db_routing_replica_ejected replica=replica_2 reason=probe_failed',
    ]);
  });
});

// Last: promotion cannot be undone, and leaves the cluster with one replica.
describe('a server that is not a replica', () => {
  test('a promoted replica gets no reads and one ERROR line; the other keeps serving', async () => {
    const logger = recordingLogger();
    const pool = rc.makePool({ probeMs: PROBE_MS, logger });
    await pool.probeReplicas();
    const promoted = replicas[1]!;
    await promoted.promote();
    await pollUntil(
      async () => pool.stats().replicas[1]!.state,
      (s) => s === 'not_a_replica',
      { what: 'replica_2 not a replica', timeoutMs: 20 * PROBE_MS },
    );
    await resetStatements();
    const ports = await reads(pool, 6);
    assert.deepEqual(new Set(ports), new Set([replicas[0]!.port]));
    assert.equal(await markedCalls(promoted), 0, 'the promoted server executed none of the reads');
    assert.equal(await markedCalls(replicas[0]!), 6);
    assert.deepEqual(logger.lines, [
      'ERROR db_routing_replica_ejected replica=replica_2 reason=not_a_replica',
    ]);
    // It stays out, probe after probe, and says so only once.
    await pool.probeReplicas();
    await pool.probeReplicas();
    assert.equal(pool.stats().replicas[1]!.state, 'not_a_replica');
    assert.equal(logger.lines.length, 1);
  });
});
