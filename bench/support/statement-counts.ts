import type pg from 'pg';
import { round3 } from './stats.ts';

/** Statements a server ran, from its pg_stat_statements (see {@link statementCounts}). */
export interface Statements {
  readonly reads: number;
  readonly writes: number;
  /** Execution time of the reads, in ms. */
  readonly readMs: number;
}

/**
 * Statements this database ran, from the server's pg_stat_statements: reads are `role`'s own (the service's)
 * SELECT/WITH statements that name no monitoring or replication function (the routed pool's probes);
 * writes are every other role's statements (ingestion's, which include its own lookups).
 */
export async function statementCounts(client: pg.Client, role: string): Promise<Statements> {
  const { rows } = await client.query<{ reads: string; writes: string; read_ms: number }>(
    `WITH s AS (
       SELECT calls, total_exec_time,
              userid = (SELECT oid FROM pg_roles WHERE rolname = $1) AS by_service,
              query ~* '^\\s*(select|with)[\\s(]'
                AND query !~* 'pg_stat|pg_is_in_recovery|pg_last_|pg_current_|pg_wal|pg_backend|pg_snapshot|txid_' AS is_read
         FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()))
     SELECT coalesce(sum(calls) FILTER (WHERE by_service AND is_read), 0) AS reads,
            coalesce(sum(calls) FILTER (WHERE NOT by_service), 0) AS writes,
            coalesce(sum(total_exec_time) FILTER (WHERE by_service AND is_read), 0) AS read_ms FROM s`,
    [role],
  );
  const row = rows[0];
  return {
    reads: Number(row?.reads ?? 0),
    writes: Number(row?.writes ?? 0),
    readMs: Number(row?.read_ms ?? 0),
  };
}

/** What the server ran between two counts: `a` (the later) less `b`. */
export function statementsSince(a: Statements, b: Statements): Statements {
  return { reads: a.reads - b.reads, writes: a.writes - b.writes, readMs: round3(a.readMs - b.readMs) };
}
