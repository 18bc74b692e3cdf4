import type pg from 'pg';
import { parseWalPosition } from '../wal/wal-position.ts';
import { ProbeConnection } from './probe-connection.ts';
import type { ReplicaProbeSample } from './probe-sample.ts';
import type { ProbeTarget } from './probe-target.ts';

/**
 * One round trip. The CASE keeps the pause check from running on a server that is not in recovery, where it
 * raises an error. The comment (after SELECT: pg_stat_statements drops a leading one) marks the statement in
 * pg_stat_statements and pg_stat_activity.
 */
export const REPLICA_PROBE_SQL = `SELECT /* replica-router probe */ pg_is_in_recovery() AS in_recovery,
  pg_last_wal_replay_lsn()::text AS replay,
  pg_last_wal_receive_lsn()::text AS receive,
  (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS replay_age_ms,
  CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END AS paused`;

interface Row extends pg.QueryResultRow {
  in_recovery: boolean;
  replay: string | null;
  receive: string | null;
  replay_age_ms: number | null;
  paused: boolean;
}

/** The probe of one replica, on its own connection. */
export function createReplicaProbe(
  config: pg.ClientConfig,
  timeoutMs: number,
): ProbeTarget<ReplicaProbeSample> {
  const connection = new ProbeConnection(config, timeoutMs);
  return {
    async probe() {
      const [row] = await connection.query<Row>(REPLICA_PROBE_SQL);
      if (!row) throw new Error('the replica probe returned no row');
      return {
        inRecovery: row.in_recovery,
        replayPosition: parseWalPosition(row.replay),
        receivePosition: parseWalPosition(row.receive),
        replayAgeMs: row.replay_age_ms ?? undefined,
        replayPaused: row.paused,
      };
    },
    reset: () => connection.reset(),
    close: () => connection.close(),
  };
}
