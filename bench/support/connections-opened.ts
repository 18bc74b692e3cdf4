import type pg from 'pg';

/**
 * Client connections to `database` that the servers behind `monitors` accepted since `since` and that are still
 * open (`pg_stat_activity.backend_start`), summed over the servers: how a benchmark proves that no pool opened
 * connections inside a timed run.
 */
export async function connectionsOpenedSince(
  monitors: readonly pg.Client[],
  database: string,
  since: Date,
): Promise<number> {
  const counts = await Promise.all(
    monitors.map(
      async (c) =>
        (
          await c.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = $1 AND backend_type = 'client backend' AND backend_start >= $2`,
            [database, since],
          )
        ).rows[0]?.n ?? 0,
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}
