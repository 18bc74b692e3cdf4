import { parseWalPosition, type WalPosition } from '../wal/wal-position.ts';
import { isConnectionError } from './fallback-error.ts';
import type { ReplicaMember } from './replica-set.ts';

/** Marked, so it can be told apart in pg_stat_statements. */
export const REPLAY_POSITION_SQL =
  'SELECT /* replica-router causal check */ pg_last_wal_replay_lsn()::text AS lsn';

/**
 * Asks a replica how far it has replayed, on one of its pooled connections, and records the answer as the
 * replica's freshest lower bound. Undefined when it cannot say (a connection error also ejects it).
 */
export async function askReplayPosition(member: ReplicaMember): Promise<WalPosition | undefined> {
  try {
    const { rows } = await member.pool.query<{ lsn: string | null }>(REPLAY_POSITION_SQL);
    const position = parseWalPosition(rows[0]?.lsn);
    if (position !== undefined) member.health.noteReplayed(position);
    return position;
  } catch (error) {
    if (isConnectionError(error)) member.health.recordConnectionError(error);
    return undefined;
  }
}
