/**
 * The routed pool's own client CPU per statement, without the network: every pool here (a raw pg.Pool and
 * RoutedPools in scope, hedging on and off) runs real pg-pool code over an in-process connection that answers each
 * statement after a `setImmediate`, so what is measured is pg-pool plus routing, not sockets, servers or the
 * machine's load (the probes still ask a real dev cluster whether its replica is one). With `--baseline <checkout>`
 * the routed pools of that checkout's replica-router run next to this one's (before/after in one process).
 *
 * Variants take turns, the order rotated every round; each run is a fixed number of statements at concurrency 16
 * and 64. The table shows CPU µs per statement (median over rounds) and the median of the per-round differences to
 * the raw pool; with `--baseline`, also this checkout's routed pools against the baseline's same variant (median of
 * the per-round differences, and in how many rounds this one used less): the before/after figure itself, which
 * the difference of two "over raw" medians only approximates.
 *
 * Usage: node --conditions=@perfherder/source --import tsx bench/router-cpu.ts [--rounds 8] [--statements 40000]
 *        [--baseline <checkout folder>]
 * Prints a table and writes bench/results/router-cpu.json. Not part of npm test.
 */
import { EventEmitter } from 'node:events';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import * as ours from '../packages/replica-router/src/index.ts';
import { benchEnvironment, startBenchCluster, writeResult } from './support/bench-env.ts';
import { POINT } from './support/point-fixture.ts';
import { median, round3 } from './support/stats.ts';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '8' },
    statements: { type: 'string', default: '40000' },
    baseline: { type: 'string' },
  },
});
const rounds = Number(args.rounds);
const statements = Number(args.statements);
if (!Number.isInteger(rounds) || rounds < 2) throw new Error('--rounds: an integer ≥ 2');
if (!Number.isInteger(statements) || statements < 1000) throw new Error('--statements: an integer ≥ 1000');
const concurrencies = [16, 64] as const;
const poolMax = 16;

type Router = typeof ours;
const theirs: Router | undefined = args.baseline
  ? ((await import(
      pathToFileURL(join(resolve(args.baseline), 'packages/replica-router/src/index.ts')).href
    )) as Router)
  : undefined;

const answer = { command: 'SELECT', rowCount: 1, oid: 0, fields: [], rows: [{ id: 1 }] };

/** What pg-pool needs of a pg.Client, answering every statement after a setImmediate. */
class InProcessClient extends EventEmitter {
  _queryable = true;
  _ending = false;
  connect(callback: (error?: Error) => void): void {
    setImmediate(callback);
  }
  query(_text: unknown, _values: unknown, callback: (error: Error | null, result: unknown) => void): void {
    setImmediate(() => callback(null, answer));
  }
  end(callback?: () => void): Promise<void> {
    this._ending = true;
    if (callback) setImmediate(callback);
    return Promise.resolve();
  }
  isConnected(): boolean {
    return true;
  }
  ref(): void {}
  unref(): void {}
}

const { cluster, stopCluster } = await startBenchCluster({ replicas: 1 });
try {
  const urls = await cluster.createDatabase('bench');
  const replica = new URL(urls.replicas[0]!);
  // The replica's pools get the in-process client; the probes (their own pg.Client) still ask the real replica.
  const replicaConfig = {
    host: replica.hostname,
    port: Number(replica.port),
    user: decodeURIComponent(replica.username),
    password: decodeURIComponent(replica.password),
    database: 'bench',
    Client: InProcessClient,
  } as unknown as pg.PoolConfig;
  const raw = new pg.Pool({
    Client: InProcessClient,
    max: poolMax,
    connectionTimeoutMillis: 2000,
  } as unknown as pg.PoolConfig);
  const routed = (router: Router, hedgeMs?: number) =>
    new router.RoutedPool({
      primary: urls.primary,
      replicas: [replicaConfig],
      tableApps: { bench_item: 'perf' },
      max: poolMax,
      ...(hedgeMs === undefined ? {} : { hedgeMs }),
    });
  const variants: { name: string; router?: Router; pool: pg.Pool; before?: string }[] = [
    { name: 'pg.Pool (raw)', pool: raw },
    {
      name: 'RoutedPool in scope, hedging on',
      router: ours,
      pool: routed(ours),
      ...(theirs ? { before: 'baseline: hedging on' } : {}),
    },
    {
      name: 'RoutedPool in scope, hedging off',
      router: ours,
      pool: routed(ours, 0),
      ...(theirs ? { before: 'baseline: hedging off' } : {}),
    },
    ...(theirs
      ? [
          { name: 'baseline: hedging on', router: theirs, pool: routed(theirs) },
          { name: 'baseline: hedging off', router: theirs, pool: routed(theirs, 0) },
        ]
      : []),
  ];
  const runs = variants.map((v) => ({
    ...v,
    run: v.router
      ? (id: number) => v.router!.runInReplicaScope(() => v.pool.query(POINT, [id]))
      : (id: number) => v.pool.query(POINT, [id]),
  }));
  for (const v of runs) {
    await v.run(1);
    const routedCount = (v.pool as ours.RoutedPool).stats?.().reasons.routed;
    if (v.router && routedCount !== 1) throw new Error(`${v.name}: the statement was not routed`);
  }

  const results = [];
  for (const concurrency of concurrencies) {
    for (const v of runs) await drive(v.run, concurrency, statements / 2); // warm-up
    const cpu = new Map(runs.map((v) => [v.name, [] as number[]]));
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < runs.length; i++) {
        const v = runs[(i + r) % runs.length]!;
        cpu.get(v.name)?.push(await drive(v.run, concurrency, statements));
      }
    }
    const base = cpu.get(runs[0]!.name) ?? [];
    for (const v of runs) {
      const own = cpu.get(v.name) ?? [];
      results.push({
        concurrency,
        variant: v.name,
        cpuMicros: own.map(round3),
        cpuMicrosMedian: round3(median(own)),
        extraMicrosMedian: v.router ? round3(median(own.map((x, i) => x - (base[i] ?? Number.NaN)))) : null,
        ...(v.before ? versusBaseline(own, cpu.get(v.before) ?? []) : {}),
      });
    }
    process.stderr.write(`  done: concurrency ${concurrency}\n`);
  }
  const hedges = runs.map((v) => (v.pool as ours.RoutedPool).stats?.().hedging?.replicas[0]?.hedges ?? 0);
  await Promise.all(runs.map((v) => v.pool.end()));

  const environment = benchEnvironment({ postgres: cluster.version });
  console.log(
    `router CPU: ${rounds} rounds of ${statements} statements, pool max ${poolMax}, load ${environment.loadAverage
      .map((l) => l.toFixed(2))
      .join(' ')}, hedges ${hedges.reduce((a, b) => a + b, 0)}`,
  );
  console.table(
    results.map((r) => ({
      conc: r.concurrency,
      variant: r.variant,
      'CPU µs/statement': r.cpuMicrosMedian,
      'over raw µs': r.extraMicrosMedian ?? '',
      ...(theirs
        ? { 'vs baseline µs': r.vsBaselineMicrosMedian ?? '', 'rounds lower': r.roundsLower ?? '' }
        : {}),
    })),
  );
  writeResult('router-cpu.json', {
    benchmark: 'router-cpu',
    ...environment,
    rounds,
    statements,
    poolMax,
    statement: POINT,
    baseline: args.baseline ? 'given' : null,
    hedges,
    results,
  });
  console.log(`wrote ${join('bench', 'results', 'router-cpu.json')}`);
} finally {
  await stopCluster();
}

/** This checkout's per-round CPU against the baseline's same variant: the median difference, and rounds it was lower. */
function versusBaseline(own: readonly number[], before: readonly number[]) {
  const diffs = own.map((x, i) => x - (before[i] ?? Number.NaN));
  return {
    vsBaselineMicrosMedian: round3(median(diffs)),
    roundsLower: `${diffs.filter((d) => d < 0).length}/${diffs.length}`,
  };
}

/** This process's CPU time (user + system) per statement for `count` statements with `concurrency` callers. */
async function drive(
  run: (id: number) => Promise<unknown>,
  concurrency: number,
  count: number,
): Promise<number> {
  let left = count;
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) await run(1 + (left % 100_000));
    }),
  );
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / count;
}
