/**
 * Peers side by side: every way of sending reads to a replica that this project could have used, in one
 * process on one cluster (primary + 1 streaming replica), the same statements, ABAB rounds, ratios.
 *
 * Two workloads: a point query by primary key (`SELECT * FROM bench_item WHERE id = $1`, random ids over
 * 100k rows) and the platforms endpoint's real statement (its SQL built by the endpoint's own helper, on the
 * `small` seeded data set). At concurrency 1, 16 and 64, every pool max 16:
 *
 * - raw pg.Pool on the replica: the floor (every ratio is to it) and raw pg.Pool on the primary;
 * - the floor again, as a peer like the others (an A/A control): the ratio the method reads for no difference at
 *   all, so a peer's ratio can be read against the method's own spread;
 * - RoutedPool in scope (replica), out of scope (primary), routing off (primary); in scope, it reads through the
 *   floor's own pool, given as its replica (`replicas: [rawReplica]`);
 * - Drizzle `withReplicas`, kysely-replication, Prisma with @prisma/extension-read-replicas, each through its
 *   own API (query builder for the point query; for the endpoint statement, the library's way to run SQL on
 *   a replica) over the same two raw pools;
 * - pgpool-II (statement-level load balancing, all reads to the replica), installed when missing as root.
 *
 * So every in-process peer that reads on the replica does it on the floor's connections: its ratio is the client
 * library's cost alone, not also that of other server processes (those of a pool of its own are colder: between
 * its turns, about 25 s here, other processes ran on the two cores, while the floor's run next to every peer).
 *
 * Where each peer's statements ran is asked of the servers (pg_stat_statements deltas on each) and saved.
 * Every pool keeps its connections while idle (`keptConnections`): a peer waits about 25 s for its next turn
 * while the others run, pg-pool's default closes idle connections after 10 s, and a new connection's server
 * process is slower for a while, which penalised every peer but the floor (paired with every peer, it never
 * idles): at 64 clients a raw pg.Pool on the primary measured 0.85x of the floor, the routed pool in scope 0.80x.
 * The servers count the connections opened during each timed run (`pg_stat_activity.backend_start`; expected
 * 0). Every timed run also follows an untimed one of the same pool (a quarter of its length, at most 250 ms).
 * The peers' order changes every round after a Williams design (`balancedOrder`): a plain rotation put the same
 * peer right after each one every round, so whatever a run left behind (a major collection it made due, say) fell
 * on the same next peer every time.
 * Per run: throughput, per-query latency p50/p99 and this process's CPU per query. Every peer run is paired
 * with a floor run next to it (floor first in even rounds, the peer first in odd ones); per pair: ratio to the
 * floor, the latency and client CPU added over it (µs). Medians over the rounds.
 *
 * Runs of 1 s, not shorter. This machine's throughput drifts slowly (one pool alone at 64 clients: 12.6 %
 * coefficient of variation per 250 ms, still 9.8 % per 1 s), so a pair of 250 ms runs spreads about as much as a
 * pair of 1 s runs, and four times the pairs would halve the median's interval. But 32 rounds of 250 ms read the
 * routed pools' client CPU over the floor at +13 to +30 µs per statement, against +1 to +22 with runs of 1 s, and
 * in two runs of three the hedged pool spent more CPU in the first half of its 1 s turn than in the second (141
 * and 148 against 117 and 126 µs per statement at 1 client; the floor level): a cost at the start of a turn,
 * which short runs read four times over.
 *
 * Then one client again, statement by statement (`interleave`, bench/support/interleaved.ts): every peer's
 * statements in one loop, one of each per cycle in a shuffled order, for `--interleaved-ms` per workload, with the
 * floor's pool inside `runInReplicaScope` as one more peer (what the scope alone costs). Peers that take turns
 * every few hundred µs share the machine's drift, so this reads a one-client ratio to within about ±1 %, where
 * the rounds above spread by ±5 % or more. Last, each peer interleaved with the floor alone (`--pair-ms` per peer and
 * workload): the rounds' condition, where only the peer's code and the floor's run, read as precisely. Between the
 * two, a peer's cost is bracketed: next to the floor alone its code stays warm, between eleven other peers it is
 * evicted before each statement.
 *
 * Then the rounds' pairing at 16 and 64 clients, read as finely (`interleavePhases`, bench/support/phased.ts): each
 * peer and the floor take turns in phases of a few hundred statements (tens of milliseconds), each phase timed while
 * all its clients are busy, for `--phase-ms` per peer, workload and concurrency.
 *
 * Usage: node --conditions=@perfherder/source --import tsx bench/peers.ts [--rounds 8] [--ms 1000]
 *        [--interleaved-ms 60000] [--pair-ms 15000] [--phase-ms 8000] [--quick]
 * Writes bench/results/peers.json. Not part of npm test.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { tableApps } from '../apps/perfherder/src/db/table-apps.ts';
import { intervalCutoffSql } from '../apps/perfherder/src/perf/signatures/series-params.ts';
import { seed } from '../apps/perfherder/src/seed/index.ts';
import { RoutedPool, runInReplicaScope } from '../packages/replica-router/src/index.ts';
import {
  benchEnvironment,
  createMigratedDatabase,
  startBenchCluster,
  writeResult,
} from './support/bench-env.ts';
import { connectionsOpenedSince } from './support/connections-opened.ts';
import { INTERLEAVED_BATCHES, INTERLEAVED_TRIM, interleaveOneClient } from './support/interleaved.ts';
import { libraryPeers } from './support/library-peers.ts';
import {
  drive,
  type Measured,
  type Peer,
  type Row,
  type Run,
  summarise,
  type Workload,
} from './support/paired-runs.ts';
import { interleavePhases, MIN_PER_CALLER, printInterleaved } from './support/phased.ts';
import { createBenchItems, keptConnections, POINT, rawPools } from './support/point-fixture.ts';
import { balancedOrder } from './support/stats.ts';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '8' },
    ms: { type: 'string', default: '1000' },
    'interleaved-ms': { type: 'string', default: '60000' },
    'pair-ms': { type: 'string', default: '15000' },
    'phase-ms': { type: 'string', default: '8000' },
    quick: { type: 'boolean', default: false },
  },
});
const rounds = args.quick ? 2 : Number(args.rounds);
const runMs = args.quick ? 300 : Number(args.ms);
if (!Number.isInteger(rounds) || rounds < 2) throw new Error('--rounds: an integer ≥ 2');
if (!Number.isInteger(runMs) || runMs < 100) throw new Error('--ms: an integer ≥ 100');
const interleavedMs = args.quick ? 3000 : Number(args['interleaved-ms']);
if (!Number.isInteger(interleavedMs) || interleavedMs < 1000)
  throw new Error('--interleaved-ms: an integer ≥ 1000');
const pairMs = args.quick ? 1000 : Number(args['pair-ms']);
if (!Number.isInteger(pairMs) || pairMs < 1000) throw new Error('--pair-ms: an integer ≥ 1000');
const phaseMs = args.quick ? 1000 : Number(args['phase-ms']);
if (!Number.isInteger(phaseMs) || phaseMs < 1000) throw new Error('--phase-ms: an integer ≥ 1000');
/** About how many statements a phase runs (tens of milliseconds on this machine), by workload. */
const PER_PHASE = { point: 256, endpoint: 64 } as const;
/** The untimed run right before each timed one, the same pool at the same concurrency. */
const WARM_MS = Math.min(250, Math.round(runMs / 4));
const ROWS = 100_000;
const CONCURRENCIES = [1, 16, 64] as const;
const POOL_MAX = 16;
const TARGET_RATIO = 0.97;
const DATABASE = 'peers';
const FLOOR = 'pg.Pool on the replica (floor)';
/** The floor's pool inside a replica scope, and nothing else (the one-client interleaving only). */
const SCOPE_ONLY = 'pg.Pool on the replica inside runInReplicaScope';
/** The A/A control: the floor again, as a peer. */
const CONTROL = 'pg.Pool on the replica again (A/A control)';
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The platforms endpoint's statement for `?interval=` (perf/platforms), its cutoff from the endpoint's helper. */
const ENDPOINT = `SELECT DISTINCT mp.platform
         FROM repository r
         JOIN performance_signature s ON s.repository_id = r.id
         JOIN machine_platform mp ON mp.id = s.platform_id
         WHERE r.name = $1 AND s.last_updated >= ${intervalCutoffSql('$2')}
         ORDER BY mp.platform`;

// Room for every peer's pool (pgpool-II's children hold their own connections to both servers).
const { cluster, stopCluster } = await startBenchCluster({ replicas: 1, settings: { max_connections: 300 } });
const closers: (() => Promise<unknown>)[] = [];
try {
  const urls = await createMigratedDatabase(cluster, DATABASE);
  const [primaryUrl, replicaUrl] = [urls.primary, urls.replicas[0] as string];
  await cluster.primary.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements', [], DATABASE);
  log('seeding the small data set and 100k bench_item rows …');
  await seed(primaryUrl, { size: 'small', seed: 1 });
  await createBenchItems(cluster, DATABASE, ROWS);
  await cluster.primary.query('VACUUM ANALYZE', [], DATABASE);
  await cluster.waitForReplicas();
  // The endpoint's parameters from the data: the repository with the most signatures, an interval that
  // reaches nine in ten of its signatures (and a day more, so the answer does not shrink during the run).
  const params = await endpointParameters(primaryUrl);
  log(`endpoint parameters: ${JSON.stringify(params)}`);

  // --- pools, all the same size, keeping their connections while idle; the replica pool configured like the
  // routed pool's own replica pools, and given to the routed pools as their replica (as the other peers get it)
  const { rawPrimary, rawReplica } = rawPools(primaryUrl, replicaUrl, POOL_MAX);
  const primary = keptConnections(primaryUrl);
  // The service's table labels and allow-list (createServicePool's), so the endpoint statement routes as it does there.
  const routing = {
    tableApps: { ...tableApps, bench_item: 'perf' },
    allowList: ['perf', 'model'],
    max: POOL_MAX,
  };
  const routed = new RoutedPool({ primary, replicas: [rawReplica], ...routing });
  const routingOff = new RoutedPool({ primary, ...routing });
  // The same with hedged reads off (READ_REPLICA_HEDGE_MS=0), to show what hedging costs per statement.
  const routedNoHedge = new RoutedPool({
    primary,
    replicas: [rawReplica],
    ...routing,
    hedgeMs: 0,
  });
  for (const p of [rawPrimary, rawReplica, routed, routingOff, routedNoHedge]) {
    p.on('error', () => {}); // an idle connection closed by the cluster's shutdown must not crash the run
    closers.push(() => p.end());
  }
  await routed.probeReplicas();
  await routedNoHedge.probeReplicas();
  const sqlOf = (w: Workload) => (w === 'point' ? POINT : ENDPOINT);
  const paramsOf = (w: Workload, id: number) => (w === 'point' ? [id] : [params.repo, params.interval]);
  const onFloor: Run = (w, id) => rawReplica.query(sqlOf(w), paramsOf(w, id));
  const peers: Peer[] = [
    { name: FLOOR, expected: 'replica', run: onFloor },
    // The floor's own code on the floor's own pool, paired with the floor like any peer: what the method reads
    // when there is no difference at all (its noise and any bias of a peer's place in the pair).
    { name: CONTROL, expected: 'replica', run: onFloor },
    {
      name: 'pg.Pool on the primary',
      expected: 'primary',
      run: (w, id) => rawPrimary.query(sqlOf(w), paramsOf(w, id)),
    },
    {
      name: 'RoutedPool in scope',
      onFloorPool: true,
      expected: 'replica',
      run: (w, id) => runInReplicaScope(() => routed.query(sqlOf(w), paramsOf(w, id))),
    },
    {
      name: 'RoutedPool in scope, hedging off',
      onFloorPool: true,
      expected: 'replica',
      run: (w, id) => runInReplicaScope(() => routedNoHedge.query(sqlOf(w), paramsOf(w, id))),
    },
    {
      name: 'RoutedPool out of scope',
      expected: 'primary',
      run: (w, id) => routed.query(sqlOf(w), paramsOf(w, id)),
    },
    {
      name: 'RoutedPool, routing off',
      expected: 'primary',
      run: (w, id) => routingOff.query(sqlOf(w), paramsOf(w, id)),
    },
  ];
  const others = await libraryPeers({
    rawPrimary,
    rawReplica,
    primaryUrl,
    replicaUrl,
    endpoint: { sql: ENDPOINT, ...params },
    sqlOf,
    paramsOf,
    poolMax: POOL_MAX,
    closers,
    log,
  });
  peers.push(...others.peers);
  const { skipped, versions } = others;
  for (const s of skipped) log(`skipped ${s.peer}: ${s.reason}`);

  // --- where each peer's statements run, from the servers
  const monitors = await Promise.all(
    [primaryUrl, replicaUrl].map(async (url) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      closers.push(() => c.end());
      return c;
    }),
  );
  const statementCalls = async (c: pg.Client) =>
    Number(
      (
        await c.query<{ n: string | null }>(
          'SELECT sum(calls) AS n FROM pg_stat_statements WHERE query ~ $1',
          ['bench_item|machine_platform'],
        )
      ).rows[0]?.n ?? 0,
    );
  const served: Record<string, { primary: number; replica: number }> = {};
  for (const peer of peers) {
    const before = await Promise.all(monitors.map(statementCalls));
    for (let i = 0; i < 20; i++) {
      await peer.run('point', 1 + i);
      await peer.run('endpoint', 1);
    }
    const after = await Promise.all(monitors.map(statementCalls));
    served[peer.name] = {
      primary: (after[0] ?? 0) - (before[0] ?? 0),
      replica: (after[1] ?? 0) - (before[1] ?? 0),
    };
    const where = served[peer.name] as { primary: number; replica: number };
    const on =
      where.replica >= 40 && where.primary < 40 ? 'replica' : where.primary >= 40 ? 'primary' : 'unclear';
    log(`${peer.name}: ${where.primary} statements on the primary, ${where.replica} on the replica`);
    if (on !== peer.expected) {
      throw new Error(
        `${peer.name} ran on the ${on}, expected the ${peer.expected} (routed pool reasons: ${JSON.stringify(routed.stats().reasons)})`,
      );
    }
  }

  // --- rounds
  const rows: Row[] = [];
  for (const workload of ['point', 'endpoint'] as const) {
    for (const concurrency of CONCURRENCIES) {
      for (const p of peers) await drive(p.run, workload, concurrency, Math.min(500, runMs), ROWS); // warm-up
      // Each peer's run is paired with a floor run right next to it (floor first in even rounds, the peer
      // first in odd ones: ABBA over two rounds), so a ratio compares two runs under the same machine load.
      const runs = new Map(peers.map((p) => [p.name, [] as Measured[]]));
      const floors = new Map(peers.map((p) => [p.name, [] as Measured[]]));
      const floorPeer = peers[0] as Peer;
      const others = peers.slice(1);
      for (let r = 0; r < rounds; r++) {
        // A Williams design: each round a peer follows a different one (see balancedOrder).
        const order = balancedOrder(others.length, r).map((i) => others[i] as Peer);
        for (const p of order) {
          const pair = r % 2 === 0 ? [floorPeer, p] : [p, floorPeer];
          for (const q of pair) {
            // Untimed first: the pool was idle while the other peers ran (about 20 s a round); its connections are
            // kept (keptConnections), the servers' processes behind them and this process's code for it warm again.
            await drive(q.run, workload, concurrency, WARM_MS, ROWS);
            const since = new Date();
            const m = await drive(q.run, workload, concurrency, runMs, ROWS);
            const opened = await connectionsOpenedSince(monitors, DATABASE, since);
            if (opened > 0) log(`  ${q.name}: ${opened} connections opened during its timed run`);
            (q === floorPeer ? floors : runs).get(p.name)?.push({ ...m, connectionsOpened: opened });
          }
        }
      }
      const allFloor = [...floors.values()].flat();
      rows.push(summarise(workload, concurrency, floorPeer, allFloor, allFloor));
      for (const p of others)
        rows.push(summarise(workload, concurrency, p, runs.get(p.name) ?? [], floors.get(p.name) ?? []));
      log(`  done: ${workload}, concurrency ${concurrency}`);
    }
  }

  console.table(
    rows.map((r) => ({
      workload: r.workload,
      conc: r.concurrency,
      peer: r.peer,
      'ops/s': r.opsPerSecMedian,
      'ratio to floor': r.ratioMedian,
      '+p50 µs': r.addedP50MicrosMedian,
      '+p99 µs': r.addedP99MicrosMedian,
      errors: r.errors,
      'client CPU µs': r.cpuMicrosMedian,
      '+CPU µs': r.addedCpuMicrosMedian,
      'conns opened': r.connectionsOpened,
    })),
  );
  // --- one client, statement by statement (bench/support/interleaved.ts), with the scope's own cost beside them
  const scopeOnly: Peer = {
    name: SCOPE_ONLY,
    expected: 'replica',
    run: (w, id) => runInReplicaScope(() => rawReplica.query(sqlOf(w), paramsOf(w, id))),
  };
  const oneClient = await interleaveOneClient([...peers, scopeOnly], {
    ms: interleavedMs,
    pairMs,
    rows: ROWS,
    log,
  });
  // --- 16 and 64 clients, each peer and the floor in alternating phases (bench/support/phased.ts)
  const phased = await interleavePhases([...peers, scopeOnly], {
    concurrencies: CONCURRENCIES.filter((c) => c > 1),
    perPhase: PER_PHASE,
    ms: phaseMs,
    rows: ROWS,
    log,
  });
  printInterleaved(oneClient, phased);

  writeResult('peers.json', {
    benchmark: 'peers',
    ...benchEnvironment({ postgres: cluster.version, roundLoad: true }),
    rounds,
    runMs,
    warmMs: WARM_MS,
    order: 'balanced',
    idleTimeoutMillis: 0,
    poolMax: POOL_MAX,
    concurrencies: CONCURRENCIES,
    targetRatio: TARGET_RATIO,
    floor: FLOOR,
    control: CONTROL,
    onFloorPool: peers.filter((p) => p.onFloorPool).map((p) => p.name),
    statements: { point: POINT, endpoint: ENDPOINT },
    endpointParameters: params,
    versions,
    skipped,
    served,
    routedPoolReasons: routed.stats().reasons,
    rows,
    interleaved: {
      ms: interleavedMs,
      batches: INTERLEAVED_BATCHES,
      trim: INTERLEAVED_TRIM,
      scopeOnly: SCOPE_ONLY,
      rows: oneClient.all,
      pairs: { ms: pairMs, rows: oneClient.pairs },
    },
    phased: { ms: phaseMs, perPhase: PER_PHASE, minPerCaller: MIN_PER_CALLER, rows: phased },
  });
  log('wrote bench/results/peers.json');
} finally {
  for (const close of closers) await close().catch(() => {});
  await stopCluster();
}

async function endpointParameters(url: string): Promise<{ repo: string; interval: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const row = (
      await c.query<{ repo: string; interval: number }>(
        `SELECT r.name AS repo,
                ceil(extract(epoch FROM now() - percentile_disc(0.1) WITHIN GROUP (ORDER BY s.last_updated)) + 86400)::int AS interval
           FROM repository r JOIN performance_signature s ON s.repository_id = r.id
          GROUP BY r.name ORDER BY count(*) DESC LIMIT 1`,
      )
    ).rows[0];
    if (!row) throw new Error('the seeded data set has no signatures');
    return row;
  } finally {
    await c.end();
  }
}
