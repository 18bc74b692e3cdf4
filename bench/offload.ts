/**
 * Offload: what routing takes off the primary. The same HTTP read mix (every replica-routed endpoint, with
 * parameters read from the data) against the service on the `medium` data set while ingestion writes 500
 * datums/s, with routing on and off, runs alternating (on, off, off, on, …):
 *
 * - requests/s, p50/p99 (autocannon in a worker thread);
 * - database CPU seconds per server: the postmaster and all its children, from /proc (a backend that exits
 *   during the run is counted through its parent's cutime/cstime);
 * - statements per server (reads and writes) from each server's pg_stat_statements;
 * - replica lag during the run (the primary's pg_stat_replication, every 250 ms);
 * - ingestion throughput during the run.
 *
 * Ingestion-only windows (no HTTP) before and after the runs give each server's CPU per ingested datum; a
 * run's CPU on reads is its CPU minus that cost of the datums ingested during it. Headline: the primary's CPU on reads with
 * routing on as a share of routing off (goal under 5 %), and ingestion's rate on vs off.
 *
 * The cluster lives in a persistent folder (default .data/bench-<size>) and is seeded once; later runs reuse
 * it. Usage: node --conditions=@perfherder/source --import tsx bench/offload.ts [--size medium] [--seconds 12]
 *   [--rounds 2] [--connections 3] [--ingest-rate 500] [--data-dir DIR] [--quick]
 * Writes bench/results/offload.json. Not part of npm test.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { readRouterConfig } from 'replica-router';
import { build } from '../apps/perfherder/src/app.ts';
import { createServicePool } from '../apps/perfherder/src/db/create-service-pool.ts';
import { runIngest } from '../apps/perfherder/src/ingest/index.ts';
import { benchEnvironment, startBenchCluster, writeResult } from './support/bench-env.ts';
import { endpointRequests } from './support/endpoint-requests.ts';
import { BackendCpu, treeCpuSeconds } from './support/process-cpu.ts';
import { seededDatabase, seedSize } from './support/seeded-database.ts';
import { statementCounts, statementsSince } from './support/statement-counts.ts';
import { median, percentile, round3 } from './support/stats.ts';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: 'medium' },
    seconds: { type: 'string', default: '12' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '3' },
    'ingest-rate': { type: 'string', default: '500' },
    'data-dir': { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const size = seedSize(args.quick ? 'small' : args.size, '--size');
const seconds = args.quick ? 4 : Number(args.seconds);
const rounds = args.quick ? 1 : Number(args.rounds);
const connections = Number(args.connections);
const ingestRate = Number(args['ingest-rate']);
for (const [name, v] of Object.entries({ seconds, rounds, connections, 'ingest-rate': ingestRate })) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name}: a positive integer`);
}
const dataDir = args['data-dir'] ?? join(import.meta.dirname, '..', '.data', `bench-${size}`);
const DATABASE = 'perfherder_bench';
const SERVICE_ROLE = 'bench_service';
const BASELINE_SECONDS = Math.max(3, Math.round(seconds / 2));
const log = (line: string) => process.stderr.write(`${line}\n`);

type Server = 'primary' | 'replica';
type Variant = 'routing on' | 'routing on, hedging off' | 'routing off';
const VARIANTS: readonly Variant[] = ['routing on', 'routing on, hedging off', 'routing off'];

const { cluster, stopCluster } = await startBenchCluster({
  replicas: 1,
  dataDir,
  settings: { shared_buffers: '128MB' },
});
const apps: FastifyInstance[] = [];
const monitors: pg.Client[] = [];
const controller = new AbortController();
try {
  const { urls, datums } = await seededDatabase(cluster, DATABASE, size, log);
  const replicaUrl = urls.replicas[0] as string;
  const primary = new pg.Client({ connectionString: urls.primary, application_name: 'bench-monitor' });
  const replica = new pg.Client({ connectionString: replicaUrl, application_name: 'bench-monitor' });
  monitors.push(primary, replica);
  await primary.connect();
  await replica.connect();
  // The service connects as its own role, so its statements and its backends' CPU are told apart from
  // ingestion's (which reads too) on each server. The password is made here and never printed.
  const servicePassword = randomBytes(16).toString('hex');
  await primary.query(
    `DO $$ BEGIN CREATE ROLE ${SERVICE_ROLE} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
  );
  await primary.query(`ALTER ROLE ${SERVICE_ROLE} PASSWORD '${servicePassword}'`);
  // The same rights as the URL's own user (the service's statements are not all plain reads of tables).
  await primary.query(`ALTER ROLE ${SERVICE_ROLE} SUPERUSER`);
  await cluster.waitForReplicas();
  const asService = (url: string) => {
    const u = new URL(url);
    u.username = SERVICE_ROLE;
    u.password = servicePassword;
    return u.toString();
  };

  // The read mix: every request of the endpoint benchmark whose endpoint is replica-routed.
  const { endpoints, parameters } = await endpointRequests(primary);
  const mix = endpoints.filter(([name]) => !name.endsWith('(primary)'));

  // --- the service three times: routing on as configured by default (hedged reads included), routing on
  // with hedging off (READ_REPLICA_HEDGE_MS=0), and routing off (no replicas)
  const router = { ...readRouterConfig({}), queryTimeoutMs: 60_000 };
  const pools = new Map<Variant, ReturnType<typeof createServicePool>>();
  const listen = async (variant: Variant): Promise<string> => {
    const pool = createServicePool({
      ...router,
      ...(variant === 'routing on, hedging off' ? { hedgeMs: 0 } : {}),
      primaryUrl: asService(urls.primary),
      replicaUrls: variant === 'routing off' ? [] : [asService(replicaUrl)],
    });
    pools.set(variant, pool);
    const app = await build({ pool, closePool: true, logger: false });
    apps.push(app);
    return app.listen({ host: '127.0.0.1', port: 0 });
  };
  const baseUrls = {} as Record<Variant, string>;
  for (const v of VARIANTS) baseUrls[v] = await listen(v);
  for (const url of Object.values(baseUrls)) {
    for (const [, path] of mix) {
      const res = await fetch(`${url}${path}`);
      if (res.status !== 200) throw new Error(`warm-up ${path}: HTTP ${res.status}`);
      await res.arrayBuffer();
    }
  }

  // --- ingestion for the whole measurement
  let ingested = { datums: 0, atMs: performance.now() };
  const ingestStarted = performance.now();
  const ingest = runIngest(urls.primary, {
    ratePerSecond: ingestRate,
    durationMs: 3_600_000,
    seed: Date.now() % 1_000_000,
    progressIntervalMillis: 250,
    signal: controller.signal,
    onProgress: (p) => {
      ingested = { datums: p.datums, atMs: ingestStarted + p.elapsedMs };
    },
  });
  let ingestFailure: unknown;
  ingest.catch((e: unknown) => {
    ingestFailure = e;
  });
  await new Promise((r) => setTimeout(r, 3000)); // let ingestion reach its rate

  const pids: Record<Server, number> = {
    primary: cluster.primary.pid ?? Number.NaN,
    replica: cluster.replicas[0]?.pid ?? Number.NaN,
  };
  const cpu = () => ({ primary: treeCpuSeconds(pids.primary), replica: treeCpuSeconds(pids.replica) });
  // Separate connections for the 250 ms sampling, so it never queues behind the window's own queries.
  const pollers = await Promise.all(
    [urls.primary, replicaUrl].map(async (url) => {
      const c = new pg.Client({ connectionString: url, application_name: 'bench-monitor' });
      await c.connect();
      monitors.push(c);
      return c;
    }),
  );
  const [primaryPoller, replicaPoller] = pollers as [pg.Client, pg.Client];
  const statements = async () => ({
    primary: await statementCounts(primary, SERVICE_ROLE),
    replica: await statementCounts(replica, SERVICE_ROLE),
  });

  /** One window: ingestion runs; `load` (if any) runs the HTTP mix against `baseUrl`. */
  const window = async (load: string | undefined, windowSeconds: number) => {
    const lagSamples: { ms: number; bytes: number }[] = [];
    const backends = {
      primary: new BackendCpu(primaryPoller, SERVICE_ROLE),
      replica: new BackendCpu(replicaPoller, SERVICE_ROLE),
    };
    await Promise.all([backends.primary.sample(), backends.replica.sample()]);
    const lagTimer = setInterval(() => {
      void backends.primary.sample();
      void backends.replica.sample();
      primaryPoller
        .query<{ ms: number | null; bytes: string | null }>(
          `SELECT extract(epoch FROM replay_lag) * 1000 AS ms,
                  pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS bytes FROM pg_stat_replication`,
        )
        .then((r) => {
          const row = r.rows[0];
          if (row) lagSamples.push({ ms: Number(row.ms ?? 0), bytes: Number(row.bytes ?? 0) });
        })
        .catch(() => {});
    }, 250);
    const [cpu0, st0, in0] = [cpu(), await statements(), ingested];
    const started = performance.now();
    const http = load
      ? await autocannon({
          url: load,
          requests: mix.map(([, path]) => ({ method: 'GET' as const, path })),
          connections,
          duration: windowSeconds,
          timeout: 60,
          workers: 1,
        })
      : await new Promise<undefined>((r) => setTimeout(() => r(undefined), windowSeconds * 1000));
    const elapsed = (performance.now() - started) / 1000;
    const [cpu1, st1, in1] = [cpu(), await statements(), ingested];
    clearInterval(lagTimer);
    await Promise.all([backends.primary.sample(), backends.replica.sample()]);
    const lagMs = lagSamples.map((s) => s.ms).sort((a, b) => a - b);
    const lagBytes = lagSamples.map((s) => s.bytes).sort((a, b) => a - b);
    return {
      seconds: round3(elapsed),
      http: http && {
        requests: http['2xx'] + http.non2xx,
        errors: http.errors + http.non2xx,
        rps: Math.round(http.requests.average * 10) / 10,
        p50Ms: http.latency.p50,
        p99Ms: http.latency.p99,
      },
      cpuSeconds: {
        primary: round3(cpu1.primary - cpu0.primary),
        replica: round3(cpu1.replica - cpu0.replica),
      },
      serviceCpuSeconds: {
        primary: round3(backends.primary.seconds()),
        replica: round3(backends.replica.seconds()),
      },
      statements: {
        primary: statementsSince(st1.primary, st0.primary),
        replica: statementsSince(st1.replica, st0.replica),
      },
      lag: {
        p50Ms: Math.round(percentile(lagMs, 0.5)),
        maxMs: Math.round(lagMs.at(-1) ?? 0),
        maxBytes: lagBytes.at(-1) ?? 0,
      },
      ingested: in1.datums - in0.datums,
      ingestRate: Math.round((in1.datums - in0.datums) / Math.max(0.001, (in1.atMs - in0.atMs) / 1000)),
    };
  };

  const baselines = [await window(undefined, BASELINE_SECONDS)];
  log(
    `baseline (ingestion only): ${JSON.stringify(baselines[0]?.cpuSeconds)} CPU s in ${BASELINE_SECONDS} s`,
  );
  const runs: ({ variant: Variant; round: number } & Awaited<ReturnType<typeof window>>)[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [...VARIANTS] : [...VARIANTS].reverse();
    for (const variant of order) {
      const w = await window(baseUrls[variant], seconds);
      runs.push({ variant, round, ...w });
      log(
        `${variant}: ${w.http?.rps} req/s, p50 ${w.http?.p50Ms} ms, p99 ${w.http?.p99Ms} ms, CPU s primary ` +
          `${w.cpuSeconds.primary} replica ${w.cpuSeconds.replica}, ingest ${w.ingestRate}/s, lag max ${w.lag.maxMs} ms`,
      );
    }
  }
  baselines.push(await window(undefined, BASELINE_SECONDS));
  controller.abort();
  await ingest.catch(() => undefined);
  if (ingestFailure && !controller.signal.aborted) throw ingestFailure;

  // CPU each server spends per ingested datum with ingestion alone (both windows together): ingestion falls
  // behind under a heavy read load and catches up later, so its cost is counted per datum, not per second.
  const perDatum = (s: Server) =>
    baselines.reduce((t, b) => t + b.cpuSeconds[s], 0) /
    Math.max(
      1,
      baselines.reduce((t, b) => t + b.ingested, 0),
    );
  const readCpu = (r: (typeof runs)[number], s: Server) =>
    Math.max(0, r.cpuSeconds[s] - perDatum(s) * r.ingested);
  const of = (v: Variant) => runs.filter((r) => r.variant === v);
  // A variant's total over its runs per request it served (a run with few requests weighs little).
  const perRequest = (v: Variant, f: (r: (typeof runs)[number]) => number) =>
    of(v).reduce((t, r) => t + f(r), 0) /
    Math.max(
      1,
      of(v).reduce((t, r) => t + (r.http?.requests ?? 0), 0),
    );
  const summary = (v: Variant) => ({
    rps: median(of(v).map((r) => r.http?.rps ?? 0)),
    p50Ms: median(of(v).map((r) => r.http?.p50Ms ?? 0)),
    p99Ms: median(of(v).map((r) => r.http?.p99Ms ?? 0)),
    readCpuSecondsPerRequest: {
      primary: perRequest(v, (r) => readCpu(r, 'primary')),
      replica: perRequest(v, (r) => readCpu(r, 'replica')),
    },
    readCpuSeconds: {
      primary: median(of(v).map((r) => readCpu(r, 'primary'))),
      replica: median(of(v).map((r) => readCpu(r, 'replica'))),
    },
    serviceCpuSecondsPerRequest: {
      primary: perRequest(v, (r) => r.serviceCpuSeconds.primary),
      replica: perRequest(v, (r) => r.serviceCpuSeconds.replica),
    },
    primaryReadStatementsPerRequest: perRequest(v, (r) => r.statements.primary.reads),
    ingestRate: median(of(v).map((r) => r.ingestRate)),
    lagMaxMs: Math.max(...of(v).map((r) => r.lag.maxMs)),
  });
  const on = summary('routing on');
  const noHedge = summary('routing on, hedging off');
  const off = summary('routing off');
  // Per request, so a faster variant serving more requests in the same time is not counted against it.
  // The headline: the CPU of the service's own backends on the primary (its role); the whole server's CPU
  // less ingestion's estimated cost is kept as a cross-check.
  const share = on.serviceCpuSecondsPerRequest.primary / off.serviceCpuSecondsPerRequest.primary;
  const serverShare = on.readCpuSecondsPerRequest.primary / off.readCpuSecondsPerRequest.primary;
  const statementShare = on.primaryReadStatementsPerRequest / off.primaryReadStatementsPerRequest;
  console.table(
    runs.map((r) => ({
      variant: r.variant,
      'req/s': r.http?.rps,
      'p50 ms': r.http?.p50Ms,
      'p99 ms': r.http?.p99Ms,
      'CPU s primary': r.cpuSeconds.primary,
      'CPU s replica': r.cpuSeconds.replica,
      'service CPU s primary': r.serviceCpuSeconds.primary,
      'service CPU s replica': r.serviceCpuSeconds.replica,
      'reads primary': r.statements.primary.reads,
      'reads replica': r.statements.replica.reads,
      'ingest/s': r.ingestRate,
      'lag max ms': r.lag.maxMs,
    })),
  );
  console.log(
    `primary CPU of the service per request, routing on ÷ off: ${(share * 100).toFixed(1)} % (goal < 5 %; whole server less ingestion: ${(serverShare * 100).toFixed(1)} %); ` +
      `primary read statements per request: ${(statementShare * 100).toFixed(1)} %; ingestion ${on.ingestRate} vs ${off.ingestRate} datums/s`,
  );
  writeResult('offload.json', {
    benchmark: 'offload',
    ...benchEnvironment({ postgres: cluster.version, roundLoad: true }),
    size,
    datums,
    settings: {
      seconds,
      rounds,
      connections,
      ingestRate,
      baselineSeconds: BASELINE_SECONDS,
      shared_buffers: '128MB',
    },
    parameters,
    mix: mix.map(([name, path]) => ({ name, path })),
    baselines,
    ingestCpuMsPerDatum: {
      primary: round3(perDatum('primary') * 1000),
      replica: round3(perDatum('replica') * 1000),
    },
    runs,
    summary: { 'routing on': on, 'routing on, hedging off': noHedge, 'routing off': off },
    routingReasons: Object.fromEntries([...pools].map(([v, p]) => [v, p.stats().reasons])),
    headline: {
      primaryReadCpuShare: round3(share),
      primaryReadCpuShareHedgingOff: round3(
        noHedge.serviceCpuSecondsPerRequest.primary / off.serviceCpuSecondsPerRequest.primary,
      ),
      primaryReadStatementShareHedgingOff: round3(
        noHedge.primaryReadStatementsPerRequest / off.primaryReadStatementsPerRequest,
      ),
      primaryServerCpuShare: round3(serverShare),
      primaryReadStatementShare: round3(statementShare),
      goalShare: 0.05,
      ingestRateOn: on.ingestRate,
      ingestRateOff: off.ingestRate,
      ingestTarget: ingestRate,
    },
  });
  log('wrote bench/results/offload.json');
} finally {
  controller.abort();
  for (const app of apps) await app.close().catch(() => {});
  for (const m of monitors) await m.end().catch(() => {});
  await stopCluster();
}
