/**
 * Endpoint benchmark: every read endpoint of the Perfherder API over real HTTP against the `medium` data set
 * (over a million datums) on a dev cluster (primary + 1 streaming replica, shared_buffers 128MB).
 *
 * 1. Routed pass: the app with routing on (`createServicePool` with the replica URL) on 127.0.0.1:0;
 *    each endpoint gets a short warm-up, then autocannon (in a worker thread, so the load generator does not
 *    share the server's event loop) at concurrency 4: p50, p99, req/s, errors, and which server ran the
 *    statements (pg_stat_statements call counts on each, read from the servers themselves).
 * 2. The five slowest distinct statements of that pass (`mean_exec_time` in pg_stat_statements) on the
 *    replica and on the primary, each with its `EXPLAIN (ANALYZE, BUFFERS)` plan, replayed with the
 *    parameters the app sent (captured in-process, matched to pg_stat_statements by query id) on the
 *    replica for reads (warm: the pass just ran them).
 * 3. Write-load pass: `runIngest` writes datums on the primary in the background while each endpoint runs
 *    on the routed app and on a routing-off app (no replicas: everything on the primary), ABBA, with the
 *    worst replica lag the primary reported meanwhile.
 *
 * The cluster lives in a persistent folder (default .data/bench-<size>), seeded once and reused by later runs
 * (and by bench/offload.ts on the same size).
 *
 * Usage: node --conditions=@perfherder/source --import tsx bench/endpoints.ts [--seconds 3] [--pass2-seconds 2] [--ingest-rate 500]
 *        [--connections 4] [--size tiny|small|medium|large] [--no-write-pass] [--data-dir DIR]
 * Prints tables, writes bench/results/endpoints.json and bench/results/endpoint-plans.md (other sizes than
 * medium, and medium with --no-write-pass: endpoints-<size>.json and endpoint-plans-<size>.md). Not part of npm test.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { readRouterConfig } from 'replica-router';
import { build } from '../apps/perfherder/src/app.ts';
import { createServicePool } from '../apps/perfherder/src/db/create-service-pool.ts';
import { runIngest } from '../apps/perfherder/src/ingest/index.ts';
import { benchEnvironment, resultsDir, startBenchCluster, writeResult } from './support/bench-env.ts';
import { endpointRequests } from './support/endpoint-requests.ts';
import { seededDatabase, seedSize } from './support/seeded-database.ts';
import { captureStatements, slowestStatements } from './support/slow-statements.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    'pass2-seconds': { type: 'string', default: '2' },
    'ingest-rate': { type: 'string', default: '500' },
    connections: { type: 'string', default: '4' },
    size: { type: 'string', default: 'medium' },
    'no-write-pass': { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
  },
});
const seconds = Number(args.seconds);
const pass2Seconds = Number(args['pass2-seconds']);
const ingestRate = Number(args['ingest-rate']);
const connections = Number(args.connections);
const size = seedSize(args.size, '--size');
const writePass = !args['no-write-pass'];
// endpoints.json is the full run on medium; other sizes, and medium without the write pass, get their own file
const suffix = size === 'medium' && writePass ? '' : `-${size}`;
const DATABASE = 'perfherder_bench';
const log = (line: string) => process.stderr.write(`${line}\n`);

captureStatements();

// --- cluster and data
const { cluster, stopCluster } = await startBenchCluster({
  replicas: 1,
  dataDir: args['data-dir'] ?? join(import.meta.dirname, '..', '.data', `bench-${size}`),
  settings: { shared_buffers: '128MB' },
});
const apps: FastifyInstance[] = [];
const monitors: pg.Client[] = [];
try {
  const { urls, datums, seedSeconds } = await seededDatabase(cluster, DATABASE, size, log);
  const replicaUrl = urls.replicas[0] as string;
  log(
    `${datums} datums (${seedSeconds === null ? 'seeded before, reused' : `seeded in ${seedSeconds.toFixed(0)} s`})`,
  );

  const primary = new pg.Client({ connectionString: urls.primary, application_name: 'bench-monitor' });
  const replica = new pg.Client({ connectionString: replicaUrl, application_name: 'bench-monitor' });
  monitors.push(primary, replica);
  await primary.connect();
  await replica.connect();

  const { endpoints, parameters } = await endpointRequests(primary);

  // --- apps: routed, and routing off (no replicas)
  // The environment's defaults (probes, consistency), with a query timeout above the slowest endpoint.
  const router = { ...readRouterConfig({}), queryTimeoutMs: 60_000 };
  const listen = async (replicaUrls: string[]): Promise<string> => {
    const app = await build({
      pool: createServicePool({ ...router, primaryUrl: urls.primary, replicaUrls }),
      closePool: true,
      logger: false,
    });
    apps.push(app);
    return app.listen({ host: '127.0.0.1', port: 0 });
  };
  const routedUrl = await listen([replicaUrl]);
  const offUrl = await listen([]);

  const callsSql = `SELECT coalesce(sum(calls), 0)::bigint AS calls FROM pg_stat_statements
    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND query NOT ILIKE '%pg_stat_statements%'`;
  const calls = async () => ({
    primary: Number((await primary.query(callsSql)).rows[0]?.calls ?? 0),
    replica: Number((await replica.query(callsSql)).rows[0]?.calls ?? 0),
  });

  interface Measured {
    readonly p50: number;
    readonly p99: number;
    readonly rps: number;
    readonly requests: number;
    readonly errors: number;
    readonly primaryStatements: number;
    readonly replicaStatements: number;
  }
  const measure = async (baseUrl: string, path: string, duration: number): Promise<Measured> => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${baseUrl}${path}`);
      if (res.status !== 200)
        log(`  warm-up ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
      else await res.arrayBuffer();
    }
    const before = await calls();
    const result = await autocannon({
      url: `${baseUrl}${path}`,
      connections,
      duration,
      timeout: 60,
      workers: 1,
    });
    const after = await calls();
    return {
      p50: result.latency.p50,
      p99: result.latency.p99,
      rps: Math.round(result.requests.average * 10) / 10,
      requests: result['2xx'] + result.non2xx,
      errors: result.errors + result.non2xx,
      primaryStatements: after.primary - before.primary,
      replicaStatements: after.replica - before.replica,
    };
  };

  // Warm both apps (JIT, prepared plans, caches) before anything is measured.
  for (const baseUrl of [routedUrl, offUrl]) {
    for (const [, path] of endpoints) {
      for (let i = 0; i < 3; i++) await (await fetch(`${baseUrl}${path}`)).arrayBuffer();
    }
  }

  // --- pass 1: routed, idle primary
  await primary.query('SELECT pg_stat_statements_reset()');
  await replica.query('SELECT pg_stat_statements_reset()');
  const pass1: Record<string, Measured & { path: string }> = {};
  for (const [name, path] of endpoints) {
    const m = { path, ...(await measure(routedUrl, path, seconds)) };
    pass1[name] = m;
    log(`pass 1 ${name}: p50 ${m.p50} ms, p99 ${m.p99} ms, ${m.rps} req/s, errors ${m.errors}`);
  }
  console.log(`\nPass 1: routing on, no write load (${connections} connections, ${seconds} s each)`);
  console.table(
    Object.fromEntries(
      Object.entries(pass1).map(([name, m]) => [
        name,
        {
          'p50 ms': m.p50,
          'p99 ms': m.p99,
          'req/s': m.rps,
          errors: m.errors,
          'stmts primary': m.primaryStatements,
          'stmts replica': m.replicaStatements,
        },
      ]),
    ),
  );

  // --- slowest statements and their plans
  const slowest = await slowestStatements(primary, replica);
  console.log('\nFive slowest distinct statements per server (pass 1, mean_exec_time)');
  console.table(
    slowest.map((s) => ({
      server: s.server,
      'mean ms': s.meanMs,
      'max ms': s.maxMs,
      calls: s.calls,
      query: s.query.replace(/\s+/g, ' ').slice(0, 70),
      plan: s.planSummary.slice(0, 90),
    })),
  );

  // --- pass 2 (unless --no-write-pass): routed vs routing off, under write load on the primary
  const pass2 = writePass ? await writeLoadPass() : null;
  async function writeLoadPass() {
    const controller = new AbortController();
    // Worst replica lag the primary reported (pg_stat_replication, sampled each second) during the pass.
    const maxLag = { bytes: 0, ms: 0 };
    const ingestStarted = performance.now();
    const ingest = runIngest(urls.primary, {
      ratePerSecond: ingestRate,
      durationMs: 3_600_000,
      seed: 2,
      signal: controller.signal,
      onProgress: (p) => {
        for (const r of p.replicas) {
          maxLag.bytes = Math.max(maxLag.bytes, r.lagBytes ?? 0);
          maxLag.ms = Math.max(maxLag.ms, r.lagMillis ?? 0);
        }
      },
    });
    let ingestFailure: unknown;
    ingest.catch((e: unknown) => {
      ingestFailure = e;
    });
    await new Promise((r) => setTimeout(r, 2000));
    const pass2: Record<string, { path: string; routed: Measured; off: Measured }> = {};
    // ABBA per endpoint (routed, off, off, routed), so drift in the write load or the caches hits both alike;
    // the table shows the mean of the two runs of each (p99: the worse of the two).
    const combine = (a: Measured, b: Measured): Measured => ({
      p50: (a.p50 + b.p50) / 2,
      p99: Math.max(a.p99, b.p99),
      rps: Math.round(((a.rps + b.rps) / 2) * 10) / 10,
      requests: a.requests + b.requests,
      errors: a.errors + b.errors,
      primaryStatements: a.primaryStatements + b.primaryStatements,
      replicaStatements: a.replicaStatements + b.replicaStatements,
    });
    for (const [name, path] of endpoints) {
      const runs: Record<'routed' | 'off', Measured[]> = { routed: [], off: [] };
      for (const which of ['routed', 'off', 'off', 'routed'] as const) {
        runs[which].push(await measure(which === 'routed' ? routedUrl : offUrl, path, pass2Seconds));
      }
      const [r1, r2] = runs.routed as [Measured, Measured];
      const [o1, o2] = runs.off as [Measured, Measured];
      const m = { path, routed: combine(r1, r2), off: combine(o1, o2) };
      pass2[name] = m;
      log(`pass 2 ${name}: routed p50 ${m.routed.p50} / off p50 ${m.off.p50} ms`);
    }
    const lag = (await cluster.status()).replicas.map((r) => ({
      name: r.name,
      lagBytes: r.lagBytes,
      lagMs: r.lagMs,
    }));
    controller.abort();
    const ingestResult = await ingest;
    if (ingestFailure) throw ingestFailure;
    console.log(
      `\nPass 2: under write load (runIngest ${ingestResult.achievedRate.toFixed(0)} datums/s achieved of ${ingestRate}, ` +
        `${(ingestResult.walBytes / (ingestResult.elapsedMs / 1000) / 1024).toFixed(0)} kB/s primary WAL, ` +
        `worst replica lag ${(maxLag.bytes / 1024).toFixed(0)} kB / ${maxLag.ms.toFixed(0)} ms), routed vs routing off, alternating`,
    );
    console.table(
      Object.fromEntries(
        Object.entries(pass2).map(([name, m]) => [
          name,
          {
            'routed p50': m.routed.p50,
            'routed p99': m.routed.p99,
            'routed req/s': m.routed.rps,
            'off p50': m.off.p50,
            'off p99': m.off.p99,
            'off req/s': m.off.rps,
            errors: m.routed.errors + m.off.errors,
            'replica stmts routed/off': `${m.routed.replicaStatements}/${m.off.replicaStatements}`,
          },
        ]),
      ),
    );
    return {
      ingest: {
        targetRate: ingestRate,
        achievedRate: Math.round(ingestResult.achievedRate),
        datums: ingestResult.datums,
        walBytesPerSecond: Math.round(ingestResult.walBytes / (ingestResult.elapsedMs / 1000)),
        seconds: Math.round((performance.now() - ingestStarted) / 1000),
        replicaLagAtEnd: lag,
        worstReplicaLag: { bytes: maxLag.bytes, ms: Math.round(maxLag.ms) },
      },
      endpoints: pass2,
    };
  }

  // --- results
  const result = {
    benchmark: 'endpoints',
    ...benchEnvironment({ postgres: cluster.version, roundLoad: true }),
    size,
    datums,
    seedSeconds: seedSeconds === null ? null : Math.round(seedSeconds),
    settings: {
      shared_buffers: '128MB',
      connections,
      seconds,
      pass2Seconds,
      tool: 'autocannon 8 (worker thread)',
    },
    parameters,
    pass1,
    slowest: slowest.map(({ plan: _plan, ...rest }) => rest),
    pass2,
  };
  writeResult(`endpoints${suffix}.json`, result);
  const md = [
    '# Endpoint benchmark: slowest statements and their plans',
    '',
    `Generated by \`node --conditions=@perfherder/source --import tsx bench/endpoints.ts\` on ${result.date} (${size} seed, ${datums} datums, PostgreSQL ${cluster.version}).`,
    'The five slowest distinct statements by `mean_exec_time` in pg_stat_statements after the routed pass, on each server;',
    'plans from `EXPLAIN (ANALYZE, BUFFERS)` replayed with the parameters the app sent (reads on the replica, warm cache).',
    '',
    ...slowest.flatMap((s, i) => [
      `## ${i + 1}. ${s.server}: mean ${s.meanMs} ms, max ${s.maxMs} ms, ${s.calls} calls`,
      '',
      `Plan summary: ${s.planSummary}`,
      '',
      '```sql',
      s.query.trim(),
      '```',
      '',
      '```',
      s.plan ?? '(statement not captured in-process: no parameters to replay)',
      '```',
      '',
    ]),
  ].join('\n');
  writeFileSync(join(resultsDir(), `endpoint-plans${suffix}.md`), md);
  log(`wrote bench/results/endpoints${suffix}.json and bench/results/endpoint-plans${suffix}.md`);
} finally {
  for (const app of apps) await app.close().catch(() => {});
  for (const m of monitors) await m.end().catch(() => {});
  await stopCluster();
}
