/**
 * What the replicas record about themselves, read from the servers rather than from the pool under test (the
 * fault matrix's proof that no write reached a replica must not trust the router it checks): read-only errors
 * in their logs, rows their own backends wrote, and queries they cancelled for a conflict with recovery.
 */
import { readFileSync } from 'node:fs';
import type { ClusterNode } from '../../packages/pg-devcluster/src/index.ts';

/** Lines of SQLSTATE 25006 ("cannot execute … in a read-only transaction") in `node`'s log so far. */
export const readOnlyErrors = (node: ClusterNode) =>
  (readFileSync(node.logFile, 'utf8').match(/in a read-only transaction/g) ?? []).length;

/**
 * Rows `node`'s own backends inserted, updated or deleted in `database` (pg_stat_user_tables: replay does not
 * count there, so a standby's counters stay 0); 0 while the server is down.
 */
export async function rowsWrittenOn(node: ClusterNode, database: string): Promise<number> {
  if (!node.running) return 0;
  const [row] = await node.query<{ n: number }>(
    'SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::int AS n FROM pg_stat_user_tables',
    [],
    database,
  );
  return row?.n ?? 0;
}

/** Queries the replicas cancelled for a conflict with recovery (pg_stat_database_conflicts), summed. */
export async function recoveryConflicts(replicas: readonly ClusterNode[], database: string): Promise<number> {
  let n = 0;
  for (const r of replicas) {
    const [row] = await r.query<{ n: number }>(
      `SELECT (confl_lock + confl_snapshot + confl_bufferpin + confl_deadlock + confl_tablespace)::int AS n
         FROM pg_stat_database_conflicts WHERE datname = $1`,
      [database],
    );
    n += row?.n ?? 0;
  }
  return n;
}
