/**
 * Causal tokens: what they cost, and how many token-holding reads they leave on the replicas.
 *
 * 1. Token handling in the process (no database): sign, verify (valid, forged), and reading a token from a
 *    Cookie header, in µs per call.
 * 2. Reading the WAL position after a write, three ways, on a real primary (synchronous_commit on, as in
 *    production): nothing (the write alone), `pg_current_wal_insert_lsn()` on the connection that wrote, and the
 *    same through a fresh pool checkout once the request is done (what the pool does); and a replica's
 *    `pg_last_wal_replay_lsn()` (the direct check, and the monotonic refresh). Alternating blocks (ABAB).
 * 3. The same costs seen per HTTP request through the service (inject): a write at `eventual` vs
 *    `read_your_writes` (the capture), a read with a token vs without (verification, bookkeeping), a `monotonic`
 *    read vs a `read_your_writes` one (the refresh). The cases take turns request by request; the extra cost is
 *    the median of the paired differences.
 * 4. A token-holding workload with ingestion at 500 datums/s (the `npm run ingest` machinery): 16 clients loop
 *    write → read own → read routed → read another's, per consistency variant, alternating variants over rounds.
 *    Share of the token-holding reads served by replicas, the primary's extra statements (its own
 *    pg_stat_statements) against `eventual`, and the `causal_behind` reads per-app positions would have kept on
 *    a replica (reads whose relations include no app the clients wrote).
 *
 * Usage: node --conditions=@perfherder/source --import tsx bench/causal.ts [seconds per variant and round, default 6] [rounds, default 2]
 * Prints tables and writes bench/results/causal.json. Not part of npm test.
 */
import pg from 'pg';
import { build } from '../apps/perfherder/src/app.ts';
import { tableApps } from '../apps/perfherder/src/db/table-apps.ts';
import { runIngest } from '../apps/perfherder/src/ingest/index.ts';
import { seed } from '../apps/perfherder/src/seed/index.ts';
import { TokenCodec } from '../packages/replica-router/src/causal/token-codec.ts';
import { presentedToken } from '../packages/replica-router/src/http/causal-cookie.ts';
import {
  type ConsistencyLevel,
  createReplicaRouter,
  createStatementClassifier,
  loadClassifierParser,
  RoutedPool,
} from '../packages/replica-router/src/index.ts';
import {
  benchEnvironment,
  createMigratedDatabase,
  startBenchCluster,
  writeResult,
} from './support/bench-env.ts';
import { prepareWorkload, runWorkload, type WorkloadResult } from './support/causal-workload.ts';
import { roundTo } from './support/stats.ts';

const seconds = Number(process.argv[2] ?? 6);
const rounds = Number(process.argv[3] ?? 2);
if (!(seconds >= 1) || !Number.isInteger(rounds) || rounds < 1)
  throw new Error('usage: [seconds ≥ 1] [rounds ≥ 1]');
const CLIENTS = 16;
const INGEST_RATE = 500;
const SECRET = 'bench-causal-secret-0123456789-abcdefghijklmnop';
const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const round = (x: number, digits = 2) => roundTo(x, digits);

/**
 * Per case, the µs of each call: `blocks` alternating blocks (ABAB…, the order reversed every other block) of
 * `perBlock` sequential calls.
 */
async function sampleAlternating(
  cases: Record<string, () => Promise<unknown>>,
  blocks: number,
  perBlock: number,
): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(Object.keys(cases).map((k) => [k, []]));
  for (let block = 0; block < blocks; block++) {
    const order = block % 2 === 0 ? Object.keys(cases) : Object.keys(cases).reverse();
    for (const name of order) {
      for (let i = 0; i < perBlock; i++) {
        const started = process.hrtime.bigint();
        await cases[name]!();
        samples.get(name)!.push(Number(process.hrtime.bigint() - started) / 1000);
      }
    }
  }
  return samples;
}

// --- 1. in-process token handling
function perCallMicros(fn: () => unknown, calls = 50_000): number {
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    runs.push(Number(process.hrtime.bigint() - started) / 1000 / calls);
  }
  return median(runs);
}
const codec = new TokenCodec(SECRET, { ttlMs: 60_000 });
const token = codec.issue(0x1234_5678_9an);
const forged = `${token.slice(0, 40)}${token[40] === 'A' ? 'B' : 'A'}${token.slice(41)}`;
const cookieHeader = {
  cookie: `_ga=GA1.2.3.4; sessionid=abcdef0123456789; causal_token=${token}; theme=dark`,
};
const inProcess = {
  signMicros: round(
    perCallMicros(() => codec.issue(123_456n)),
    3,
  ),
  verifyMicros: round(
    perCallMicros(() => codec.verify(token)),
    3,
  ),
  verifyForgedMicros: round(
    perCallMicros(() => codec.verify(forged)),
    3,
  ),
  cookieParseMicros: round(
    perCallMicros(() => presentedToken(cookieHeader)),
    3,
  ),
};
console.log('token handling in the process (µs per call, median of 7 × 50,000)');
console.table([inProcess]);

// --- the cluster: synchronous commit, as in production
const { cluster, stopCluster } = await startBenchCluster({
  replicas: 2,
  settings: { synchronous_commit: 'on' },
});
try {
  const urls = await createMigratedDatabase(cluster, 'causal');
  await seed(urls.primary, { size: 'tiny', seed: 5 });
  const admin = new pg.Pool({ connectionString: urls.primary, max: 4 });
  admin.on('error', () => {});
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  // Ingestion runs as its own role, so the primary's statistics tell the service's statements apart.
  await admin.query("CREATE ROLE bench_ingest LOGIN SUPERUSER PASSWORD 'bench_ingest'");
  const ingestUrl = new URL(urls.primary);
  ingestUrl.username = 'bench_ingest';
  ingestUrl.password = 'bench_ingest';
  const workload = await prepareWorkload(admin, CLIENTS);
  const { summaries, sheriffToken } = workload;
  await cluster.waitForReplicas();

  // --- 2. the WAL position after a write, three ways; and a replica's replay position
  const writer = new pg.Client({ connectionString: urls.primary });
  await writer.connect();
  const replica = new pg.Client({ connectionString: urls.replicas[0]! });
  await replica.connect();
  const WRITE = 'UPDATE performance_alert_summary SET notes = $1 WHERE id = $2';
  const CAPTURE = 'SELECT pg_current_wal_insert_lsn()::text AS lsn';
  const ways: Record<string, () => Promise<unknown>> = {
    'write alone': () => writer.query(WRITE, ['x', summaries[0]]),
    'write + capture on the same connection': async () => {
      await writer.query(WRITE, ['x', summaries[0]]);
      return writer.query(CAPTURE);
    },
    'write + capture through a pool checkout (as the pool does)': async () => {
      await writer.query(WRITE, ['x', summaries[0]]);
      return admin.query(CAPTURE);
    },
    "replica's pg_last_wal_replay_lsn()": () => replica.query('SELECT pg_last_wal_replay_lsn()::text'),
  };
  const samples = await sampleAlternating(ways, 20, 50);
  await writer.end();
  await replica.end();
  const alone = median(samples.get('write alone')!);
  const capture = [...samples].map(([way, xs]) => ({
    way,
    medianMicros: round(median(xs), 1),
    extraOverWriteAloneMicros: way.startsWith('write +') ? round(median(xs) - alone, 1) : null,
  }));
  console.log('\nthe WAL position after a write (µs, median of 1,000, ABAB blocks of 50)');
  console.table(capture);

  // --- apps
  await loadClassifierParser();
  const classifier = createStatementClassifier();
  const router = createReplicaRouter({ tableApps });
  const apps: Awaited<ReturnType<typeof build>>[] = [];
  const appWith = async (
    consistency: ConsistencyLevel,
    extra: { catchUpWaitMs?: number; askReplicaWhenBehind?: boolean } = {},
  ) => {
    const pool = new RoutedPool({
      primary: urls.primary,
      replicas: urls.replicas,
      tableApps,
      allowList: ['perf', 'model'],
      max: 10,
      consistency,
      tokenSecret: SECRET,
      ...extra,
    });
    pool.on('error', () => {});
    const app = await build({ pool, closePool: true, logger: false, alertReplicaReads: true });
    await app.ready();
    await pool.probeReplicas();
    apps.push(app);
    return app;
  };

  // --- 3. per HTTP request
  const eventual = await appWith('eventual');
  const ryw = await appWith('read_your_writes');
  const mono = await appWith('monotonic');
  const caughtUp = (await ryw.db.captureCausalToken())!;
  await cluster.waitForReplicas();
  await ryw.db.probeReplicas();
  await mono.db.probeReplicas();
  const put = {
    method: 'PUT' as const,
    url: `/api/performance/alertsummary/${summaries[1]}/`,
    headers: { authorization: `Bearer ${sheriffToken}` },
    payload: { notes: 'bench' },
  };
  const requestCases: Record<string, () => Promise<unknown>> = {
    'write, eventual': () => eventual.inject(put),
    'write, read_your_writes (token issued)': () => ryw.inject(put),
    'read, eventual': () => eventual.inject(workload.routedPath),
    'read, read_your_writes, token presented': () =>
      ryw.inject({ url: workload.routedPath, headers: { 'x-causal-token': caughtUp } }),
    'read, monotonic, token presented (refreshed)': () =>
      mono.inject({ url: workload.routedPath, headers: { 'x-causal-token': caughtUp } }),
  };
  // One call of each case per block, the order flipped every block: the i-th samples of two cases are
  // neighbours in time, so their difference is paired (the machine's load drifts cancel out).
  const requestSamples = await sampleAlternating(requestCases, 600, 1);
  const m = (name: string) => median(requestSamples.get(name)!);
  const pairedExtra = (name: string, base: string) => {
    const [a, b] = [requestSamples.get(name)!, requestSamples.get(base)!];
    return round(median(a.map((x, i) => x - b[i]!)), 0);
  };
  const perRequest = {
    writeEventualMicros: round(m('write, eventual'), 0),
    writeTokenIssuedMicros: round(m('write, read_your_writes (token issued)'), 0),
    writeExtraMicros: pairedExtra('write, read_your_writes (token issued)', 'write, eventual'),
    readEventualMicros: round(m('read, eventual'), 0),
    readWithTokenMicros: round(m('read, read_your_writes, token presented'), 0),
    readWithTokenExtraMicros: pairedExtra('read, read_your_writes, token presented', 'read, eventual'),
    readMonotonicMicros: round(m('read, monotonic, token presented (refreshed)'), 0),
    monotonicRefreshExtraMicros: pairedExtra(
      'read, monotonic, token presented (refreshed)',
      'read, read_your_writes, token presented',
    ),
  };
  console.log(
    '\nper HTTP request through the service (inject, µs; medians of 600, extras: median of paired differences)',
  );
  console.table([perRequest]);
  for (const app of apps.splice(0)) await app.close();

  // --- 4. the workload under ingestion
  const variants: {
    name: string;
    level: ConsistencyLevel;
    extra?: { catchUpWaitMs?: number; askReplicaWhenBehind?: boolean };
  }[] = [
    { name: 'eventual', level: 'eventual' },
    { name: 'read_your_writes', level: 'read_your_writes' },
    {
      name: 'read_your_writes, probes only (no direct check)',
      level: 'read_your_writes',
      extra: { askReplicaWhenBehind: false },
    },
    {
      name: 'read_your_writes, catch-up wait 20 ms',
      level: 'read_your_writes',
      extra: { catchUpWaitMs: 20 },
    },
    { name: 'monotonic', level: 'monotonic' },
    { name: 'monotonic, catch-up wait 20 ms', level: 'monotonic', extra: { catchUpWaitMs: 20 } },
  ];
  const totals = new Map<string, WorkloadResult[]>(variants.map((v) => [v.name, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const app = await appWith(variant.level, variant.extra);
      await cluster.waitForReplicas();
      const [result] = await Promise.all([
        runWorkload({
          app,
          workload,
          clients: CLIENTS,
          durationMs: seconds * 1000,
          primary: cluster.primary,
          database: 'causal',
          tablesOf: (sql) => classifier.classify(sql).tables,
          appOf: (t) => router.appOf(t),
        }),
        runIngest(ingestUrl.toString(), {
          ratePerSecond: INGEST_RATE,
          durationMs: seconds * 1000,
          seed: 40 + r,
        }),
      ]);
      totals.get(variant.name)!.push(result);
      await app.close();
      apps.splice(apps.indexOf(app), 1);
      process.stdout.write(`  round ${r + 1}: ${variant.name}: ${result.requests} requests\n`);
    }
  }
  const sum = (xs: WorkloadResult[], key: keyof WorkloadResult) =>
    xs.reduce((n, x) => n + (x[key] as number), 0);
  const baseLoad = median(totals.get('eventual')!.map((x) => x.primaryCallsPer1000));
  const workloadRows = variants.map((v) => {
    const xs = totals.get(v.name)!;
    const routed = sum(xs, 'routed');
    const behind = sum(xs, 'causalBehind');
    const load = median(xs.map((x) => x.primaryCallsPer1000));
    return {
      variant: v.name,
      requests: sum(xs, 'requests'),
      tokenHoldingReads: sum(xs, 'tokenReads'),
      replicaShareOfTokenReadStatements:
        v.level === 'eventual' ? null : round(routed / Math.max(1, routed + behind), 3),
      causalBehindStatements: behind,
      primaryStatementsPer1000Requests: round(load, 1),
      extraPrimaryStatementsPer1000VsEventual: round(load - baseLoad, 1),
      primaryCaptures: sum(xs, 'primaryCaptures'),
      replicaAsks: sum(xs, 'replicaAsks'),
      behindThatPerAppPositionsWouldKeepOnReplicas: sum(xs, 'behindWithoutWrittenApp'),
      errors: sum(xs, 'errors'),
    };
  });
  console.log(
    `\ntoken-holding workload: ${CLIENTS} clients, ingestion at ${INGEST_RATE} datums/s, ${rounds} × ${seconds} s per variant`,
  );
  console.table(workloadRows);

  const version = (await admin.query('SELECT version()')).rows[0].version as string;
  await admin.end();
  writeResult('causal.json', {
    benchmark: 'causal',
    ...benchEnvironment({ postgres: version.split(' on ')[0] ?? version, roundLoad: true }),
    settings: { synchronous_commit: 'on', clients: CLIENTS, ingestRate: INGEST_RATE, seconds, rounds },
    inProcess,
    capture,
    perRequest,
    workload: workloadRows,
  });
  console.log('\nwrote bench/results/causal.json');
} finally {
  await stopCluster();
}
