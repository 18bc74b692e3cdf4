/**
 * Routed-pool overhead: RoutedPool against a plain pg.Pool, side by side in one process on one cluster, for a
 * point query by primary key (`SELECT * FROM bench_item WHERE id = $1`, random ids over 100k rows).
 *
 * - primary: raw pg.Pool vs RoutedPool with routing on but out of scope (every statement is classified, then
 *   goes to the primary) and RoutedPool with routing off (the kill switch);
 * - replica: raw pg.Pool on the replica vs RoutedPool in an opted-in scope (one scope per query, as one request
 *   per query would do): a different server, so it has its own baseline. The routed pools read through that raw
 *   pool, given as their replica, so both sides run on the same connections and server processes: the ratio is
 *   routing's cost, not the luck of which server processes are warmer.
 *
 * Each pair's variants take turns after a warm-up, at concurrency 1, 16 and 64, the order rotated every round
 * (ABC, BCA, CAB…), so that no variant ever runs twice in a row: a run right after one of the same pool is the
 * faster one here (its connections' server processes are still warm), and with the order flipped every round
 * (ABC, CBA) the two ends got that at every round's boundary and the middle one (the hedged pool) never did. The
 * table shows medians over the rounds and the median of the per-round ratios (target ≥ 0.97). Then the
 * classifier alone: cost per statement on a cache miss and a hit, and the heap held by a full cache at its cap.
 *
 * Usage: node --conditions=@perfherder/source --import tsx bench/router.ts [rounds, default 8] [ms per run, default 1500]
 * Prints a table and writes bench/results/router.json. Not part of npm test.
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import type pg from 'pg';
import {
  createStatementClassifier,
  loadClassifierParser,
  RoutedPool,
  runInReplicaScope,
} from '../packages/replica-router/src/index.ts';
import { benchEnvironment, startBenchCluster, writeResult } from './support/bench-env.ts';
import { drive as closedLoop } from './support/paired-runs.ts';
import { createBenchItems, keptConnections, POINT, rawPools } from './support/point-fixture.ts';
import { median, round3 } from './support/stats.ts';

const rounds = Number(process.argv[2] ?? 8);
const runMs = Number(process.argv[3] ?? 1500);
if (!Number.isInteger(rounds) || rounds < 2) throw new Error('rounds: an integer ≥ 2');
if (!Number.isInteger(runMs) || runMs < 100) throw new Error('ms per run: an integer ≥ 100');
const rows = 100_000;
const concurrencies = [1, 16, 64] as const;
const poolMax = 16;
const targetRatio = 0.97;

type Run = (id: number) => Promise<unknown>;
interface Variant {
  readonly name: string;
  readonly run: Run;
}
interface Pair {
  readonly server: 'primary' | 'replica';
  readonly baseline: Variant;
  readonly candidates: readonly Variant[];
}

// --- cluster and fixture
const { cluster, stopCluster } = await startBenchCluster({ replicas: 1 });
try {
  const urls = await cluster.createDatabase('bench');
  await createBenchItems(cluster, 'bench', rows);
  await cluster.primary.query('VACUUM ANALYZE bench_item', [], 'bench');
  await cluster.waitForReplicas();
  const [primaryUrl, replicaUrl] = [urls.primary, urls.replicas[0]!];

  // --- pools, all the same size, keeping their connections while idle (keptConnections)
  const { rawPrimary, rawReplica } = rawPools(primaryUrl, replicaUrl, poolMax);
  const primary = keptConnections(primaryUrl);
  const routed = new RoutedPool({
    primary,
    replicas: [rawReplica],
    tableApps: { bench_item: 'perf' },
    max: poolMax,
  });
  const unhedged = new RoutedPool({
    primary,
    replicas: [rawReplica],
    tableApps: { bench_item: 'perf' },
    max: poolMax,
    hedgeMs: 0,
  });
  const routingOff = new RoutedPool({ primary, tableApps: { bench_item: 'perf' }, max: poolMax });
  const pools: pg.Pool[] = [rawPrimary, rawReplica, routed, unhedged, routingOff];
  // An idle connection closed by the cluster's shutdown must not crash the run.
  for (const p of pools) p.on('error', () => {});

  // Proof of where each variant's statements go, asked from the servers.
  const where = 'SELECT pg_is_in_recovery() AS r FROM bench_item WHERE id = $1';
  const inRecovery = async (p: Promise<pg.QueryResult>) => (await p).rows[0]?.r as boolean;
  const proof = {
    routedOutOfScope: await inRecovery(routed.query(where, [1])),
    routedInScope: await inRecovery(runInReplicaScope(() => routed.query(where, [1]))),
    routingOff: await inRecovery(routingOff.query(where, [1])),
  };
  if (proof.routedOutOfScope || !proof.routedInScope || proof.routingOff) {
    throw new Error(`routing is not what the benchmark assumes: ${JSON.stringify(proof)}`);
  }

  const pairs: Pair[] = [
    {
      server: 'primary',
      baseline: { name: 'pg.Pool (raw)', run: (id) => rawPrimary.query(POINT, [id]) },
      candidates: [
        { name: 'RoutedPool, routing on, out of scope', run: (id) => routed.query(POINT, [id]) },
        { name: 'RoutedPool, routing off (kill switch)', run: (id) => routingOff.query(POINT, [id]) },
      ],
    },
    {
      server: 'replica',
      baseline: { name: 'pg.Pool on the replica (raw)', run: (id) => rawReplica.query(POINT, [id]) },
      candidates: [
        {
          name: 'RoutedPool, in scope (one scope per query)',
          run: (id) => runInReplicaScope(() => routed.query(POINT, [id])),
        },
        {
          name: 'RoutedPool, in scope, hedging off',
          run: (id) => runInReplicaScope(() => unhedged.query(POINT, [id])),
        },
      ],
    },
  ];

  // --- throughput
  const results: {
    server: string;
    concurrency: number;
    variant: string;
    baseline: string;
    opsPerSec: number[];
    ratios: number[];
    cpuMicros: number[];
    cpuExtraMicros: number[];
  }[] = [];
  for (const concurrency of concurrencies) {
    for (const pair of pairs) {
      const variants = [pair.baseline, ...pair.candidates];
      for (const v of variants) await drive(v.run, concurrency, Math.min(1000, runMs)); // warm-up
      const runs = new Map(variants.map((v) => [v.name, [] as { ops: number; cpuMicros: number }[]]));
      for (let r = 0; r < rounds; r++) {
        const order = variants.map((_, i) => variants[(i + r) % variants.length] as Variant); // rotated
        for (const v of order) runs.get(v.name)?.push(await drive(v.run, concurrency, runMs));
      }
      const base = runs.get(pair.baseline.name) ?? [];
      for (const v of variants) {
        const own = runs.get(v.name) ?? [];
        results.push({
          server: pair.server,
          concurrency,
          variant: v.name,
          baseline: pair.baseline.name,
          opsPerSec: own.map((o) => o.ops),
          ratios: own.map((o, i) => o.ops / (base[i]?.ops ?? Number.NaN)),
          cpuMicros: own.map((o) => o.cpuMicros),
          cpuExtraMicros: own.map((o, i) => o.cpuMicros - (base[i]?.cpuMicros ?? Number.NaN)),
        });
      }
      process.stderr.write(`  done: ${pair.server}, concurrency ${concurrency}\n`);
    }
  }
  const stats = routed.stats();
  await Promise.all(pools.map((p) => p.end()));

  // --- the classifier alone
  await loadClassifierParser();
  const statements = {
    'point query': POINT,
    'ORM-style join': `SELECT "s"."id", "s"."signature_hash", "f"."name", "p"."platform" FROM "performance_signature" AS "s" INNER JOIN "performance_framework" AS "f" ON "f"."id" = "s"."framework_id" INNER JOIN "machine_platform" AS "p" ON "p"."id" = "s"."platform_id" WHERE "s"."repository_id" = $1 AND "s"."last_updated" > $2 ORDER BY "s"."id" LIMIT $3`,
  };
  const classification = Object.entries(statements).map(([statement, sql]) => {
    const uncached = createStatementClassifier({ cacheSize: 0 });
    const cached = createStatementClassifier();
    cached.classify(sql);
    for (let i = 0; i < 2000; i++) uncached.classify(sql); // JIT warm-up
    const missMicros = median(Array.from({ length: 5 }, () => microsPer(3000, () => uncached.classify(sql))));
    const hitMicros = median(
      Array.from({ length: 5 }, () => microsPer(1_000_000, () => cached.classify(sql))),
    );
    return { statement, sqlLength: sql.length, missMicros, hitMicros };
  });
  const memory = fullCacheMemory();

  // --- report
  const table = results.map((r) => ({
    server: r.server,
    conc: r.concurrency,
    variant: r.variant,
    'ops/s (median)': Math.round(median(r.opsPerSec)),
    'ratio (median)': r.variant === r.baseline ? '' : median(r.ratios).toFixed(3),
    'ratio min–max':
      r.variant === r.baseline ? '' : `${min(r.ratios).toFixed(3)}–${max(r.ratios).toFixed(3)}`,
    '≥ 0.97': r.variant === r.baseline ? '' : median(r.ratios) >= targetRatio ? 'yes' : 'NO',
    'client CPU µs/op': Number(median(r.cpuMicros).toFixed(1)),
    'extra CPU µs/op': r.variant === r.baseline ? '' : Number(median(r.cpuExtraMicros).toFixed(1)),
  }));
  console.log(
    `router benchmark: ${rows} rows, ${rounds} alternating rounds of ${runMs} ms, pool max ${poolMax}, ` +
      `${cpus().length} cores, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  console.table(table);
  console.table(
    classification.map((c) => ({
      statement: c.statement,
      chars: c.sqlLength,
      'miss µs': Number(c.missMicros.toFixed(2)),
      'hit µs': Number(c.hitMicros.toFixed(3)),
    })),
  );
  console.log(
    `full classifier cache: ${memory.entries} entries (cap ${memory.cap}, SQL ~${memory.averageSqlLength} chars) ` +
      `≈ ${(memory.heapBytes / 1024 / 1024).toFixed(2)} MiB heap, ${memory.bytesPerEntry} bytes per entry`,
  );

  writeResult('router.json', {
    benchmark: 'router',
    ...benchEnvironment({ postgres: cluster.version }),
    rows,
    rounds,
    runMs,
    poolMax,
    statement: POINT,
    targetRatio,
    proof,
    throughput: results.map((r) => ({
      ...r,
      opsPerSecMedian: Math.round(median(r.opsPerSec)),
      opsPerSec: r.opsPerSec.map(Math.round),
      ratioMedian: round3(median(r.ratios)),
      ratios: r.ratios.map(round3),
      cpuMicrosMedian: round3(median(r.cpuMicros)),
      cpuMicros: r.cpuMicros.map(round3),
      cpuExtraMicrosMedian: r.variant === r.baseline ? null : round3(median(r.cpuExtraMicros)),
      cpuExtraMicros: r.cpuExtraMicros.map(round3),
      targetMet: r.variant === r.baseline ? null : median(r.ratios) >= targetRatio,
    })),
    routedPoolReasons: stats.reasons,
    classification: classification.map((c) => ({
      ...c,
      missMicros: round3(c.missMicros),
      hitMicros: round3(c.hitMicros),
    })),
    fullCacheMemory: memory,
  });
  console.log(`wrote ${join('bench', 'results', 'router.json')}`);
} finally {
  await stopCluster();
}

/**
 * Ops per second of `run` with `concurrency` callers in a loop for `ms`, random ids over the table, and this
 * process's CPU time (user + system) per op: the client-side cost, steadier than throughput on a shared
 * machine because waiting for the servers or for a core does not count. The peers benchmark's closed loop; a
 * failed statement fails the run.
 */
async function drive(run: Run, concurrency: number, ms: number): Promise<{ ops: number; cpuMicros: number }> {
  const m = await closedLoop((_, id) => run(id), 'point', concurrency, ms, rows);
  if (m.errors > 0) throw new Error(`${m.errors} statements failed`);
  return { ops: m.ops, cpuMicros: m.cpuMicros };
}

function microsPer(calls: number, fn: () => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1000 / calls;
}

/** Heap held by a classifier cache filled to its default cap with distinct ORM-shaped statements. */
function fullCacheMemory() {
  // Reach the GC without --expose-gc, so the plain `node --conditions=@perfherder/source --import tsx bench/router.ts` measures memory too.
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const cap = 5000;
  gc();
  const before = process.memoryUsage().heapUsed;
  const full = createStatementClassifier({ cacheSize: cap });
  let sqlLength = 0;
  for (let i = 0; i < cap * 2; i++) {
    // Built here, so the cache is what keeps the text alive, as with an application's transient SQL.
    const sql = `SELECT "d"."id", "d"."value", "d"."push_timestamp" FROM "performance_datum" AS "d" WHERE "d"."signature_id" = ${i} AND "d"."repository_id" = ${i % 40} ORDER BY "d"."push_timestamp" DESC LIMIT ${100 + (i % 50)}`;
    if (i >= cap) sqlLength += sql.length;
    full.classify(sql);
  }
  gc();
  const heapBytes = process.memoryUsage().heapUsed - before;
  const entries = full.cacheSize;
  return {
    cap,
    entries,
    heapBytes,
    bytesPerEntry: Math.round(heapBytes / Math.max(1, entries)),
    averageSqlLength: Math.round(sqlLength / cap),
  };
}

function min(xs: readonly number[]): number {
  return Math.min(...xs);
}

function max(xs: readonly number[]): number {
  return Math.max(...xs);
}
