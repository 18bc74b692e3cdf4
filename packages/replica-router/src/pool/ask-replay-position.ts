import type pg from 'pg';
import { parseWalPosition, type WalPosition } from '../wal/wal-position.ts';
import { isConnectionError } from './fallback-error.ts';
import type { ReplicaMember } from './replica-set.ts';

/** Marked, so it can be told apart in pg_stat_statements. */
export const REPLAY_POSITION_SQL =
  'SELECT /* replica-router causal check */ pg_last_wal_replay_lsn()::text AS lsn';

/** pg honours a statement's own `query_timeout`; its types do not list it. */
function askConfig(timeoutMs: number): pg.QueryConfig {
  return { text: REPLAY_POSITION_SQL, query_timeout: timeoutMs } as pg.QueryConfig;
}

/**
 * Asks a replica how far it has replayed, on one of its pooled connections, and records the answer as the
 * replica's freshest lower bound. Undefined when it cannot say within `timeoutMs` (the probe timeout: a frozen
 * host or a stalled link answers this no faster than a probe), the wait for a connection included. The statement
 * carries `query_timeout` too: sent and not answered in time, it fails with `Query read timeout`, its connection
 * is destroyed rather than returned to the pool. Not answered within `timeoutMs` (a connection wait included),
 * the replica is ejected as by a probe timeout (`probe_timeout`); the probes readmit it. An answer that comes
 * after the caller stopped waiting is still recorded.
 */
export function askReplayPosition(
  member: ReplicaMember,
  timeoutMs: number,
): Promise<WalPosition | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ask = member.pool
    .query<{ lsn: string | null }>(askConfig(timeoutMs))
    .then(
      ({ rows }) => {
        const position = parseWalPosition(rows[0]?.lsn);
        if (position !== undefined) member.health.noteReplayed(position);
        return position;
      },
      (error: unknown) => {
        if (isConnectionError(error)) member.health.recordConnectionError(error);
        return undefined;
      },
    )
    .finally(() => clearTimeout(timer));
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      // As a probe that does not answer in time: out at once, so that the request's next statement, and every
      // other token holder, does not ask it again (each would wait as long).
      member.health.recordProbeFailure('probe_timeout', undefined);
      resolve(undefined);
    }, timeoutMs);
  });
  return Promise.race([ask, deadline]);
}
