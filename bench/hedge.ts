/**
 * Hedged reads: what they cost the primary when the replica is healthy, and what they save when it stalls.
 *
 * A real primary and one streaming replica behind a fault proxy; a table of 10,000 rows. Clients loop reads in a
 * replica scope, each a fast point query (`SELECT … WHERE id = $1`) or, one in ten, a heavy one that takes about
 * 300 ms on either server (`pg_sleep(0.3)` besides a small scan): a heavy endpoint, slow by nature. Variants, each
 * with a fresh pool (no latency history), taking turns round by round (ABC, then CBA…):
 * - `off`: `hedgeMs: 0`, no hedging;
 * - `adaptive`: the default policy (per statement shape, hedge at once on ejection);
 * - `fixed_250`: `hedgeMs: 250`, which is what the previous policy (one replica-wide delay, capped at 250 ms) gave
 *   every heavy statement: each one was hedged.
 *
 * (a) healthy replica: reads per variant, the primary's statements per 1,000 reads (completed ones from its own
 *     pg_stat_statements, and cancelled ones from pg_stat_database's rollbacks: a hedge the replica won), hedges,
 *     and p50/p99 latency of fast and heavy reads.
 * (b) the replica stalled for 3 s mid-run (the proxy stops moving bytes on open connections and answers no new
 *     ones): p50/p99/max latency of the reads, hedges, and reads hedged at once on the replica's ejection.
 *
 * Usage: node --conditions=@perfherder/source --import tsx bench/hedge.ts [seconds per run, default 8] [rounds, default 2]
 * Prints tables and writes bench/results/hedge.json. Not part of npm test.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { RoutedPool, runInReplicaScope } from '../packages/replica-router/src/index.ts';
import { benchEnvironment, startBenchCluster, writeResult } from './support/bench-env.ts';

const seconds = Number(process.argv[2] ?? 8);
const rounds = Number(process.argv[3] ?? 2);
if (!(seconds >= 4) || !Number.isInteger(rounds) || rounds < 1)
  throw new Error('usage: [seconds ≥ 4] [rounds ≥ 1]');
const CLIENTS = 8;
const ROWS = 10_000;
const HEAVY_SHARE = 0.1;
const STALL_MS = 3000;
const FAST = 'SELECT /* hedge-bench fast */ id, v FROM bench_item WHERE id = $1';
const HEAVY =
  'SELECT /* hedge-bench heavy */ count(*) AS n, pg_sleep(0.3) IS NULL AS slept FROM bench_item WHERE id < $1';

type Variant = 'off' | 'adaptive' | 'fixed_250';
const variants: readonly Variant[] = ['off', 'adaptive', 'fixed_250'];
const hedgeMs: Record<Variant, number | undefined> = { off: 0, adaptive: undefined, fixed_250: 250 };

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)]!;
}

const { cluster, stopCluster } = await startBenchCluster({ replicas: 1, proxies: true });
try {
  const urls = await cluster.createDatabase('hedge_bench');
  await cluster.primary.query(
    `CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
     CREATE TABLE bench_item (id int PRIMARY KEY, v int NOT NULL);
     INSERT INTO bench_item SELECT g, g % 97 FROM generate_series(1, ${ROWS}) AS g;
     ANALYZE bench_item`,
    [],
    'hedge_bench',
  );
  await cluster.waitForReplicas();
  const control = new pg.Pool({ connectionString: urls.primary, max: 1 });
  const proxy = cluster.replicas[0]!.proxy!;

  interface Run {
    readonly variant: Variant;
    readonly round: number;
    readonly reads: number;
    readonly failed: number;
    readonly fastMs: number[];
    readonly heavyMs: number[];
    readonly hedges: number;
    readonly onEjection: number;
    readonly budgetEjections: number;
    readonly onPrimary: number;
    readonly primaryCompleted: number;
    readonly primaryCancelled: number;
  }

  async function primaryCounters(): Promise<{ completed: number; rollbacks: number }> {
    const [statements, database] = await Promise.all([
      control.query<{ n: string | null }>(
        "SELECT sum(calls)::text AS n FROM pg_stat_statements WHERE query LIKE '%hedge-bench%' AND query NOT LIKE '%pg_stat_statements%'",
      ),
      control.query<{ n: string }>(
        'SELECT xact_rollback::text AS n FROM pg_stat_database WHERE datname = current_database()',
      ),
    ]);
    return { completed: Number(statements.rows[0]?.n ?? 0), rollbacks: Number(database.rows[0]?.n ?? 0) };
  }

  async function run(variant: Variant, roundNo: number, stall: boolean): Promise<Run> {
    await control.query('SELECT pg_stat_statements_reset()');
    await control.query('SELECT pg_stat_clear_snapshot()');
    const before = await primaryCounters();
    const pool = new RoutedPool({
      primary: urls.primary,
      replicas: urls.replicas,
      tableApps: { bench_item: 'perf' },
      max: CLIENTS + 2,
      tokenSecret: 'hedge-bench-secret-0123456789-abcdefghijklmnop',
      ...(hedgeMs[variant] === undefined ? {} : { hedgeMs: hedgeMs[variant] }),
    });
    pool.on('error', () => {});
    await pool.probeReplicas();
    const fastMs: number[] = [];
    const heavyMs: number[] = [];
    let failed = 0;
    const stopAt = performance.now() + seconds * 1000;
    let stallDone: Promise<void> = Promise.resolve();
    if (stall) {
      stallDone = (async () => {
        await sleep((seconds * 1000) / 3);
        await proxy.setMode('stall');
        await sleep(STALL_MS);
        await proxy.setMode('pass');
      })();
    }
    let seed = roundNo * 7919 + variants.indexOf(variant);
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < stopAt) {
          const heavy = random() < HEAVY_SHARE;
          const id = 1 + Math.floor(random() * ROWS);
          const started = performance.now();
          try {
            await runInReplicaScope(() => pool.query(heavy ? HEAVY : FAST, [heavy ? 200 : id]));
            (heavy ? heavyMs : fastMs).push(performance.now() - started);
          } catch {
            failed++;
          }
        }
      }),
    );
    await stallDone;
    const stats = pool.stats();
    await pool.end();
    // Backends flush their statistics when they exit: wait for them, then read a fresh snapshot.
    await sleep(1500);
    await control.query('SELECT pg_stat_clear_snapshot()');
    const after = await primaryCounters();
    return {
      variant,
      round: roundNo,
      reads: fastMs.length + heavyMs.length,
      failed,
      fastMs,
      heavyMs,
      hedges: stats.reasons.hedged,
      onEjection: stats.hedging?.onEjection ?? 0,
      budgetEjections: stats.hedging?.replicas[0]?.budgetEjections ?? 0,
      // Reads the primary ran alone (the replica was out: ejected by a probe, a connection error or the budget).
      onPrimary: stats.reasons.replica_down + stats.reasons.replica_lagging + stats.reasons.fallback,
      primaryCompleted: after.completed - before.completed,
      primaryCancelled: after.rollbacks - before.rollbacks,
    };
  }

  const healthy: Run[] = [];
  const stalled: Run[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      healthy.push(await run(v, r, false));
      console.error(`round ${r + 1}/${rounds} ${v}: healthy done`);
    }
    for (const v of order) {
      stalled.push(await run(v, r, true));
      await cluster.waitForReplicas();
      console.error(`round ${r + 1}/${rounds} ${v}: stalled done`);
    }
  }
  await control.end();

  const summarize = (runs: readonly Run[], v: Variant) => {
    const mine = runs.filter((x) => x.variant === v);
    const reads = mine.reduce((n, x) => n + x.reads, 0);
    const all = mine.flatMap((x) => [...x.fastMs, ...x.heavyMs]);
    const fast = mine.flatMap((x) => x.fastMs);
    const heavy = mine.flatMap((x) => x.heavyMs);
    const per1000 = (n: number) => round((n * 1000) / Math.max(1, reads));
    return {
      variant: v,
      reads,
      failed: mine.reduce((n, x) => n + x.failed, 0),
      readsPerSecond: round(reads / (mine.length * seconds)),
      hedgesPer1000Reads: per1000(mine.reduce((n, x) => n + x.hedges, 0)),
      hedgedOnEjection: mine.reduce((n, x) => n + x.onEjection, 0),
      budgetEjections: mine.reduce((n, x) => n + x.budgetEjections, 0),
      replicaOutPer1000Reads: per1000(mine.reduce((n, x) => n + x.onPrimary, 0)),
      primaryCompletedPer1000Reads: per1000(mine.reduce((n, x) => n + x.primaryCompleted, 0)),
      primaryCancelledPer1000Reads: per1000(mine.reduce((n, x) => n + x.primaryCancelled, 0)),
      fastP50Ms: round(percentile(fast, 0.5)),
      fastP99Ms: round(percentile(fast, 0.99)),
      heavyP50Ms: round(percentile(heavy, 0.5)),
      heavyP99Ms: round(percentile(heavy, 0.99)),
      allP99Ms: round(percentile(all, 0.99)),
      maxMs: round(Math.max(...all)),
    };
  };
  const a = variants.map((v) => summarize(healthy, v));
  const b = variants.map((v) => summarize(stalled, v));

  console.log(`\n(a) healthy replica, ${CLIENTS} clients, ${HEAVY_SHARE * 100} % heavy (~300 ms) reads`);
  console.table(
    a.map((x) => ({
      variant: x.variant,
      reads: x.reads,
      'hedges/1000': x.hedgesPer1000Reads,
      'budget ejections': x.budgetEjections,
      'replica out/1000': x.replicaOutPer1000Reads,
      'primary done/1000': x.primaryCompletedPer1000Reads,
      'primary cancelled/1000': x.primaryCancelledPer1000Reads,
      'fast p50': x.fastP50Ms,
      'fast p99': x.fastP99Ms,
      'heavy p50': x.heavyP50Ms,
      'heavy p99': x.heavyP99Ms,
    })),
  );
  console.log(`(b) replica stalled ${STALL_MS} ms mid-run`);
  console.table(
    b.map((x) => ({
      variant: x.variant,
      reads: x.reads,
      failed: x.failed,
      'hedges/1000': x.hedgesPer1000Reads,
      'hedged on ejection': x.hedgedOnEjection,
      'replica out/1000': x.replicaOutPer1000Reads,
      'fast p50': x.fastP50Ms,
      'all p99': x.allP99Ms,
      max: x.maxMs,
    })),
  );

  writeResult('hedge.json', {
    environment: benchEnvironment({ postgres: cluster.version, roundLoad: true }),
    setup: { clients: CLIENTS, rows: ROWS, heavyShare: HEAVY_SHARE, stallMs: STALL_MS, seconds, rounds },
    healthy: a,
    stalled: b,
  });
} finally {
  await stopCluster();
}
