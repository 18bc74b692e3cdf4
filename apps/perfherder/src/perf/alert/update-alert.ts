import type { AuthUser } from '../../auth/auth-user.ts';
import type { Queryable } from '../../db/queryable.ts';
import { badRequest } from '../../http/service-errors.ts';
import { AlertStatus, isRelationalStatus, updateSummaryStatus } from '../alert-status/index.ts';
import {
  booleanField,
  choiceField,
  doesNotExist,
  type FieldErrors,
  hasErrors,
  integerField,
} from '../alert-summary/drf-fields.ts';
import { lockAlert } from './lock-alert.ts';

const RELATIONAL_CONSTRAINT = 'performance_alert_relational_status_check';

/**
 * The alert serializer's update (spec 3.14 PUT/PATCH without push ids) in the caller's transaction:
 * locks the summaries involved (lower id first) and the alert, validates, writes the fields with the
 * request user as classifier, stamps first_triaged (alert, its summary, and for Downstream/Reassigned the
 * related summary), then recomputes the status of every summary the alert belongs or belonged to.
 */
export async function updateAlert(
  db: Queryable,
  alertId: number,
  body: Readonly<Record<string, unknown>>,
  user: AuthUser,
): Promise<void> {
  const errors: FieldErrors = {};
  const has = (name: string) => Object.hasOwn(body, name);
  const status = has('status') ? choiceField(errors, 'status', body.status, 5) : undefined;
  const booleans = new Map<string, boolean>();
  for (const name of ['is_regression', 'starred', 'manually_created']) {
    if (!has(name)) continue;
    const value = booleanField(errors, name, body[name]);
    if (value !== undefined) booleans.set(name, value);
  }
  const summaryId = has('summary_id') ? integerField(errors, 'summary_id', body.summary_id) : undefined;
  const relatedId = has('related_summary_id')
    ? integerField(errors, 'related_summary_id', body.related_summary_id, { allowNull: true })
    : undefined;
  if (hasErrors(errors)) throw badRequest(errors);

  const extra = [summaryId, relatedId].filter((id): id is number => typeof id === 'number');
  const { alert, summaries } = await lockAlert(db, alertId, extra);
  if (typeof summaryId === 'number' && !summaries.has(summaryId)) {
    doesNotExist(errors, 'summary_id', 'id', String(summaryId));
  }
  if (typeof relatedId === 'number' && !summaries.has(relatedId)) {
    doesNotExist(errors, 'related_summary_id', 'id', String(relatedId));
  }
  if (hasErrors(errors)) throw badRequest(errors);

  const finalStatus = typeof status === 'number' ? status : alert.status;
  const finalSummaryId = typeof summaryId === 'number' ? summaryId : alert.summaryId;
  const finalRelatedId = relatedId === undefined ? alert.relatedSummaryId : relatedId;
  const own = summaries.get(alert.summaryId);
  const related = typeof relatedId === 'number' ? summaries.get(relatedId) : undefined;
  let stampRelated = false;
  if (own && related) {
    if (finalStatus !== AlertStatus.Downstream && own.repositoryId !== related.repositoryId) {
      throw badRequest([
        `New summary's repository (${related.repositoryId}) does not match existing summary's repository (${own.repositoryId})`,
      ]);
    }
    if (own.frameworkId !== related.frameworkId) {
      throw badRequest([
        `New summary's framework (${related.frameworkId}) does not match existing summary's framework (${own.frameworkId})`,
      ]);
    }
    stampRelated = typeof status === 'number' && isRelationalStatus(status);
  }
  if (isRelationalStatus(finalStatus) !== (finalRelatedId !== null)) throw relationalViolation(finalStatus);

  const params: unknown[] = [alert.id, user.id];
  const set = [
    'classifier_id = $2',
    'first_triaged = coalesce(first_triaged, now())',
    'last_updated = now()',
  ];
  const assign = (column: string, value: unknown) => {
    params.push(value);
    set.push(`${column} = $${params.length}`);
  };
  if (typeof status === 'number') assign('status', status);
  for (const [name, value] of booleans) assign(name, value);
  if (typeof summaryId === 'number') assign('summary_id', summaryId);
  if (relatedId !== undefined) assign('related_summary_id', relatedId);
  try {
    await db.query(`UPDATE performance_alert SET ${set.join(', ')} WHERE id = $1`, params);
  } catch (error) {
    const e = error as { code?: string; constraint?: string };
    if (e.code === '23505') {
      throw badRequest({ non_field_errors: ['That summary already has an alert for this signature.'] });
    }
    if (e.code === '23514' && e.constraint === RELATIONAL_CONSTRAINT) throw relationalViolation(finalStatus);
    throw error;
  }

  // The save hook recomputes the alert's summary and related summary; the summaries it left are
  // recomputed too, so none keeps a status derived from an alert it no longer has.
  const order = [finalSummaryId, finalRelatedId, alert.summaryId, alert.relatedSummaryId];
  const done = new Set<number>();
  for (const id of order) {
    if (id === null || done.has(id)) continue;
    done.add(id);
    const summary = summaries.get(id);
    if (!summary) continue;
    const firstTriage =
      (id === finalSummaryId && alert.firstTriaged === null) || (stampRelated && id === relatedId);
    await updateSummaryStatus(db, summary, { firstTriage, save: stampRelated && id === relatedId });
  }
}

function relationalViolation(status: number) {
  return badRequest({
    related_summary_id: [
      isRelationalStatus(status)
        ? 'A related summary is required for the Downstream and Reassigned statuses.'
        : 'Only Downstream and Reassigned alerts may have a related summary.',
    ],
  });
}
