/**
 * The fault matrix (issue 11): the service over HTTP on a real primary + 2 replicas, under a bounded mixed load,
 * through one fault per case. Replica 1 is reached through a TCP proxy (pg-devcluster's), for the network faults.
 *
 * Load: 8 clients over keep-alive HTTP. 4 hold causal tokens: each writes its own alert summary's notes (an
 * authenticated PUT), reads it back presenting the token (a read that sees another value is a stale read), then
 * reads the routed data endpoint with the token. 4 read routed endpoints without a token.
 *
 * Each case: 3 s baseline, the fault held 5 s, the recovery action, then load until the replica served a read
 * again (at most 5 s) and 1 s more. Figures per case:
 * - failed: responses other than 200 (or no response within 15 s), over the whole case;
 * - slowest / p99: latency of the requests started from the fault on; normal p99: the baseline's;
 * - stale reads: token holders' read-backs that did not see their own write;
 * - replica writes, from the servers' side: lines of SQLSTATE 25006 ("cannot execute … in a read-only
 *   transaction") added to the replicas' logs during the case, plus rows the replicas' own backends inserted,
 *   updated or deleted (pg_stat_user_tables; replay does not count there, so a standby's counters stay 0);
 * - pools at baseline: 1 s after the load stopped, no connection of any pool is checked out or waited for, no
 *   pool holds more than its max, and each replica expected back is healthy with its pool refilled;
 * - readmit: from the moment the recovery action returned to the first read the replica served again (in ms and
 *   in probe intervals; the goal is 2);
 * - WARN logged: the line this fault should produce was in the service's log (for the conflict, the INFO retry line).
 * Plus a timeline per case (250 ms buckets: p50/p99, statements served per server from the pool's route events,
 * failures; marks for fault start/end, ejections and readmissions).
 *
 * Usage: node --conditions=@perfherder/source --import tsx bench/fault-matrix.ts [only: fault names, comma-separated]
 * Prints a markdown table, writes bench/results/fault-matrix.json and bench/results/fault-matrix.md. Not part of
 * npm test.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { build } from '../apps/perfherder/src/app.ts';
import { createServicePool } from '../apps/perfherder/src/db/create-service-pool.ts';
import { seed } from '../apps/perfherder/src/seed/index.ts';
import { createTcpProxy, type ReplicaNode } from '../packages/pg-devcluster/src/index.ts';
import {
  type ReplicaStateEvent,
  type RouteEvent,
  readRouterConfig,
  replicaStateChannel,
  routeChannel,
} from '../packages/replica-router/src/index.ts';
import {
  benchEnvironment,
  createMigratedDatabase,
  resultsDir,
  startBenchCluster,
  writeResult,
} from './support/bench-env.ts';
import { prepareWorkload } from './support/causal-workload.ts';
import { endpointRequests } from './support/endpoint-requests.ts';
import { caseFigures } from './support/fault-case-figures.ts';
import { faultCases } from './support/fault-cases.ts';
import { type LoadRecords, startLoad } from './support/fault-load.ts';
import { readOnlyErrors, recoveryConflicts, rowsWrittenOn } from './support/replica-counters.ts';
import { roundTo } from './support/stats.ts';

const only = process.argv[2]?.split(',').filter(Boolean);
const PROBE_MS = 250;
const MAX_LAG_MS = 1000;
const POOL_MAX = 10;
const TOKEN_HOLDERS = 4;
const READERS = 4;
const BASELINE_MS = 3000;
const FAULT_MS = 5000;
const READMIT_WAIT_MS = 5000;
const AFTER_MS = 1000;
const BUCKET_MS = 250;
const REQUEST_TIMEOUT_MS = 15_000;
const SECRET = 'bench-fault-matrix-secret-0123456789-abcdefgh';
const DATABASE = 'faults';

// --- cluster, data, service
const { cluster, stopCluster } = await startBenchCluster({ replicas: 2 });
const [replica1, replica2] = cluster.replicas as [ReplicaNode, ReplicaNode];
const proxy = await createTcpProxy(replica1.port);
try {
  const urls = await createMigratedDatabase(cluster, DATABASE);
  await seed(urls.primary, { size: 'tiny', seed: 5 });
  const admin = new pg.Pool({ connectionString: urls.primary, max: 3 });
  admin.on('error', () => {});
  const workload = await prepareWorkload(admin, TOKEN_HOLDERS);
  await admin.query('CREATE TABLE fm_filler (id int, note text)');
  const client = new pg.Client({ connectionString: urls.primary });
  await client.connect();
  const readPaths = (await endpointRequests(client)).endpoints
    .filter(([name]) =>
      ['framework list', 'signatures interval', 'platforms', 'data 5 sigs interval', 'job-data'].includes(
        name,
      ),
    )
    .map(([, path]) => path);
  await client.end();
  await cluster.waitForReplicas();

  const replica1Url = new URL(urls.replicas[0]!);
  replica1Url.port = String(proxy.port);
  const { primaryUrl: _p, replicaUrls: _r, ...defaults } = readRouterConfig({});
  const poolSettings = {
    ...defaults,
    poolMax: POOL_MAX,
    probeMs: PROBE_MS,
    maxLagMs: MAX_LAG_MS,
    tokenSecret: SECRET,
  };
  const logLines: { t: number; line: string }[] = [];
  const app = await build({
    pool: (logger) => {
      const pool = createServicePool(
        {
          ...poolSettings,
          primaryUrl: urls.primary,
          replicaUrls: [replica1Url.toString(), urls.replicas[1]!],
        },
        logger,
      );
      pool.on('error', () => {});
      return pool;
    },
    closePool: true,
    alertReplicaReads: true,
    logger: {
      // info: the conflict case's line (a retried conflict is not a warning); requests are logged at info too.
      level: 'info',
      stream: {
        write: (line: string) => {
          logLines.push({ t: performance.now(), line });
        },
      },
    },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  // --- what the case records
  let records: LoadRecords = { samples: [], staleReads: 0 };
  let served: { t: number; server: string }[] = [];
  let marks: { t: number; what: string }[] = [];
  const onRoute = (message: unknown) => {
    const event = message as RouteEvent;
    if (event.error === undefined) served.push({ t: performance.now(), server: event.node.name });
  };
  const onState = (message: unknown) => {
    const event = message as ReplicaStateEvent;
    if (event.to === 'healthy' && event.from !== 'starting')
      marks.push({ t: performance.now(), what: `readmitted ${event.replica}` });
    else if (event.to !== 'healthy' && event.to !== 'starting')
      marks.push({ t: performance.now(), what: `ejected ${event.replica} (${event.reason ?? event.to})` });
  };
  routeChannel.subscribe(onRoute);
  replicaStateChannel.subscribe(onState);
  const loadOptions = {
    base,
    workload,
    readPaths,
    tokenHolders: TOKEN_HOLDERS,
    readers: READERS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
  };

  const cases = faultCases({ replica1, replica2, proxy, admin });

  // The proof can fail: a write sent straight to a replica shows in the count the cases use.
  const before = readOnlyErrors(replica2);
  await replica2.query('UPDATE fm_filler SET id = 1', [], DATABASE).catch(() => {});
  const proof = { writeOnReplicaCounted: readOnlyErrors(replica2) - before === 1 };
  if (!proof.writeOnReplicaCounted) throw new Error('a write on a replica did not show in its log');

  const nodeNames = ['primary', 'replica_1', 'replica_2'];
  /** Every replica not promoted is healthy in the pool and has replayed the primary's position. */
  async function steady(promoted: ReadonlySet<string>): Promise<void> {
    const deadline = Date.now() + 60_000;
    const streaming = cluster.replicas.filter((r) => !promoted.has(r.name));
    await cluster.waitForReplicas({ replicas: streaming, timeoutMs: 60_000 });
    while (Date.now() < deadline) {
      const states = app.db.stats().replicas.filter((r) => !promoted.has(r.name));
      if (states.every((r) => r.state === 'healthy')) return;
      await sleep(50);
    }
    throw new Error('replicas not healthy in the pool within 60 s');
  }

  const rows = [];
  const timelines: Record<string, unknown> = {};
  const details: Record<string, unknown> = {};
  const promoted = new Set<string>();
  const started = performance.now();
  await steady(promoted);
  // Connections, caches and JIT warm before the first baseline.
  const warmUp = startLoad(loadOptions, { samples: [], staleReads: 0 });
  await sleep(BASELINE_MS);
  await warmUp.stop();
  for (const c of cases) {
    if (only && !only.some((o) => c.fault.startsWith(o))) continue;
    await steady(promoted);
    records = { samples: [], staleReads: 0 };
    served = [];
    marks = [];
    const logFrom = logLines.length;
    const errorsBefore = cluster.replicas.map(readOnlyErrors);
    const conflictsBefore = await recoveryConflicts(cluster.replicas, DATABASE);
    const t0 = performance.now();
    const mark = (what: string) => marks.push({ t: performance.now(), what });
    const load = startLoad(loadOptions, records);
    await sleep(BASELINE_MS);
    const tFault = performance.now();
    mark('fault start');
    await c.inject();
    await sleep(Math.max(0, FAULT_MS - (performance.now() - tFault)));
    let tRecovered: number | undefined;
    if (c.recover) {
      mark('recovery begins');
      await c.recover();
      tRecovered = performance.now();
      mark('fault end');
      const back = () =>
        c.targets.every((r) => served.some((s) => s.server === r.name && s.t > (tRecovered as number)));
      while (!back() && performance.now() - tRecovered < READMIT_WAIT_MS) await sleep(20);
    } else {
      promoted.add(replica2.name);
      mark('fault end (no recovery)');
      await sleep(2000);
    }
    await sleep(AFTER_MS);
    await load.stop();
    const tEnd = performance.now();
    await sleep(1000);

    // figures
    const stats = app.db.stats();
    const conflictsAfter = await recoveryConflicts(cluster.replicas, DATABASE);
    const conflicts = Math.max(0, conflictsAfter - conflictsBefore); // a crash resets them
    const replicaWrites =
      cluster.replicas.reduce((n, r, i) => n + readOnlyErrors(r) - (errorsBefore[i] ?? 0), 0) +
      (await Promise.all(cluster.replicas.map((r) => rowsWrittenOn(r, DATABASE)))).reduce((a, b) => a + b, 0);
    const figures = caseFigures(
      {
        case: c,
        samples: records.samples,
        staleReads: records.staleReads,
        served,
        marks,
        log: logLines.slice(logFrom).map((l) => l.line),
        t0,
        tFault,
        tRecovered,
        tEnd,
        stats,
        promoted,
        replicaWrites,
        recoveryConflicts: conflicts,
      },
      { probeMs: PROBE_MS, poolMax: POOL_MAX, bucketMs: BUCKET_MS, nodeNames },
    );
    rows.push(figures.row);
    timelines[c.fault] = figures.timeline;
    details[c.fault] = figures.details;
    process.stderr.write(`  ${c.fault}: ${JSON.stringify(figures.row)}\n`);
  }
  const totalSeconds = roundTo((performance.now() - started) / 1000, 1);
  await app.close();
  await admin.end();

  // --- report
  const yes = (b: boolean) => (b ? 'yes' : 'NO');
  const header =
    '| fault | failed | slowest ms | p99 ms | p99 once ejected ms | normal p99 ms | stale reads | replica writes | pools at baseline | reads back on the replica after (ms) | (probe intervals) | WARN logged |';
  const lines = [
    header,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${r.fault} | ${r.failed} | ${r.slowestMs} | ${r.p99Ms} | ${(details[r.fault] as { p99AfterEjectMs: number | null }).p99AfterEjectMs ?? '—'} | ${r.normalP99Ms} | ${r.staleReads} | ${r.replicaWrites} | ${yes(r.poolsAtBaseline)} | ${r.readmitWithinMs ?? '—'} | ${r.readmitProbeIntervals ?? '—'} | ${yes(r.warnLogged)} |`,
    ),
  ];
  const meta = {
    benchmark: 'fault-matrix',
    ...benchEnvironment({ postgres: cluster.version, roundLoad: true }),
    settings: {
      clients: TOKEN_HOLDERS + READERS,
      tokenHolders: TOKEN_HOLDERS,
      readers: READERS,
      probeMs: PROBE_MS,
      probeTimeoutMs: poolSettings.probeTimeoutMs,
      readmitProbes: poolSettings.readmitProbes,
      maxLagMs: MAX_LAG_MS,
      poolMax: POOL_MAX,
      connectTimeoutMs: poolSettings.connectTimeoutMs,
      queryTimeoutMs: poolSettings.queryTimeoutMs,
      hedge: 'adaptive (service default)',
      consistency: poolSettings.consistency,
      baselineMs: BASELINE_MS,
      faultMs: FAULT_MS,
      replica1: 'behind a pg-devcluster TCP proxy',
    },
    totalSeconds,
    proof,
    cases: details,
  };
  writeResult('fault-matrix.json', { meta, rows, timelines });
  const md = `# Fault matrix\n\n${meta.date}, ${meta.cpuCount} cores, load ${meta.loadAverage.join(' ')}, PostgreSQL ${cluster.version}; ${TOKEN_HOLDERS + READERS} clients, probes every ${PROBE_MS} ms, max lag ${MAX_LAG_MS} ms.\n\n${lines.join('\n')}\n`;
  writeFileSync(join(resultsDir(), 'fault-matrix.md'), md);
  console.log(`\n${lines.join('\n')}\n`);
  console.log(
    `${totalSeconds} s of cases; wrote bench/results/fault-matrix.json and bench/results/fault-matrix.md`,
  );
} finally {
  await proxy.close();
  await stopCluster();
}
