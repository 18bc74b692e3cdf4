import { setTimeout as sleep } from 'node:timers/promises';
import { DevClusterError, devClusterErrorCodes } from '../errors.ts';
import type { Queryable } from './queryable.ts';
import { replayTarget } from './replay-target.ts';

/**
 * Resolves once each of `replicas` has replayed everything the primary holds as of the call (see
 * {@link replayTarget}). Unless `explicit`, a replica whose replay is paused, or a promoted one, is not
 * waited for: it never catches up. `majorVersion` spares a query when the caller knows it.
 */
export async function waitForReplay(
  primary: Queryable,
  replicas: readonly Queryable[],
  options: { timeoutMs: number; explicit: boolean; majorVersion?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const target = await replayTarget(primary, options.majorVersion ?? (await serverMajorVersion(primary)));
  const pending = new Set(replicas);
  while (pending.size > 0) {
    for (const replica of [...pending]) {
      const [r] = await replica.query<{ done: boolean; rec: boolean; paused: boolean }>(
        `SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS done,
                pg_is_in_recovery() AS rec,
                pg_get_wal_replay_pause_state() <> 'not paused' AS paused`,
        [target],
      );
      // Unless the caller named it, a paused or promoted replica is not waited for: it never catches up.
      if (r?.done || (!options.explicit && (r?.paused || r?.rec === false))) pending.delete(replica);
    }
    if (pending.size === 0) return;
    if (Date.now() > deadline) {
      throw new DevClusterError(
        devClusterErrorCodes.timeout,
        `replicas did not replay up to ${target} in time: ${[...pending].map((r) => r.name).join(', ')}`,
      );
    }
    await sleep(20);
  }
}

async function serverMajorVersion(server: Queryable): Promise<number> {
  const [row] = await server.query<{ v: number }>(
    "SELECT current_setting('server_version_num')::int / 10000 AS v",
  );
  return row?.v ?? 0;
}
