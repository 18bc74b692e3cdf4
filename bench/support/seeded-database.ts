/**
 * A seeded Perfherder database on a bench cluster, seeded once per data folder: a persistent cluster keeps
 * it (with a `bench_seeded` row naming the size), so the next benchmark on the same folder reuses it
 * instead of seeding minutes again. Vacuumed and analysed after seeding; replicas caught up on return.
 */
import pg from 'pg';
import { seed } from '../../apps/perfherder/src/seed/index.ts';
import type { SeedSize } from '../../apps/perfherder/src/seed/seed-size.ts';
import type { startCluster } from '../../packages/pg-devcluster/src/index.ts';
import { createMigratedDatabase } from './bench-env.ts';

export const SEED_SIZES: readonly SeedSize[] = ['tiny', 'small', 'medium', 'large'];

/** `value` as a seed size, or an error naming `option`. */
export function seedSize(value: string | undefined, option: string): SeedSize {
  const size = SEED_SIZES.find((s) => s === value);
  if (!size) throw new Error(`${option}: one of ${SEED_SIZES.join(', ')} (got ${value})`);
  return size;
}

export interface SeededDatabase {
  readonly urls: Awaited<ReturnType<typeof createMigratedDatabase>>;
  readonly datums: number;
  /** Seconds spent seeding now, or null when the folder already held the data set. */
  readonly seedSeconds: number | null;
}

export async function seededDatabase(
  cluster: Awaited<ReturnType<typeof startCluster>>,
  database: string,
  size: SeedSize,
  log: (line: string) => void,
): Promise<SeededDatabase> {
  const urls = await createMigratedDatabase(cluster, database);
  const client = new pg.Client({ connectionString: urls.primary, application_name: 'bench-seed' });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await client.query(
      'CREATE TABLE IF NOT EXISTS bench_seeded (size text PRIMARY KEY, at timestamptz NOT NULL)',
    );
    let seedSeconds: number | null = null;
    if (((await client.query('SELECT 1 FROM bench_seeded WHERE size = $1', [size])).rowCount ?? 0) === 0) {
      const started = performance.now();
      let lastLog = 0;
      log(`seeding ${size} (once per data folder) …`);
      await seed(urls.primary, {
        size,
        seed: 1,
        onProgress: (p) => {
          const s = (performance.now() - started) / 1000;
          if (s - lastLog >= 15 || p.phase === 'done') {
            lastLog = s;
            log(`seed ${size}: ${s.toFixed(0)} s, ${p.rows} rows, ${p.phase}`);
          }
        },
      });
      seedSeconds = (performance.now() - started) / 1000;
      // As autovacuum would have by the time anyone reads: visibility map, fresh statistics.
      await client.query('VACUUM (ANALYZE)');
      await client.query('INSERT INTO bench_seeded VALUES ($1, now())', [size]);
    }
    await cluster.waitForReplicas({ timeoutMs: 600_000 });
    const datums = Number(
      (await client.query('SELECT count(*) AS n FROM performance_datum')).rows[0]?.n ?? 0,
    );
    return { urls, datums, seedSeconds };
  } finally {
    await client.end();
  }
}
