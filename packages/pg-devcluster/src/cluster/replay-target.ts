import type { Queryable } from './queryable.ts';

/** Prefix of the WAL marker {@link replayTarget} writes (visible to logical decoding, ignored by replay). */
const MARKER_PREFIX = 'pg-devcluster';

/**
 * The WAL position replicas must replay to have everything the primary holds now, made reachable without
 * help from anyone else's WAL.
 *
 * Walsenders ship only WAL the primary has flushed, and not all WAL gets flushed soon: a transaction that
 * rolls back flushes nothing and schedules no flush, yet it may have written WAL (full-page images for hint
 * bits it set, on-access pruning). That WAL waits in the WAL buffers for the next commit or the bgwriter's
 * standby snapshot (every 15 s or more), and a wait for the insert position waits for it too: the seed's
 * "not empty" check on a restarted cluster stalled `npm start` for 15 s this way.
 *
 * So when the flush position lags the insert position, write a tiny non-transactional WAL marker and flush
 * it (PostgreSQL 17+; on older servers the statement's commit schedules the flush, which the WAL writer
 * performs within three `wal_writer_delay` cycles). The target is then the end of that marker, which a
 * replica's replay position reaches exactly. When nothing is unflushed the insert position is the end of
 * the last record, reached as is, and nothing is written.
 */
export async function replayTarget(primary: Queryable, majorVersion: number): Promise<string> {
  const flush = majorVersion >= 17 ? ', true' : '';
  const [row] = await primary.query<{ lsn: string }>(
    `SELECT (CASE WHEN pg_current_wal_flush_lsn() < pg_current_wal_insert_lsn()
                  THEN pg_logical_emit_message(false, '${MARKER_PREFIX}', 'waitForReplicas'${flush})
                  ELSE pg_current_wal_insert_lsn() END)::text AS lsn`,
  );
  return row?.lsn ?? '0/0';
}
