import type { Queryable } from '../../db/queryable.ts';
import { quantize2 } from '../perfcompare/stats/index.ts';
import { loadUsers, type UserNames } from './load-users.ts';

/** The alert JSON of spec §3.13 (shared by the alert-summary and alert endpoints), keys in reference order. */
export interface AlertJson {
  id: number;
  status: number;
  series_signature: {
    id: number;
    framework_id: number;
    signature_hash: string;
    machine_platform: string;
    suite: string;
    test: string;
    lower_is_better: boolean;
    has_subtests: boolean;
    option_collection_hash: string;
    tags: string[];
    extra_options: string[];
    measurement_unit: string | null;
    suite_public_name: string | null;
    test_public_name: string | null;
  };
  taskcluster_metadata: { task_id: string; retry_id: number } | Record<string, never>;
  prev_taskcluster_metadata: { task_id: string; retry_id: number } | Record<string, never>;
  profile_url: string | null;
  prev_profile_url: string | null;
  is_regression: boolean;
  prev_value: number | null;
  new_value: number | null;
  t_value: number | null;
  amount_abs: number | null;
  amount_pct: number | null;
  summary_id: number;
  related_summary_id: number | null;
  manually_created: boolean;
  classifier: string | null;
  starred: boolean;
  classifier_email: string | null;
  backfill_record: {
    context: string;
    status: number;
    total_actions_triggered: number;
    total_backfills_failed: number;
    total_backfills_successful: number;
    total_backfills_in_progress: number;
  } | null;
  side_by_side_available: boolean;
  noise_profile: string;
}

/** Which alerts to load: by id, or every alert of (or related to) some summaries. */
export type AlertSelection =
  | { readonly alertIds: readonly number[] }
  | { readonly summaryIds: readonly number[] };

/**
 * One statement for every alert of the selection with its signature, backfill record,
 * Taskcluster metadata of the summary's push and previous push (the first datum of the series on that
 * push whose job has metadata) and the side-by-side flag (a successful `side-by-side` job on the
 * summary's push whose job type names the signature's platform and suite), ordered by alert id; and one for
 * the classifiers' names (see `loadUsers`), when any alert has one.
 */
export async function loadAlerts(db: Queryable, selection: AlertSelection): Promise<AlertJson[]> {
  const byAlert = 'alertIds' in selection;
  const ids = byAlert ? selection.alertIds : selection.summaryIds;
  if (ids.length === 0) return [];
  const where = byAlert
    ? 'a.id = ANY($1::integer[])'
    : '(a.summary_id = ANY($1::integer[]) OR a.related_summary_id = ANY($1::integer[]))';
  const { rows } = await db.query(
    `SELECT a.id, a.status, a.is_regression, a.prev_value, a.new_value, a.t_value, a.amount_abs, a.amount_pct,
            a.summary_id, a.related_summary_id, a.manually_created, a.starred, a.noise_profile,
            a.classifier_id,
            s.id AS sig_id, s.framework_id AS sig_framework_id, s.signature_hash, mp.platform AS machine_platform,
            s.suite, s.test, s.lower_is_better, s.has_subtests, oc.option_collection_hash, s.tags,
            s.extra_options, s.measurement_unit, s.suite_public_name, s.test_public_name,
            br.alert_id AS backfill_alert_id, br.context AS backfill_context, br.status AS backfill_status,
            br.total_actions_triggered, br.total_backfills_failed, br.total_backfills_successful,
            br.total_backfills_in_progress,
            tc.task_id, tc.retry_id, ptc.task_id AS prev_task_id, ptc.retry_id AS prev_retry_id,
            EXISTS (
              SELECT 1 FROM job j JOIN job_type jt ON jt.id = j.job_type_id
               WHERE j.push_id = sm.push_id AND j.repository_id = sm.repository_id AND j.result = 'success'
                 AND strpos(lower(jt.symbol), 'side-by-side') > 0
                 AND strpos(lower(jt.name), lower(mp.platform)) > 0
                 AND strpos(lower(jt.name), lower(s.suite)) > 0
            ) AS side_by_side_available
       FROM performance_alert a
       JOIN performance_alert_summary sm ON sm.id = a.summary_id
       JOIN performance_signature s ON s.id = a.series_signature_id
       JOIN machine_platform mp ON mp.id = s.platform_id
       JOIN option_collection oc ON oc.id = s.option_collection_id
       LEFT JOIN backfill_record br ON br.alert_id = a.id
       LEFT JOIN LATERAL (
         SELECT t.task_id, t.retry_id FROM performance_datum d JOIN taskcluster_metadata t ON t.job_id = d.job_id
          WHERE d.signature_id = s.id AND d.repository_id = s.repository_id AND d.push_id = sm.push_id
          ORDER BY d.id LIMIT 1
       ) tc ON true
       LEFT JOIN LATERAL (
         SELECT t.task_id, t.retry_id FROM performance_datum d JOIN taskcluster_metadata t ON t.job_id = d.job_id
          WHERE d.signature_id = s.id AND d.repository_id = s.repository_id AND d.push_id = sm.prev_push_id
          ORDER BY d.id LIMIT 1
       ) ptc ON true
      WHERE ${where}
      ORDER BY a.id`,
    [ids],
  );
  const users = await loadUsers(
    db,
    rows.map((r: { classifier_id: number | null }) => r.classifier_id),
  );
  return rows.map((r) => alertJson(r, users));
}

const decimal = (x: number | null): number | null => (x === null ? null : quantize2(x, 'half-even'));

// biome-ignore lint/suspicious/noExplicitAny: one row of the statement above.
function alertJson(r: any, users: ReadonlyMap<number, UserNames>): AlertJson {
  const classifier = r.classifier_id === null ? undefined : users.get(r.classifier_id);
  return {
    id: r.id,
    status: r.status,
    series_signature: {
      id: r.sig_id,
      framework_id: r.sig_framework_id,
      signature_hash: r.signature_hash,
      machine_platform: r.machine_platform,
      suite: r.suite,
      test: r.test,
      lower_is_better: r.lower_is_better,
      has_subtests: r.has_subtests,
      option_collection_hash: r.option_collection_hash,
      // The reference's WordsField: `str.split(" ")`, so a blank string is `[""]`.
      tags: String(r.tags).split(' '),
      extra_options: String(r.extra_options).split(' '),
      measurement_unit: r.measurement_unit,
      suite_public_name: r.suite_public_name,
      test_public_name: r.test_public_name,
    },
    taskcluster_metadata: r.task_id === null ? {} : { task_id: r.task_id, retry_id: r.retry_id },
    prev_taskcluster_metadata:
      r.prev_task_id === null ? {} : { task_id: r.prev_task_id, retry_id: r.prev_retry_id },
    // Profile URLs need the Taskcluster queue; without that integration they are null.
    profile_url: null,
    prev_profile_url: null,
    is_regression: r.is_regression,
    prev_value: decimal(r.prev_value),
    new_value: decimal(r.new_value),
    t_value: decimal(r.t_value),
    amount_abs: decimal(r.amount_abs),
    amount_pct: decimal(r.amount_pct),
    summary_id: r.summary_id,
    related_summary_id: r.related_summary_id,
    manually_created: r.manually_created,
    classifier: classifier?.username ?? null,
    starred: r.starred,
    classifier_email: classifier?.email ?? null,
    backfill_record:
      r.backfill_alert_id === null
        ? null
        : {
            context: r.backfill_context,
            status: r.backfill_status,
            total_actions_triggered: r.total_actions_triggered,
            total_backfills_failed: r.total_backfills_failed,
            total_backfills_successful: r.total_backfills_successful,
            total_backfills_in_progress: r.total_backfills_in_progress,
          },
    side_by_side_available: r.side_by_side_available,
    noise_profile: r.noise_profile,
  };
}
