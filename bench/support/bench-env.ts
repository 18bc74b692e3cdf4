/**
 * What the benchmarks share: a dev cluster stopped on exit and on Ctrl-C, a migrated database, the machine
 * description every result file starts with, and the writing of bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../apps/perfherder/src/db/migrate.ts';
import { type StartClusterOptions, startCluster } from '../../packages/pg-devcluster/src/index.ts';

/**
 * Starts a dev cluster. `stopCluster()` never throws (call it in `finally`); Ctrl-C stops the cluster,
 * then exits with 130.
 */
export async function startBenchCluster(options: StartClusterOptions) {
  const cluster = await startCluster(options);
  const stopCluster = () => cluster.stop().catch(() => {});
  process.once('SIGINT', () => void stopCluster().then(() => process.exit(130)));
  return { cluster, stopCluster };
}

/** Creates `database` on the cluster and runs the perfherder migrations on it; answers its URLs. */
export async function createMigratedDatabase(
  cluster: Awaited<ReturnType<typeof startCluster>>,
  database: string,
): Promise<Awaited<ReturnType<typeof cluster.createDatabase>>> {
  const urls = await cluster.createDatabase(database);
  await migrate(urls.primary);
  return urls;
}

/**
 * The run's date, Node and PostgreSQL versions (`postgres` only when given) and the machine: CPU model and
 * count, load average (rounded to 2 decimals when `roundLoad`).
 */
export function benchEnvironment(options: { readonly postgres?: string; readonly roundLoad?: boolean } = {}) {
  return {
    date: new Date().toISOString(),
    node: process.version,
    ...(options.postgres === undefined ? {} : { postgres: options.postgres }),
    cpu: cpus()[0]?.model ?? 'unknown',
    cpuCount: cpus().length,
    loadAverage: options.roundLoad ? loadavg().map((x) => Math.round(x * 100) / 100) : loadavg(),
  };
}

/** bench/results/, created if missing. */
export function resultsDir(): string {
  const dir = join(import.meta.dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Writes `value` as indented JSON (with a final newline) to bench/results/`file`. */
export function writeResult(file: string, value: unknown): void {
  writeFileSync(join(resultsDir(), file), `${JSON.stringify(value, null, 2)}\n`);
}
