/**
 * Replicas from DNS against a real primary and two streaming replicas. A DNS server started here on 127.0.0.1
 * answers A records; each replica appears on its own loopback address (127.0.0.2, 127.0.0.3) on one shared port,
 * through a TCP proxy, as replicas behind a Kubernetes headless service or a reader endpoint do. Where reads went
 * is asked of each server (pg_stat_statements); whether a drained pool closed, of pg_stat_activity.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTcpProxy, type ReplicaNode, type TcpProxy } from 'pg-devcluster';
import { type RoutedPool, type RouterLogger, runInReplicaScope } from '../src/index.ts';
import { type LoopbackDns, startLoopbackDns } from './support/loopback-dns.ts';
import {
  connectionsNamed,
  pollUntil,
  type RoutingCluster,
  startRoutingCluster,
  TEST_TOKEN_SECRET,
  WHERE,
} from './support/routing-cluster.ts';

const NAME = 'replicas.routing.test';
const APP = 'dns-discovery-test';
const INTERVAL_MS = 200;
const MARKED_READ = `SELECT count(*)::int AS discovery_marker, ${WHERE} FROM perf_scan_probe`;
const SLOW_READ = `SELECT pg_sleep(1.5) IS NULL AS slow_discovery_marker, ${WHERE} FROM perf_scan_probe LIMIT 1`;

let rc: RoutingCluster;
let replicas: readonly ReplicaNode[];
let dns: LoopbackDns;
let proxies: TcpProxy[] = [];

before(async () => {
  rc = await startRoutingCluster({ replicas: 2 });
  replicas = rc.cluster.replicas;
  await rc.cluster.primary.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements', [], rc.database);
  await rc.cluster.waitForReplicas();
  const first = await createTcpProxy(replicas[0]!.port, 0, { host: '127.0.0.2' });
  const second = await createTcpProxy(replicas[1]!.port, first.port, { host: '127.0.0.3' });
  proxies = [first, second];
  dns = await startLoopbackDns();
});
after(async () => {
  await rc?.stop();
  await Promise.allSettled([...proxies.map((p) => p.close()), dns?.close()]);
});

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

async function resetStatements(): Promise<void> {
  for (const node of replicas) await node.query('SELECT pg_stat_statements_reset()', [], rc.database);
}

/** Calls of the marked read on each replica, as each one's pg_stat_statements counts them. */
async function markedCalls(): Promise<number[]> {
  const counts: number[] = [];
  for (const node of replicas) {
    const rows = await node.query<{ n: string | null }>(
      "SELECT sum(calls)::text AS n FROM pg_stat_statements WHERE query LIKE '%discovery_marker%' AND query NOT LIKE '%slow_%'",
      [],
      rc.database,
    );
    counts.push(Number(rows[0]?.n ?? 0));
  }
  return counts;
}

async function reads(pool: RoutedPool, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await runInReplicaScope(() => pool.query(MARKED_READ));
}

function members(pool: RoutedPool): string[] {
  return pool.stats().replicas.map((r) => `${r.name} ${r.source} ${r.draining ? 'draining' : r.state}`);
}

describe('READ_REPLICA_DISCOVERY', () => {
  test('addresses appear and get reads, disappear and drain, and a failed resolution keeps the set', async () => {
    dns.setA(NAME, ['127.0.0.2']);
    const logger = recordingLogger();
    const pool = rc.makePool({
      replicas: [],
      discovery: { host: NAME, port: proxies[0]!.port, intervalMs: INTERVAL_MS, servers: [dns.server] },
      applicationName: APP,
      probeMs: 100,
      readmitProbes: 2,
      logger,
    });

    // One address: one replica, and it serves the reads.
    await resetStatements();
    await reads(pool, 10);
    assert.deepEqual(await markedCalls(), [10, 0]);
    assert.deepEqual(members(pool), ['replica_127.0.0.2 dns healthy']);
    assert.deepEqual(pool.stats().discovery?.addresses, ['127.0.0.2']);

    // A second address: a pool, admitted after two good probes, then half of the reads.
    dns.setA(NAME, ['127.0.0.2', '127.0.0.3']);
    await pollUntil(
      async () => members(pool),
      (m) => m.join() === 'replica_127.0.0.2 dns healthy,replica_127.0.0.3 dns healthy',
      { what: 'the second replica admitted', timeoutMs: 10_000, intervalMs: 20 },
    );
    assert.ok(pool.stats().replicas[1]!.probes.ok >= 2, 'admitted on probation: two good probes');
    assert.equal(pool.stats().replicas[1]!.host, '127.0.0.3');
    await resetStatements();
    await reads(pool, 20);
    assert.deepEqual(await markedCalls(), [10, 10]);

    // The first address goes while it runs a statement: no new reads, the statement finishes, then its pool
    // closes and replica_1 has no connection of ours left.
    const slow = runInReplicaScope(() => Promise.all([pool.query(SLOW_READ), pool.query(SLOW_READ)]));
    await pollUntil(
      async () => pool.stats().replicas.map((r) => r.outstanding),
      (o) => o.join() === '1,1',
      { what: 'a slow read on each replica', timeoutMs: 5000, intervalMs: 10 },
    );
    dns.setA(NAME, ['127.0.0.3']);
    await pollUntil(
      async () => members(pool),
      (m) => m.join() === 'replica_127.0.0.3 dns healthy,replica_127.0.0.2 dns draining',
      { what: 'replica_127.0.0.2 draining', timeoutMs: 5000, intervalMs: 10 },
    );
    await resetStatements();
    await reads(pool, 10);
    assert.deepEqual(await markedCalls(), [0, 10], 'a draining replica gets no new statement');
    const finished = await slow;
    assert.deepEqual(
      finished.map((r) => r.rows[0].server_port).sort(),
      [replicas[0]!.port, replicas[1]!.port].sort(),
      'the statement in flight on the leaving replica finished there',
    );
    await pollUntil(
      async () => members(pool),
      (m) => m.join() === 'replica_127.0.0.3 dns healthy',
      { what: 'the drained pool gone', timeoutMs: 5000, intervalMs: 20 },
    );
    await pollUntil(
      () => connectionsNamed(replicas[0]!, rc.database, APP),
      (n) => n === 0,
      { what: 'no connection of the pool left on replica_1', timeoutMs: 5000 },
    );
    assert.ok((await connectionsNamed(replicas[1]!, rc.database, APP)) > 0, 'replica_2 still connected');

    // DNS fails: the set is kept, reads carry on, one WARN for the whole run of failures.
    const before = pool.stats().discovery!.failures;
    dns.fail(true);
    await pollUntil(
      async () => pool.stats().discovery!.failures,
      (n) => n >= before + 3,
      { what: 'three failed resolutions', timeoutMs: 10_000, intervalMs: 50 },
    );
    assert.equal(pool.stats().discovery?.failing, true);
    assert.deepEqual(members(pool), ['replica_127.0.0.3 dns healthy']);
    await resetStatements();
    await reads(pool, 5);
    assert.deepEqual(await markedCalls(), [0, 5]);
    dns.fail(false);
    await pollUntil(
      async () => pool.stats().discovery!.failing,
      (failing) => !failing,
      { what: 'resolution back', timeoutMs: 10_000, intervalMs: 50 },
    );

    const lines = logger.lines.map((l) => l.replace(/(after_ms|outstanding)=\d+/, '$1=N'));
    assert.deepEqual(
      lines.filter(
        (l) =>
          l.includes('discovery') ||
          l.includes('replica_added') ||
          l.includes('replica_d') ||
          l.includes('replica_removed'),
      ),
      [
        'INFO db_routing_replica_added replica=replica_127.0.0.2 source=dns',
        'INFO db_routing_replica_added replica=replica_127.0.0.3 source=dns',
        'INFO db_routing_replica_draining replica=replica_127.0.0.2 outstanding=N',
        'INFO db_routing_replica_removed replica=replica_127.0.0.2 after_ms=N',
        `WARN db_routing_discovery_failed host=${NAME} code=ESERVFAIL kept=1`,
        `INFO db_routing_discovery_recovered host=${NAME} addresses=1`,
      ],
    );
    const password = new URL(rc.urls.primary).password;
    assert.ok(password.length > 0);
    for (const line of logger.lines) assert.ok(!line.includes(password), `a secret in: ${line}`);
    assert.ok(!JSON.stringify(pool.stats()).includes(password));
    assert.ok(!JSON.stringify(pool.stats()).includes(TEST_TOKEN_SECRET));
  });
});
