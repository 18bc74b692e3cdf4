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
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { build } from '../apps/perfherder/src/app.ts';
import { createServicePool } from '../apps/perfherder/src/db/create-service-pool.ts';
import { seed } from '../apps/perfherder/src/seed/index.ts';
import { type ClusterNode, createTcpProxy, type ReplicaNode } from '../packages/pg-devcluster/src/index.ts';
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

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? Number.NaN;
}

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
  interface Sample {
    readonly start: number;
    readonly end: number;
    readonly ok: boolean;
    /** What the request was (`PUT own`, `GET own+token`, `GET routed+token`, or the reader's path). */
    readonly what: string;
  }
  let samples: Sample[] = [];
  let served: { t: number; server: string }[] = [];
  let marks: { t: number; what: string }[] = [];
  let staleReads = 0;
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

  async function call(
    method: 'GET' | 'PUT',
    path: string,
    headers: Record<string, string>,
    body?: object,
  ): Promise<{ status: number; json: unknown; token: string | null }> {
    const start = performance.now();
    let status = 0;
    let json: unknown;
    let token: string | null = null;
    try {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: body ? { ...headers, 'content-type': 'application/json' } : headers,
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = response.status;
      token = response.headers.get('x-causal-token');
      json = await response.json();
    } catch {
      status = 0;
    }
    const what = `${method} ${path.split('?')[0]}${headers['x-causal-token'] ? ' +token' : ''}`;
    samples.push({ start, end: performance.now(), ok: status === 200, what });
    return { status, json, token };
  }

  /** Runs the load until `stop()`; resolves once every client finished its current request. */
  function startLoad(): { stop(): Promise<void> } {
    let running = true;
    const holder = async (c: number) => {
      const own = workload.summaries[c]!;
      let token: string | undefined;
      for (let k = 0; running; k++) {
        const auth = { authorization: `Bearer ${workload.sheriffToken}` };
        const notes = `fault-matrix c${c} v${k}`;
        const withToken = () => (token ? { 'x-causal-token': token } : {});
        const put = await call(
          'PUT',
          `/api/performance/alertsummary/${own}/`,
          { ...auth, ...withToken() },
          { notes },
        );
        if (put.token) token = put.token;
        const read = await call('GET', `/api/performance/alertsummary/${own}/`, withToken());
        if (put.status === 200 && read.status === 200 && (read.json as { notes?: unknown }).notes !== notes)
          staleReads++;
        await call('GET', workload.routedPath, withToken());
      }
    };
    const reader = async (c: number) => {
      for (let k = c; running; k++) await call('GET', readPaths[k % readPaths.length]!, {});
    };
    const loops = [
      ...Array.from({ length: TOKEN_HOLDERS }, (_, c) => holder(c)),
      ...Array.from({ length: READERS }, (_, c) => reader(c)),
    ];
    return {
      stop: async () => {
        running = false;
        await Promise.all(loops);
      },
    };
  }

  // --- server-side proof that no write reached a replica
  const readOnlyErrors = (node: ClusterNode) =>
    (readFileSync(node.logFile, 'utf8').match(/in a read-only transaction/g) ?? []).length;
  async function rowsWrittenOn(node: ClusterNode): Promise<number> {
    if (!node.running) return 0;
    const [row] = await node.query<{ n: number }>(
      'SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::int AS n FROM pg_stat_user_tables',
      [],
      DATABASE,
    );
    return row?.n ?? 0;
  }

  // --- the faults
  interface FaultCase {
    readonly fault: string;
    /** Replicas the fault acts on (readmission is measured for them). */
    readonly targets: readonly ReplicaNode[];
    /** The lines the service should log (each must be found). */
    readonly warn: readonly RegExp[];
    inject(): Promise<void>;
    /** Undefined: no recovery (a promoted replica stays a primary). */
    recover?(): Promise<void>;
  }
  let conflictLoop: Promise<void> | undefined;
  let conflicting = false;
  const setStandbyDelay = async (value: string | undefined) => {
    for (const r of [replica1, replica2]) {
      await r.query(
        value === undefined
          ? 'ALTER SYSTEM RESET max_standby_streaming_delay'
          : `ALTER SYSTEM SET max_standby_streaming_delay = '${value}'`,
      );
      await r.query('SELECT pg_reload_conf()');
    }
  };
  const ejectedLine = (name: string, reason = '') =>
    new RegExp(`db_routing_replica_ejected replica=${name} reason=${reason}`);
  const cases: FaultCase[] = [
    {
      fault: 'stopped',
      targets: [replica1],
      warn: [ejectedLine('replica_1')],
      inject: () => replica1.stop('fast'),
      recover: () => replica1.start(),
    },
    {
      fault: 'killed -9',
      targets: [replica1],
      warn: [ejectedLine('replica_1')],
      inject: () => replica1.kill(),
      recover: () => replica1.start(),
    },
    {
      fault: 'frozen (SIGSTOP)',
      targets: [replica1],
      warn: [ejectedLine('replica_1')],
      inject: () => replica1.freeze(),
      recover: () => replica1.thaw(),
    },
    {
      fault: 'stalled proxy',
      targets: [replica1],
      warn: [ejectedLine('replica_1')],
      inject: () => proxy.setMode('stall'),
      recover: () => proxy.setMode('pass'),
    },
    {
      fault: 'connections reset',
      targets: [replica1],
      warn: [ejectedLine('replica_1')],
      inject: () => proxy.setMode('reset'),
      recover: () => proxy.setMode('pass'),
    },
    {
      fault: 'replay paused (lag)',
      targets: [replica1],
      warn: [ejectedLine('replica_1', 'replica_lagging')],
      inject: () => replica1.pauseReplay(),
      recover: () => replica1.resumeReplay(),
    },
    {
      // The replicas cancel conflicting queries at once (max_standby_streaming_delay 0 for the case); the
      // primary takes an ACCESS EXCLUSIVE lock on performance_datum every 50 ms, whose replay conflicts with
      // every replica query reading it then.
      fault: 'hot-standby conflict',
      targets: [replica1],
      warn: [/db_routing_conflict_retry replica=/],
      inject: async () => {
        await setStandbyDelay('0');
        conflicting = true;
        conflictLoop = (async () => {
          while (conflicting) {
            await admin
              .query(
                "BEGIN; SET LOCAL lock_timeout = '200ms'; LOCK TABLE performance_datum IN ACCESS EXCLUSIVE MODE; COMMIT",
              )
              .catch(() => admin.query('ROLLBACK').catch(() => {}));
            await sleep(50);
          }
        })();
      },
      recover: async () => {
        conflicting = false;
        await conflictLoop;
        await setStandbyDelay(undefined);
      },
    },
    {
      fault: 'every replica down',
      targets: [replica1, replica2],
      warn: [ejectedLine('replica_1'), ejectedLine('replica_2')],
      inject: async () => {
        await Promise.all([replica1.stop('fast'), replica2.stop('fast')]);
      },
      recover: async () => {
        await Promise.all([replica1.start(), replica2.start()]);
      },
    },
    {
      // Down while the primary writes about 8 MB of WAL: it comes back behind and catches up under load.
      fault: 'replica coming back (behind)',
      targets: [replica2],
      warn: [ejectedLine('replica_2')],
      inject: async () => {
        await replica2.stop('fast');
        await admin.query(
          'INSERT INTO fm_filler SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 50000) g',
        );
      },
      recover: () => replica2.start(),
    },
    {
      fault: 'promoted',
      targets: [replica2],
      warn: [ejectedLine('replica_2', 'not_a_replica')],
      inject: () => replica2.promote(),
    },
  ];

  /** Queries the replicas cancelled for a conflict with recovery (pg_stat_database_conflicts), summed. */
  async function recoveryConflicts(): Promise<number> {
    let n = 0;
    for (const r of cluster.replicas) {
      const [row] = await r.query<{ n: number }>(
        `SELECT (confl_lock + confl_snapshot + confl_bufferpin + confl_deadlock + confl_tablespace)::int AS n
           FROM pg_stat_database_conflicts WHERE datname = $1`,
        [DATABASE],
      );
      n += row?.n ?? 0;
    }
    return n;
  }

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
  const warmUp = startLoad(); // connections, caches and JIT warm before the first baseline
  await sleep(BASELINE_MS);
  await warmUp.stop();
  for (const c of cases) {
    if (only && !only.some((o) => c.fault.startsWith(o))) continue;
    await steady(promoted);
    samples = [];
    served = [];
    marks = [];
    staleReads = 0;
    const logFrom = logLines.length;
    const errorsBefore = cluster.replicas.map(readOnlyErrors);
    const conflictsBefore = await recoveryConflicts();
    const t0 = performance.now();
    const mark = (what: string) => marks.push({ t: performance.now(), what });
    const load = startLoad();
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
    const conflicts = Math.max(0, (await recoveryConflicts()) - conflictsBefore); // a crash resets them
    const expectedBack = c.targets.filter((r) => !promoted.has(r.name)).map((r) => r.name);
    const poolsAtBaseline =
      stats.primary.waitingCount === 0 &&
      stats.primary.totalCount === stats.primary.idleCount &&
      stats.primary.totalCount <= POOL_MAX &&
      stats.replicas.every(
        (r) =>
          r.waitingCount === 0 &&
          r.totalCount === r.idleCount &&
          r.totalCount <= POOL_MAX &&
          r.outstanding === 0 &&
          (!expectedBack.includes(r.name) || (r.state === 'healthy' && r.totalCount >= 1)),
      );
    const replicaWrites =
      cluster.replicas.reduce((n, r, i) => n + readOnlyErrors(r) - (errorsBefore[i] ?? 0), 0) +
      (await Promise.all(cluster.replicas.map(rowsWrittenOn))).reduce((a, b) => a + b, 0);
    const latency = (s: Sample) => s.end - s.start;
    const baseline = samples.filter((s) => s.start < tFault).map(latency);
    const faulted = samples.filter((s) => s.start >= tFault).map(latency);
    const firstEject = marks.find((m) => m.what.startsWith('ejected') && m.t >= tFault);
    const afterEject = firstEject ? samples.filter((s) => s.start >= firstEject.t).map(latency) : [];
    const readmitWithinMs =
      tRecovered === undefined
        ? null
        : Math.max(
            ...c.targets.map((r) => {
              const first = served.find((s) => s.server === r.name && s.t > (tRecovered as number));
              return first ? first.t - (tRecovered as number) : Number.POSITIVE_INFINITY;
            }),
          );
    const caseLog = logLines.slice(logFrom).map((l) => l.line);
    const warnFound = c.warn.map((re) => caseLog.find((l) => re.test(l)));
    const normalP99 = quantile(baseline, 0.99);
    const row = {
      fault: c.fault,
      failed: samples.filter((s) => !s.ok).length,
      slowestMs: round(Math.max(...faulted)),
      p99Ms: round(quantile(faulted, 0.99)),
      normalP99Ms: round(normalP99),
      staleReads,
      replicaWrites,
      poolsAtBaseline,
      readmitWithinMs:
        readmitWithinMs === null || !Number.isFinite(readmitWithinMs) ? null : round(readmitWithinMs),
      readmitProbeIntervals:
        readmitWithinMs === null || !Number.isFinite(readmitWithinMs)
          ? null
          : round(readmitWithinMs / PROBE_MS, 2),
      warnLogged: warnFound.every((l) => l !== undefined),
    };
    rows.push(row);

    // timeline
    const buckets = [];
    for (let from = t0; from < tEnd; from += BUCKET_MS) {
      const inBucket = samples.filter((s) => s.end >= from && s.end < from + BUCKET_MS);
      const perServer: Record<string, number> = Object.fromEntries(nodeNames.map((n) => [n, 0]));
      for (const s of served)
        if (s.t >= from && s.t < from + BUCKET_MS) perServer[s.server] = (perServer[s.server] ?? 0) + 1;
      const ms = inBucket.map(latency);
      buckets.push({
        tMs: Math.round(from - t0),
        p50Ms: ms.length ? round(quantile(ms, 0.5)) : null,
        p99Ms: ms.length ? round(quantile(ms, 0.99)) : null,
        served: perServer,
        failed: inBucket.filter((s) => !s.ok).length,
      });
    }
    timelines[c.fault] = {
      bucketMs: BUCKET_MS,
      buckets,
      marks: marks.map((m) => ({ tMs: Math.round(m.t - t0), what: m.what })),
    };
    const totals: Record<string, number> = {};
    for (const s of served) if (s.t >= tFault) totals[s.server] = (totals[s.server] ?? 0) + 1;
    details[c.fault] = {
      requests: samples.length,
      slowest: samples
        .filter((s) => s.start >= tFault)
        .sort((a, b) => latency(b) - latency(a))
        .slice(0, 5)
        .map((s) => ({ what: s.what, startMs: Math.round(s.start - t0), ms: round(latency(s)) })),
      p99AfterEjectMs: afterEject.length ? round(quantile(afterEject, 0.99)) : null,
      recoveryConflicts: conflicts,
      ejectedAfterMs: firstEject ? Math.round(firstEject.t - tFault) : null,
      statementsServedFromFaultOn: totals,
      warnLines: warnFound.map((l) => (l ? (JSON.parse(l) as { msg?: string }).msg : null)),
      linesLogged: caseLog.length,
      pools: {
        primary: { total: stats.primary.totalCount, idle: stats.primary.idleCount },
        replicas: stats.replicas.map((r) => ({
          name: r.name,
          state: r.state,
          total: r.totalCount,
          idle: r.idleCount,
        })),
      },
    };
    process.stderr.write(`  ${c.fault}: ${JSON.stringify(row)}\n`);
  }
  const totalSeconds = round((performance.now() - started) / 1000);
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
