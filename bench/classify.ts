/**
 * Statement classifier benchmark: uncached parse + classify, cache-hit cost, and the memory of a full cache.
 *
 * Usage: node --conditions=@perfherder/source --import tsx bench/classify.ts            (time only)
 *        node --expose-gc --conditions=@perfherder/source --import tsx bench/classify.ts (time and memory)
 *
 * Prints a table and writes bench/results/classify.json. Targets: cache hit ≤ 2 µs, miss ≤ 100 µs.
 */
import { join } from 'node:path';
import { parseSync } from 'libpg-query';
import {
  createStatementClassifier,
  loadClassifierParser,
  type StatementClassifier,
} from '../packages/replica-router/src/classify/index.ts';
import { corpus } from '../packages/replica-router/test/classify/corpus.ts';
import { benchEnvironment, writeResult } from './support/bench-env.ts';

const targets = { cacheHitMicros: 2, cacheMissMicros: 100 };
const defaultCacheSize = 5000;
const missRounds = 200;
const hitCalls = 2_000_000;
const perStatementCalls = 300;
const realisticCount = 2000;

await loadClassifierParser();

const statements = corpus.map((c) => c.sql);
const parsable = statements.filter((sql) => sql.trim() !== '');

function microsPer(calls: number, run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1000 / calls;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

// Warm up the JIT on both paths before measuring anything.
{
  const warm = createStatementClassifier({ cacheSize: 0 });
  for (let i = 0; i < 20; i++) for (const sql of statements) warm.classify(sql);
}

// 1. Uncached: a classifier without a cache parses every time, exactly like a miss.
const uncached = createStatementClassifier({ cacheSize: 0 });
const missMicros = microsPer(missRounds * statements.length, () => {
  for (let r = 0; r < missRounds; r++) for (const sql of statements) uncached.classify(sql);
});
// The parser alone, to show what the tree walk adds on top.
const parseMicros = microsPer(missRounds * parsable.length, () => {
  for (let r = 0; r < missRounds; r++) {
    for (const sql of parsable) {
      try {
        parseSync(sql);
      } catch {
        // parse errors are part of the corpus on purpose
      }
    }
  }
});
// Per-statement spread: the slowest statements are the long realistic ones.
const perStatement = statements
  .map((sql) => ({
    sql,
    micros: microsPer(perStatementCalls, () => repeat(perStatementCalls, () => uncached.classify(sql))),
  }))
  .sort((a, b) => a.micros - b.micros);
const sortedMicros = perStatement.map((s) => s.micros);
const slowest = perStatement.at(-1);

// Realistic ORM-shaped statements, longer than most of the corpus: the median of several rounds, since the
// machine may be shared.
const realistic = Array.from({ length: realisticCount }, (_, i) => realisticStatement(i));
const realisticMicros = medianOfRounds(5, () =>
  microsPer(realisticCount, () => {
    for (const sql of realistic) uncached.classify(sql);
  }),
);
const realisticParseMicros = medianOfRounds(5, () =>
  microsPer(realisticCount, () => {
    for (const sql of realistic) parseSync(sql);
  }),
);

// 2. Cache hits: every statement cached, then looked up over and over.
const cached = createStatementClassifier();
for (const sql of statements) cached.classify(sql);
const hitMicros = microsPer(hitCalls, () => {
  for (let i = 0; i < hitCalls; i++) cached.classify(statements[i % statements.length] ?? '');
});

// 3. Memory of a full cache at the default cap, with realistic, distinct statements built inside the loop so
// the cache is what keeps their text alive (as it is for an application's transient SQL strings).
const gc = (globalThis as { gc?: () => void }).gc;
let memory: { entries: number; heapBytes: number; bytesPerEntry: number; averageSqlLength: number } | null =
  null;
if (gc !== undefined) {
  gc();
  const before = process.memoryUsage().heapUsed;
  const full = createStatementClassifier();
  let sqlLength = 0;
  for (let i = 0; i < defaultCacheSize; i++) {
    const sql = realisticStatement(i);
    sqlLength += sql.length;
    full.classify(sql);
  }
  gc();
  const heapBytes = process.memoryUsage().heapUsed - before;
  memory = {
    entries: full.cacheSize,
    heapBytes,
    bytesPerEntry: Math.round(heapBytes / full.cacheSize),
    averageSqlLength: Math.round(sqlLength / defaultCacheSize),
  };
  keepAlive(full);
}

const rows = [
  {
    measure: 'miss: parse + classify (mean over corpus)',
    micros: missMicros,
    target: targets.cacheMissMicros,
  },
  {
    measure: 'miss: per-statement p50',
    micros: percentile(sortedMicros, 0.5),
    target: targets.cacheMissMicros,
  },
  {
    measure: 'miss: per-statement p99',
    micros: percentile(sortedMicros, 0.99),
    target: targets.cacheMissMicros,
  },
  {
    measure: 'miss: slowest statement',
    micros: slowest?.micros ?? Number.NaN,
    target: targets.cacheMissMicros,
  },
  {
    measure: 'miss: realistic ORM statement (mean)',
    micros: realisticMicros,
    target: targets.cacheMissMicros,
  },
  { measure: 'parser alone, corpus (parseSync, mean)', micros: parseMicros, target: undefined },
  { measure: 'parser alone, realistic (parseSync, mean)', micros: realisticParseMicros, target: undefined },
  { measure: 'cache hit', micros: hitMicros, target: targets.cacheHitMicros },
];
console.log(`classifier benchmark: ${statements.length} corpus statements, node ${process.version}`);
console.table(
  rows.map((r) => ({
    measure: r.measure,
    µs: Number(r.micros.toFixed(3)),
    target: r.target === undefined ? '' : `≤ ${r.target}`,
    met: r.target === undefined ? '' : r.micros <= r.target ? 'yes' : 'NO',
  })),
);
if (memory === null) {
  console.log(
    'memory: run with --expose-gc (node --expose-gc --conditions=@perfherder/source --import tsx bench/classify.ts) to measure it',
  );
} else {
  console.log(
    `memory: full cache of ${memory.entries} entries (average SQL ${memory.averageSqlLength} chars) ` +
      `≈ ${(memory.heapBytes / 1024 / 1024).toFixed(2)} MiB heap, ${memory.bytesPerEntry} bytes per entry`,
  );
}
console.log(`slowest statement: ${JSON.stringify(slowest?.sql.slice(0, 100))}`);

writeResult('classify.json', {
  benchmark: 'classify',
  ...benchEnvironment(),
  corpusStatements: statements.length,
  realisticStatements: realisticCount,
  missRounds,
  hitCalls,
  targets,
  micros: {
    missMean: round(missMicros),
    missP50: round(percentile(sortedMicros, 0.5)),
    missP99: round(percentile(sortedMicros, 0.99)),
    missMax: round(slowest?.micros ?? Number.NaN),
    missRealisticMean: round(realisticMicros),
    parseOnlyMean: round(parseMicros),
    parseOnlyRealisticMean: round(realisticParseMicros),
    cacheHit: round(hitMicros),
  },
  targetsMet: {
    cacheHit: hitMicros <= targets.cacheHitMicros,
    cacheMiss: missMicros <= targets.cacheMissMicros,
  },
  memory: memory ?? 'not measured: run with --expose-gc',
});
console.log(`wrote ${join('bench', 'results', 'classify.json')}`);

function repeat(times: number, run: () => void): void {
  for (let i = 0; i < times; i++) run();
}

function medianOfRounds(rounds: number, measure: () => number): number {
  const results = Array.from({ length: rounds }, measure).sort((a, b) => a - b);
  return percentile(results, 0.5);
}

function round(micros: number): number {
  return Math.round(micros * 1000) / 1000;
}

function keepAlive(classifier: StatementClassifier): void {
  if (classifier.cacheSize < 0) console.log('unreachable');
}

/** Perfherder-shaped queries as an ORM emits them, made distinct by their literals. */
function realisticStatement(i: number): string {
  const templates = [
    (n: number) =>
      `SELECT "performance_datum"."id", "performance_datum"."value", "performance_datum"."push_timestamp", "performance_datum"."job_id", "performance_datum"."push_id" FROM "performance_datum" WHERE ("performance_datum"."repository_id" = ${n % 40} AND "performance_datum"."signature_id" IN (${n}, ${n + 1}, ${n + 2}) AND "performance_datum"."push_timestamp" >= '2024-01-${String((n % 28) + 1).padStart(2, '0')}T00:00:00'::timestamptz) ORDER BY "performance_datum"."push_timestamp" ASC`,
    (n: number) =>
      `SELECT s.id, s.signature_hash, s.suite, s.test, s.lower_is_better, s.has_subtests, f.name AS framework, p.platform, o.option_collection_hash FROM performance_signature s JOIN performance_framework f ON f.id = s.framework_id JOIN machine_platform p ON p.id = s.platform_id JOIN option_collection o ON o.id = s.option_collection_id WHERE s.repository_id = ${n % 40} AND s.last_updated > now() - interval '${(n % 365) + 1} days' LIMIT ${100 + (n % 900)}`,
    (n: number) =>
      `SELECT a.id, a.status, a.is_regression, a.amount_pct, a.t_value, sum.id AS summary_id, sum.push_id, sum.prev_push_id FROM performance_alert a JOIN performance_alert_summary sum ON sum.id = a.summary_id WHERE sum.repository_id = ${n % 40} AND sum.framework_id = ${n % 20} AND a.status = ANY('{0,1,2}') ORDER BY sum.created DESC OFFSET ${n} LIMIT 50`,
    (n: number) =>
      `SELECT count(*) AS "__count" FROM "performance_alert_summary" WHERE ("performance_alert_summary"."status" = ${n % 9} AND "performance_alert_summary"."repository_id" = ${n % 40} AND "performance_alert_summary"."id" > ${n})`,
  ];
  const template = templates[i % templates.length];
  return template === undefined ? `SELECT ${i}` : template(i);
}
