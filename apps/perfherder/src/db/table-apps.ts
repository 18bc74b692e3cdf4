/** The Django-style app label a table belongs to. Routing allow-lists are written in these labels. */
export type AppLabel = 'perf' | 'model' | 'changelog' | 'auth';

/**
 * The app label of every table the migrations create (and of nothing else: `schema_migrations` is
 * bookkeeping and deliberately absent, so a router treats it as unknown and keeps it on the primary).
 *
 * The replica router reads this map with the allow-list `{perf, model}`: a statement may go to a replica
 * only when every table it touches maps to an allowed label. A test compares this map with the
 * tables in `information_schema`, so a new table cannot be forgotten here.
 *
 * @example
 * tableApps.performance_datum; // 'perf'
 * tableApps.auth_token; // 'auth', never read from a replica
 */
export const tableApps: Readonly<Record<string, AppLabel>> = Object.freeze({
  performance_framework: 'perf',
  performance_signature: 'perf',
  performance_datum: 'perf',
  performance_datum_replicate: 'perf',
  performance_datum_day_count: 'perf',
  performance_datum_day_lists: 'perf',
  performance_alert_summary: 'perf',
  performance_alert: 'perf',
  performance_tag: 'perf',
  performance_tag_alert_summaries: 'perf',
  performance_bug_template: 'perf',
  issue_tracker: 'perf',
  backfill_report: 'perf',
  backfill_record: 'perf',
  perf_compare_mwu_cache: 'perf',

  repository_group: 'model',
  repository: 'model',
  push: 'model',
  job: 'model',
  job_type: 'model',
  job_group: 'model',
  machine: 'model',
  machine_platform: 'model',
  build_platform: 'model',
  option: 'model',
  option_collection: 'model',
  taskcluster_metadata: 'model',
  repository_branch: 'model',
  commit: 'model',

  // Treeherder's changelog app: not allow-listed, so /api/changelog/ reads the primary.
  changelog_entry: 'changelog',
  changelog_file: 'changelog',

  auth_user: 'auth',
  auth_token: 'auth',
});
