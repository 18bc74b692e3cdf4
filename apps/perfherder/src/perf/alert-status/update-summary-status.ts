import type { Queryable } from '../../db/queryable.ts';
import { autodetermineStatus } from './autodetermine-status.ts';
import type { LockedSummary } from './locked-summary.ts';
import { saveSummaryAssignments } from './save-summary-sql.ts';

/**
 * The reference's `update_status`: recomputes a summary's status from its own and related alerts (read
 * under the caller's lock on the summary), applies rule 3's side effect (Acknowledged alerts back to
 * Untriaged), and saves the summary when the status changed or `save` is set. Returns the new status.
 */
export async function updateSummaryStatus(
  db: Queryable,
  summary: LockedSummary,
  options: { save?: boolean; firstTriage?: boolean } = {},
): Promise<number> {
  const { rows } = await db.query(
    `SELECT id, status, is_regression, related_summary_id FROM performance_alert
      WHERE summary_id = $1 OR related_summary_id = $1 ORDER BY id`,
    [summary.id],
  );
  const decision = autodetermineStatus(
    summary,
    rows.map((r) => ({
      id: r.id,
      status: r.status,
      isRegression: r.is_regression,
      relatedSummaryId: r.related_summary_id,
    })),
  );
  if (decision.untriageAlertIds.length > 0) {
    await db.query(
      'UPDATE performance_alert SET status = 0, last_updated = now() WHERE id = ANY($1::integer[])',
      [decision.untriageAlertIds],
    );
  }
  if (decision.status !== summary.status || options.save || options.firstTriage) {
    const params: unknown[] = [summary.id, decision.status];
    await db.query(
      `UPDATE performance_alert_summary
          SET status = $2, ${saveSummaryAssignments(summary.created, params)}
              ${options.firstTriage ? ', first_triaged = coalesce(first_triaged, now())' : ''}
        WHERE id = $1`,
      params,
    );
  }
  return decision.status;
}
