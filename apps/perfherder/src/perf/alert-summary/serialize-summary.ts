import type { Queryable } from '../../db/queryable.ts';
import { loadUsers } from './load-users.ts';
import { type AlertJson, loadAlerts } from './serialize-alert.ts';

/** `to_char` pattern giving the naive UTC ISO text with microseconds. */
const ISO_US = `'YYYY-MM-DD"T"HH24:MI:SS.US'`;
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', ${ISO_US})`;

/** DRF DateTimeField on a naive value: `isoformat()`, microseconds only when non-zero. */
export function isoMicros(text: string | null): string | null {
  if (text === null) return null;
  return text.endsWith('.000000') ? text.slice(0, -7) : text;
}

/** DRF's JSON encoder on a raw datetime: `isoformat()` cut to milliseconds (no fraction when zero). */
export function isoMillis(text: string | null): string | null {
  if (text === null) return null;
  return text.endsWith('.000000') ? text.slice(0, -7) : text.slice(0, -3);
}

/**
 * Serializes summaries (spec §3.13 "Summary JSON") in the order of `ids`, with their own and related
 * alerts, tags and duplicated summaries. At most four statements whatever the page size (the assignees'
 * and classifiers' names, from `auth`, in statements of their own).
 */
export async function loadSummaries(
  db: Queryable,
  ids: readonly number[],
): Promise<Record<string, unknown>[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query(
    `SELECT s.id, s.push_id, s.prev_push_id, op.revision AS original_revision,
            ${iso('s.created')} AS created, ${iso('s.first_triaged')} AS first_triaged,
            ${iso('s.triage_due_date')} AS triage_due_date, r.name AS repository, s.framework_id, s.status,
            s.bug_number, s.bug_status, ${iso('s.bug_due_date')} AS bug_due_date,
            ${iso('s.bug_updated')} AS bug_updated, s.issue_tracker_id, s.notes, p.revision,
            floor(extract(epoch FROM p.time))::bigint AS push_timestamp, pp.revision AS prev_push_revision,
            opp.revision AS original_prev_push_revision, s.assignee_id,
            ARRAY(SELECT t.name FROM performance_tag_alert_summaries ta
                    JOIN performance_tag t ON t.id = ta.performancetag_id
                   WHERE ta.performancealertsummary_id = s.id ORDER BY t.id) AS performance_tags,
            coalesce((SELECT json_agg(json_build_object('id', d.id, 'status', d.status) ORDER BY d.id)
                        FROM performance_alert_summary d
                       WHERE d.push_id = s.push_id AND d.framework_id = s.framework_id AND d.id <> s.id),
                     '[]'::json) AS duplicated_summaries
       FROM performance_alert_summary s
       JOIN repository r ON r.id = s.repository_id
       JOIN push p ON p.id = s.push_id
       JOIN push pp ON pp.id = s.prev_push_id
       LEFT JOIN push op ON op.id = s.original_push_id
       LEFT JOIN push opp ON opp.id = s.original_prev_push_id
      WHERE s.id = ANY($1::integer[])`,
    [ids],
  );
  const alerts = await loadAlerts(db, { summaryIds: ids });
  const assignees = await loadUsers(
    db,
    rows.map((r: { assignee_id: number | null }) => r.assignee_id),
  );
  const own = new Map<number, AlertJson[]>();
  const related = new Map<number, AlertJson[]>();
  for (const alert of alerts) {
    append(own, alert.summary_id, alert);
    if (alert.related_summary_id !== null) append(related, alert.related_summary_id, alert);
  }
  // biome-ignore lint/suspicious/noExplicitAny: rows of the statement above.
  const byId = new Map<number, any>(rows.map((r: any) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    const assignee = r.assignee_id === null ? undefined : assignees.get(r.assignee_id);
    return [
      {
        id: r.id,
        push_id: r.push_id,
        prev_push_id: r.prev_push_id,
        original_revision: r.original_revision,
        created: isoMillis(r.created),
        first_triaged: isoMillis(r.first_triaged),
        triage_due_date: isoMillis(r.triage_due_date),
        repository: r.repository,
        framework: r.framework_id,
        alerts: own.get(id) ?? [],
        related_alerts: related.get(id) ?? [],
        status: r.status,
        bug_number: r.bug_number,
        bug_status: r.bug_status,
        bug_due_date: isoMillis(r.bug_due_date),
        bug_updated: isoMicros(r.bug_updated),
        issue_tracker: r.issue_tracker_id,
        notes: r.notes,
        revision: r.revision,
        push_timestamp: Number(r.push_timestamp),
        prev_push_revision: r.prev_push_revision,
        original_prev_push_revision: r.original_prev_push_revision,
        assignee_username: assignee?.username ?? null,
        assignee_email: assignee?.email ?? null,
        performance_tags: r.performance_tags,
        duplicated_summaries: r.duplicated_summaries,
      },
    ];
  });
}

function append<T>(map: Map<number, T[]>, key: number, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
