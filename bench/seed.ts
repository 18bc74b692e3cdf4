/**
 * Seed benchmark: loads one seed size (default `medium`) into a fresh dev cluster (primary + 1 streaming
 * replica, like `npm start`) and reports the load time, rows/s over all tables and datums/s, plus how long
 * the replica took to catch up afterwards.
 *
 * Usage: node --conditions=@perfherder/source --import tsx bench/seed.ts [--size medium] [--seed 1] [--replicas 1]
 *
 * Prints a table and writes bench/results/seed.json. Not part of npm test.
 */
import { parseArgs } from 'node:util';
import { isSeedSize, type SeedProgress, seed } from '../apps/perfherder/src/seed/index.ts';
import { startCluster } from '../packages/pg-devcluster/src/index.ts';
import { benchEnvironment, createMigratedDatabase, writeResult } from './support/bench-env.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'medium' },
    seed: { type: 'string', default: '1' },
    replicas: { type: 'string', default: '1' },
  },
});
const size = values.size;
if (!isSeedSize(size)) throw new Error('--size: tiny, small, medium or large');
const seedNumber = Number(values.seed);
const replicas = Number(values.replicas);

const cluster = await startCluster({ replicas });
try {
  const urls = await createMigratedDatabase(cluster, 'perfherder_bench');

  // Sample throughput while loading, to show whether it degrades as tables and indexes grow.
  const samples: { seconds: number; rows: number }[] = [];
  const started = performance.now();
  let lastSample = 0;
  const onProgress = (p: SeedProgress) => {
    const seconds = (performance.now() - started) / 1000;
    if (seconds - lastSample >= 10 || p.phase === 'done') {
      lastSample = seconds;
      samples.push({ seconds: Math.round(seconds * 10) / 10, rows: p.rows });
      process.stderr.write(
        `  ${seconds.toFixed(0)} s: ${p.rows} rows, ${p.pushesDone}/${p.pushesTotal} pushes, ${p.phase}\n`,
      );
    }
  };
  const counts = await seed(urls.primary, { size, seed: seedNumber, onProgress });
  const loadSeconds = (performance.now() - started) / 1000;
  const caughtUpAt = performance.now();
  await cluster.waitForReplicas({ timeoutMs: 600_000 });
  const replicaCatchUpSeconds = (performance.now() - caughtUpAt) / 1000;

  const [sizes] = await cluster.primary.query<{ database: string; datum_table: string }>(
    `SELECT pg_size_pretty(pg_database_size(current_database())) AS database,
            pg_size_pretty(pg_total_relation_size('performance_datum')) AS datum_table`,
    [],
    'perfherder_bench',
  );
  const totalRows = Object.values(counts).reduce((a, b) => a + b, 0);
  const datums = counts.performance_datum ?? 0;
  const result = {
    benchmark: 'seed',
    ...benchEnvironment({ postgres: cluster.version, roundLoad: true }),
    size,
    seed: seedNumber,
    replicas,
    loadSeconds: Math.round(loadSeconds * 10) / 10,
    replicaCatchUpSeconds: Math.round(replicaCatchUpSeconds * 10) / 10,
    totalRows,
    rowsPerSecond: Math.round(totalRows / loadSeconds),
    datums,
    datumsPerSecond: Math.round(datums / loadSeconds),
    databaseSize: sizes?.database,
    datumTableSize: sizes?.datum_table,
    counts,
    samples,
  };
  console.table({
    [size]: {
      'load s': result.loadSeconds,
      rows: totalRows,
      'rows/s': result.rowsPerSecond,
      datums,
      'datums/s': result.datumsPerSecond,
      'replica catch-up s': result.replicaCatchUpSeconds,
      'db size': result.databaseSize,
    },
  });
  writeResult('seed.json', result);
} finally {
  await cluster.stop();
}
