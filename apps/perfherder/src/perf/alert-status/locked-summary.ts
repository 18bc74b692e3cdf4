import type { Queryable } from '../../db/queryable.ts';

/** An alert summary row held with `FOR UPDATE` for the rest of the transaction. */
export interface LockedSummary {
  readonly id: number;
  readonly status: number;
  readonly repositoryId: number;
  readonly frameworkId: number;
  readonly pushId: number;
  readonly prevPushId: number;
  readonly created: Date;
  readonly firstTriaged: Date | null;
  readonly bugNumber: number | null;
}

/**
 * Locks the given summaries with `SELECT … FOR UPDATE` in ascending id order, the one order every write
 * path uses, so two transactions touching overlapping summaries queue instead of deadlocking. Missing
 * ids are simply absent from the result.
 */
export async function lockSummaries(
  db: Queryable,
  ids: Iterable<number>,
): Promise<Map<number, LockedSummary>> {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const locked = new Map<number, LockedSummary>();
  if (sorted.length === 0) return locked;
  const { rows } = await db.query(
    `SELECT id, status, repository_id, framework_id, push_id, prev_push_id, created, first_triaged, bug_number
       FROM performance_alert_summary WHERE id = ANY($1::integer[]) ORDER BY id FOR UPDATE`,
    [sorted],
  );
  for (const r of rows) {
    locked.set(r.id, {
      id: r.id,
      status: r.status,
      repositoryId: r.repository_id,
      frameworkId: r.framework_id,
      pushId: r.push_id,
      prevPushId: r.prev_push_id,
      created: r.created,
      firstTriaged: r.first_triaged,
      bugNumber: r.bug_number,
    });
  }
  return locked;
}
