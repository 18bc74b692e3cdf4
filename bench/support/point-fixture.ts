/**
 * What the point-query benchmarks (bench/router.ts, bench/peers.ts) share: the `bench_item` table and its
 * statement, and the raw pg.Pools on the primary and the replica that the routed pools are measured against.
 */
import pg from 'pg';
import type { startCluster } from '../../packages/pg-devcluster/src/index.ts';

/** The point query by primary key, over `bench_item`'s ids 1 … rows. */
export const POINT = 'SELECT * FROM bench_item WHERE id = $1';

/** Creates `bench_item` in `database` on the primary with `rows` rows (ids 1 … rows); not vacuumed. */
export async function createBenchItems(
  cluster: Awaited<ReturnType<typeof startCluster>>,
  database: string,
  rows: number,
): Promise<void> {
  await cluster.primary.query(
    `CREATE TABLE IF NOT EXISTS bench_item (id int PRIMARY KEY, signature_id int NOT NULL, value float8 NOT NULL,
       push_timestamp timestamptz NOT NULL, note text NOT NULL);
     INSERT INTO bench_item SELECT g, g % 997, random() * 1000, now() - g * interval '1 minute', md5(g::text)
       FROM generate_series(1, ${rows}) g ON CONFLICT DO NOTHING`,
    [],
    database,
  );
}

/**
 * A pool config for `url` whose idle connections stay open. The benchmarks run their pools in turns, and a pool
 * waits longer for its next turn than pg-pool's default 10 s idle timeout: it would open its connections again in
 * every turn, and a new connection's server process is slower for a while (its first touches of each shared
 * buffer page fault, its caches are cold). That penalised every pool but the floor, which runs next to each of
 * them and never idles (at 64 clients, a raw pg.Pool on the primary measured 0.85× of the floor, and the routed
 * pool in scope 0.80×). A service under steady load keeps its connections too.
 */
export function keptConnections(url: string): pg.PoolConfig {
  return { connectionString: url, idleTimeoutMillis: 0 };
}

/**
 * Raw pg.Pools of `max` connections on the primary and the replica, their connections kept while idle
 * ({@link keptConnections}). The replica's is configured like the routed pool's own replica pools (their default
 * connect and query timeouts, which cost a timer each per statement), so a ratio to it is what routing adds, not
 * what the timeouts cost.
 */
export function rawPools(
  primaryUrl: string,
  replicaUrl: string,
  max: number,
): { rawPrimary: pg.Pool; rawReplica: pg.Pool } {
  return {
    rawPrimary: new pg.Pool({ ...keptConnections(primaryUrl), max }),
    rawReplica: new pg.Pool({
      ...keptConnections(replicaUrl),
      max,
      connectionTimeoutMillis: 2000,
      query_timeout: 30_000,
    }),
  };
}
