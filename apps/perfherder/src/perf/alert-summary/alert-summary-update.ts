import type { Queryable } from '../../db/queryable.ts';
import { badRequest } from '../../http/service-errors.ts';
import type { LockedSummary } from '../alert-status/index.ts';
import { saveSummaryAssignments } from '../alert-status/index.ts';
import { DATETIME_FORMAT_ERROR, parseQueryDatetime } from '../summary/iso-datetime.ts';
import {
  addError,
  choiceField,
  doesNotExist,
  type FieldErrors,
  hasErrors,
  integerField,
  invalidPk,
  slugField,
  textField,
} from './drf-fields.ts';

const DISTINCT_REVISIONS = 'From and To revisions should be distinct.';

/**
 * The alert-summary serializer's update (spec 3.13 PUT/PATCH) on a summary the caller holds locked:
 * validates every writable field (400 with DRF field errors, nothing written), then writes them with the
 * model's save hook (bug_number change → bug_updated now and bug_status null; first_triaged stamped when
 * null; last_updated and the due dates recomputed) and replaces the tag set when `performance_tags` is given.
 */
export async function updateAlertSummary(
  db: Queryable,
  summary: LockedSummary,
  body: Readonly<Record<string, unknown>>,
): Promise<void> {
  const errors: FieldErrors = {};
  const set: string[] = [];
  const params: unknown[] = [summary.id];
  const assign = (column: string, value: unknown) => {
    params.push(value);
    set.push(`${column} = $${params.length}`);
  };
  const has = (name: string) => Object.hasOwn(body, name);

  if (has('status')) {
    const status = choiceField(errors, 'status', body.status, 9);
    if (status !== undefined) assign('status', status);
  }
  let bugNumber: number | null | undefined;
  if (has('bug_number')) {
    bugNumber = integerField(errors, 'bug_number', body.bug_number, { min: 0, allowNull: true });
  }
  if (has('bug_status')) {
    const bugStatus = choiceField(errors, 'bug_status', body.bug_status, 8, true);
    if (bugStatus !== undefined && !(bugNumber !== undefined && bugNumberChanged(summary, bugNumber))) {
      assign('bug_status', bugStatus);
    }
  }
  if (has('bug_updated')) {
    const raw = body.bug_updated;
    if (raw === null) assign('bug_updated', null);
    else {
      const parsed = typeof raw === 'string' ? parseQueryDatetime(raw) : undefined;
      if (parsed === undefined) addError(errors, 'bug_updated', DATETIME_FORMAT_ERROR);
      else if (!(bugNumber !== undefined && bugNumberChanged(summary, bugNumber)))
        assign('bug_updated', parsed);
    }
  }
  if (bugNumber !== undefined) {
    assign('bug_number', bugNumber);
    // The model's save hook: a new bug resets its tracking fields.
    if (bugNumberChanged(summary, bugNumber)) set.push('bug_updated = now()', 'bug_status = NULL');
  }
  if (has('notes')) {
    const notes = textField(errors, 'notes', body.notes);
    if (notes !== undefined) assign('notes', notes);
  }
  if (has('issue_tracker')) {
    const tracker = integerField(errors, 'issue_tracker', body.issue_tracker);
    if (typeof tracker === 'number') {
      const found = await db.query('SELECT 1 FROM issue_tracker WHERE id = $1', [tracker]);
      if (found.rows.length === 0) invalidPk(errors, 'issue_tracker', body.issue_tracker);
      else assign('issue_tracker_id', tracker);
    }
  }
  let pushId = summary.pushId;
  let prevPushId = summary.prevPushId;
  for (const [field, column] of [
    ['revision', 'push_id'],
    ['prev_push_revision', 'prev_push_id'],
  ] as const) {
    if (!has(field)) continue;
    const revision = slugField(errors, field, body[field]);
    if (revision === undefined || revision === null) continue;
    // Looked up within the summary's own repository: a revision of another repository does not exist here.
    const { rows } = await db.query('SELECT id FROM push WHERE repository_id = $1 AND revision = $2', [
      summary.repositoryId,
      revision,
    ]);
    if (rows.length !== 1) {
      doesNotExist(errors, field, 'revision', revision);
      continue;
    }
    if (column === 'push_id') pushId = rows[0].id;
    else prevPushId = rows[0].id;
    assign(column, rows[0].id);
  }
  if ((has('revision') || has('prev_push_revision')) && pushId === prevPushId && !hasErrors(errors)) {
    errors.non_field_errors = [DISTINCT_REVISIONS];
  }
  if (has('assignee_username')) {
    const username = slugField(errors, 'assignee_username', body.assignee_username, true);
    if (username === null) assign('assignee_id', null);
    else if (username !== undefined) {
      const { rows } = await db.query('SELECT id FROM auth_user WHERE username = $1', [username]);
      if (rows.length === 0) doesNotExist(errors, 'assignee_username', 'username', username);
      else assign('assignee_id', rows[0].id);
    }
  }
  let tagIds: number[] | undefined;
  if (has('performance_tags')) tagIds = await resolveTags(db, errors, body.performance_tags);
  if (hasErrors(errors)) throw badRequest(errors);

  set.push(
    'first_triaged = coalesce(first_triaged, now())',
    'original_push_id = coalesce(original_push_id, push_id)',
    'original_prev_push_id = coalesce(original_prev_push_id, prev_push_id)',
    saveSummaryAssignments(summary.created, params),
  );
  try {
    await db.query(`UPDATE performance_alert_summary SET ${set.join(', ')} WHERE id = $1`, params);
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      throw badRequest({
        non_field_errors: ['An alert summary for these pushes, repository and framework already exists.'],
      });
    }
    throw error;
  }
  if (tagIds !== undefined) {
    await db.query(
      `DELETE FROM performance_tag_alert_summaries
        WHERE performancealertsummary_id = $1 AND NOT (performancetag_id = ANY($2::integer[]))`,
      [summary.id, tagIds],
    );
    await db.query(
      `INSERT INTO performance_tag_alert_summaries (performancetag_id, performancealertsummary_id)
       SELECT unnest($2::integer[]), $1 ON CONFLICT DO NOTHING`,
      [summary.id, tagIds],
    );
  }
}

function bugNumberChanged(summary: LockedSummary, bugNumber: number | null): boolean {
  return bugNumber !== null && bugNumber !== summary.bugNumber;
}

/** `performance_tags`: a list of existing tag names (DRF many=True SlugRelatedField). */
async function resolveTags(
  db: Queryable,
  errors: FieldErrors,
  value: unknown,
): Promise<number[] | undefined> {
  if (!Array.isArray(value)) {
    const type = value === null ? 'NoneType' : typeof value === 'string' ? 'str' : typeof value;
    addError(errors, 'performance_tags', `Expected a list of items but got type "${type}".`);
    return undefined;
  }
  const names: string[] = [];
  for (const item of value) {
    const name = slugField(errors, 'performance_tags', item);
    if (typeof name === 'string') names.push(name);
  }
  const { rows } = await db.query('SELECT id, name FROM performance_tag WHERE name = ANY($1::text[])', [
    names,
  ]);
  const byName = new Map<string, number>(rows.map((r: { id: number; name: string }) => [r.name, r.id]));
  const ids: number[] = [];
  for (const name of names) {
    const id = byName.get(name);
    if (id === undefined) doesNotExist(errors, 'performance_tags', 'name', name);
    else ids.push(id);
  }
  return ids;
}
