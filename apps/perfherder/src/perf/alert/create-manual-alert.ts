import type { Queryable } from '../../db/queryable.ts';
import { badRequest } from '../../http/service-errors.ts';
import { lockSummaries, updateSummaryStatus } from '../alert-status/index.ts';
import { type FieldErrors, hasErrors, invalidPk } from '../alert-summary/drf-fields.ts';

/** `PERFHERDER_ALERTS_MAX_BACK_WINDOW` / `PERFHERDER_ALERTS_FORE_WINDOW` of the reference. */
const DEFAULT_BACK_WINDOW = 24;
const DEFAULT_FORE_WINDOW = 12;

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Spec 3.14 POST steps 1-9: a manual alert for a signature on a summary, from the means of the series
 * before (≤ the summary's previous push time, the latest `max_back_window` or 24 points) and after (the
 * earliest `fore_window` or 12 points). Get-or-create on (summary, signature); first_triaged stamped on
 * the alert and its summary; the summary's status recomputed. Runs under a lock on the summary.
 */
export async function createManualAlert(
  db: Queryable,
  summaryId: number,
  signatureId: number,
): Promise<number> {
  const errors: FieldErrors = {};
  const summary = (await lockSummaries(db, [summaryId])).get(summaryId);
  if (!summary) invalidPk(errors, 'summary_id', summaryId);
  const { rows: signatures } = await db.query(
    'SELECT id, lower_is_better, max_back_window, fore_window FROM performance_signature WHERE id = $1',
    [signatureId],
  );
  const signature = signatures[0];
  if (!signature) invalidPk(errors, 'signature_id', signatureId);
  if (hasErrors(errors) || !summary || !signature) throw badRequest(errors);

  const window = `SELECT d.value FROM performance_datum d, push p
                   WHERE p.id = $2 AND d.signature_id = $1`;
  const prev = await db.query(
    `${window} AND d.push_timestamp <= p.time ORDER BY d.push_timestamp DESC, d.id DESC LIMIT $3`,
    [signature.id, summary.prevPushId, signature.max_back_window || DEFAULT_BACK_WINDOW],
  );
  const next = await db.query(
    `${window} AND d.push_timestamp > p.time ORDER BY d.push_timestamp ASC, d.id ASC LIMIT $3`,
    [signature.id, summary.prevPushId, signature.fore_window || DEFAULT_FORE_WINDOW],
  );
  if (prev.rows.length === 0 || next.rows.length === 0) {
    throw badRequest({ detail: 'Insufficient data to create an alert' });
  }
  const prevValue = mean(prev.rows.map((r: { value: number }) => r.value));
  const newValue = mean(next.rows.map((r: { value: number }) => r.value));
  const delta = newValue - prevValue;
  const amountPct = prevValue !== 0 ? (100 * Math.abs(delta)) / prevValue : 0;
  const isRegression = (delta > 0 && signature.lower_is_better) || (delta < 0 && !signature.lower_is_better);

  const existing = await db.query(
    `SELECT id, related_summary_id FROM performance_alert WHERE summary_id = $1 AND series_signature_id = $2
      ORDER BY id LIMIT 1`,
    [summary.id, signature.id],
  );
  let alertId: number = existing.rows[0]?.id;
  if (alertId === undefined) {
    const inserted = await db.query(
      `INSERT INTO performance_alert
         (summary_id, series_signature_id, is_regression, manually_created, amount_pct, amount_abs,
          prev_value, new_value, t_value)
       VALUES ($1, $2, $3, true, $4, $5, $6, $7, 1000) RETURNING id`,
      [summary.id, signature.id, isRegression, amountPct, delta, prevValue, newValue],
    );
    alertId = inserted.rows[0].id;
  }
  // timestamp_first_triage().save(): the alert (and, on its first triage, its summary).
  const { rows: stamped } = await db.query(
    `UPDATE performance_alert a SET first_triaged = coalesce(a.first_triaged, now()), last_updated = now()
       FROM performance_alert old WHERE a.id = $1 AND old.id = a.id
     RETURNING old.first_triaged IS NULL AS first, a.related_summary_id`,
    [alertId],
  );
  await updateSummaryStatus(db, summary, { firstTriage: stamped[0].first });
  const related = stamped[0].related_summary_id as number | null;
  if (related !== null && related !== summary.id) {
    const locked = (await lockSummaries(db, [related])).get(related);
    if (locked) await updateSummaryStatus(db, locked);
  }
  return alertId;
}
