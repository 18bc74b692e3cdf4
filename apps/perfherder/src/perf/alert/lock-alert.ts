import type { Queryable } from '../../db/queryable.ts';
import { notFound } from '../../http/service-errors.ts';
import { type LockedSummary, lockSummaries } from '../alert-status/index.ts';

/** An alert row held with `FOR UPDATE`, with its summaries (and any others asked for) locked first. */
export interface LockedAlert {
  readonly alert: {
    readonly id: number;
    readonly summaryId: number;
    readonly relatedSummaryId: number | null;
    readonly status: number;
    readonly firstTriaged: Date | null;
  };
  readonly summaries: Map<number, LockedSummary>;
}

/**
 * Locks an alert's summary and related summary, plus `extraSummaryIds`, in ascending id order, then the
 * alert row itself. Every alert write takes its locks this way, so writes on alerts of one summary queue
 * behind each other and the status they recompute sees every alert in its final state. When the alert
 * moved to another summary between the first read and the lock, that summary is locked as well.
 */
export async function lockAlert(
  db: Queryable,
  alertId: number,
  extraSummaryIds: Iterable<number> = [],
): Promise<LockedAlert> {
  const before = await db.query(
    'SELECT summary_id, related_summary_id FROM performance_alert WHERE id = $1',
    [alertId],
  );
  if (!before.rows[0]) throw notFound('PerformanceAlert');
  const wanted = new Set<number>(extraSummaryIds);
  wanted.add(before.rows[0].summary_id);
  if (before.rows[0].related_summary_id !== null) wanted.add(before.rows[0].related_summary_id);
  const summaries = await lockSummaries(db, wanted);
  const { rows } = await db.query(
    'SELECT id, summary_id, related_summary_id, status, first_triaged FROM performance_alert WHERE id = $1 FOR UPDATE',
    [alertId],
  );
  const row = rows[0];
  if (!row) throw notFound('PerformanceAlert');
  const moved = [row.summary_id, row.related_summary_id].filter(
    (id): id is number => id !== null && !wanted.has(id),
  );
  // Out of order, so it may deadlock; the transaction is then retried from the start.
  for (const [id, summary] of await lockSummaries(db, moved)) summaries.set(id, summary);
  return {
    alert: {
      id: row.id,
      summaryId: row.summary_id,
      relatedSummaryId: row.related_summary_id,
      status: row.status,
      firstTriaged: row.first_triaged,
    },
    summaries,
  };
}
