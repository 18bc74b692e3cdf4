import type { RoutedPool } from 'replica-router';
import { quantize2 } from '../perfcompare/stats/quantize.ts';
import { isoSql } from './iso-datetime.ts';
import type { SummaryParams } from './summary-params.ts';

/** One row of `data` (output mode A). */
export interface SummaryDatum {
  job_id: number | null;
  id: number;
  value: number;
  push_timestamp: string;
  push_id: number;
  revision: string;
  submit_time: string | null;
  machine_name: string | null;
}

/** One element of the summary response, keys in the reference's order. */
export interface SummaryItem {
  signature_id: number;
  framework_id: number;
  signature_hash: string;
  platform: string;
  test: string;
  suite: string;
  lower_is_better: boolean;
  has_subtests: boolean;
  tags: string;
  values: number[];
  name: string;
  parent_signature: number | null;
  job_ids: (number | null)[];
  repository_name: string;
  repository_id: number;
  data: SummaryDatum[];
  measurement_unit: string | null;
  application: string;
  should_alert: boolean | null;
  alert_change_type: number | null;
  alert_threshold: number | null;
  submit_times: (string | null)[];
}

/** `int(time.time() - interval)` seconds as a timestamptz literal; beyond the calendar, ±infinity. */
function intervalCutoff(interval: number): string {
  const seconds = Math.trunc(Date.now() / 1000 - interval);
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime()) || seconds < -210866803200) return seconds < 0 ? '-infinity' : 'infinity';
  if (seconds > 9224318016000) return 'infinity';
  return date.toISOString();
}

/** The reference's `name`: "<suite[ test]> <option name> <extra options>". */
function summaryName(suite: string, test: string, optionName: string, extraOptions: string): string {
  const testSuite = test === '' || test === suite ? suite : `${suite} ${test}`;
  return `${testSuite} ${optionName} ${extraOptions}`;
}

/**
 * Drops data points from retriggers: within a run of consecutive points of the same push, only the first
 * is kept (the reference's `_filter_out_retriggers`).
 */
export function filterOutRetriggers<T extends { push_id: number }>(data: readonly T[]): T[] {
  let seen: number | undefined;
  return data.filter((d) => {
    if (d.push_id === seen) return false;
    seen = d.push_id;
    return true;
  });
}

/**
 * Runs the summary in two statements: the signatures (joined with the repository, so a missing
 * repository is told apart from an empty selection, and with the `should_alert` parent check as an
 * EXISTS), then every datum of those signatures in one pass. Returns null when the repository does not
 * exist. Both statements are plain reads of perf/model tables, so an opted-in route serves them from a
 * replica.
 */
export async function runSummary(db: RoutedPool, p: SummaryParams): Promise<SummaryItem[] | null> {
  const args: unknown[] = [p.repository];
  const arg = (v: unknown) => {
    args.push(v);
    return `$${args.length}`;
  };
  const conds: string[] = [];
  if (p.signature && 'hash' in p.signature) conds.push(`s.signature_hash = ${arg(p.signature.hash)}`);
  else if (p.signature) conds.push(`s.id = ${arg(p.signature.id)}`);
  else conds.push(p.noSubtests ? 's.parent_signature_id IS NULL' : 's.parent_signature_id IS NOT NULL');
  if (p.framework.length > 0) conds.push(`s.framework_id = ANY(${arg(p.framework)}::int[])`);
  if (p.parentSignature !== null) conds.push(`s.parent_signature_id = ${arg(p.parentSignature)}`);
  if (p.interval && !p.allData)
    conds.push(`s.last_updated >= ${arg(intervalCutoff(p.interval))}::timestamptz`);

  const signatures = await db.query(
    `SELECT r.id AS repository_id, s.id, s.framework_id, s.signature_hash, mp.platform, s.test, s.suite,
       s.lower_is_better, s.has_subtests, s.tags, s.extra_options, s.parent_signature_id, s.measurement_unit,
       s.application, s.should_alert, s.alert_change_type, s.alert_threshold, o.name AS option_name,
       (s.should_alert IS NULL AND s.parent_signature_id IS NOT NULL AND ps.should_alert IS DISTINCT FROM false
        AND EXISTS (SELECT 1 FROM performance_datum pd WHERE pd.signature_id = s.parent_signature_id)) AS silenced
     FROM repository r
     LEFT JOIN (performance_signature s
       JOIN machine_platform mp ON mp.id = s.platform_id
       JOIN option_collection oc ON oc.id = s.option_collection_id
       JOIN option o ON o.id = oc.option_id
       LEFT JOIN performance_signature ps ON ps.id = s.parent_signature_id)
       ON s.repository_id = r.id AND ${conds.join(' AND ')}
     WHERE r.name = $1
     ORDER BY s.id`,
    args,
  );
  if (signatures.rows.length === 0) return null;
  const repositoryId = signatures.rows[0].repository_id as number;
  const items = new Map<number, SummaryItem>();
  for (const s of signatures.rows) {
    if (s.id === null) continue;
    items.set(s.id, {
      signature_id: s.id,
      framework_id: s.framework_id,
      signature_hash: s.signature_hash,
      platform: s.platform,
      test: s.test,
      suite: s.suite,
      lower_is_better: s.lower_is_better,
      has_subtests: s.has_subtests,
      tags: s.tags,
      values: [],
      name: summaryName(s.suite, s.test, s.option_name, s.extra_options),
      parent_signature: s.parent_signature_id,
      job_ids: [],
      repository_name: p.repository,
      repository_id: repositoryId,
      data: [],
      measurement_unit: s.measurement_unit,
      application: s.application,
      should_alert: s.silenced ? false : s.should_alert,
      alert_change_type: s.alert_change_type,
      alert_threshold: s.alert_threshold,
      submit_times: [],
    });
  }
  if (items.size === 0) return [];

  const dArgs: unknown[] = [repositoryId, [...items.keys()]];
  const dArg = (v: unknown) => {
    dArgs.push(v);
    return `$${dArgs.length}`;
  };
  let timeCond: string;
  if (p.revision !== null) timeCond = `p.revision = ${dArg(p.revision)}`;
  else if (p.interval && p.startday === null && p.endday === null) {
    timeCond = `d.push_timestamp > ${dArg(intervalCutoff(p.interval))}::timestamptz`;
  } else {
    timeCond = `d.push_timestamp > ${dArg(p.startday)}::timestamptz AND d.push_timestamp < ${dArg(p.endday)}::timestamptz`;
  }
  const modeA = p.signature !== null && p.allData;
  const replicate = p.replicates ? 'rep.value' : 'NULL::double precision';
  const replicateJoin = p.replicates
    ? 'LEFT JOIN performance_datum_replicate rep ON rep.performance_datum_id = d.id'
    : '';
  const replicateOrder = p.replicates ? ', rep.id' : '';
  const { rows } = await db.query(
    `SELECT d.signature_id, d.id, d.value, ${replicate} AS replicate_value, d.job_id, d.push_id,
       ${isoSql('j.submit_time')} AS submit_time
       ${modeA ? `, ${isoSql('d.push_timestamp')} AS push_timestamp, p.revision, m.name AS machine_name` : ''}
     FROM performance_datum d
     JOIN push p ON p.id = d.push_id
     ${replicateJoin}
     LEFT JOIN job j ON j.id = d.job_id
     ${modeA ? 'LEFT JOIN machine m ON m.id = j.machine_id' : ''}
     WHERE d.repository_id = $1 AND d.signature_id = ANY($2::int[]) AND ${timeCond}
     ORDER BY ${modeA ? 'd.push_timestamp, d.push_id, d.job_id, d.id' : 'd.job_id, d.id'}${replicateOrder}`,
    dArgs,
  );
  for (const r of rows) {
    const item = items.get(r.signature_id);
    if (!item) continue;
    const value = (r.replicate_value ?? r.value) as number;
    const jobId = r.job_id === null ? null : Number(r.job_id);
    if (modeA) {
      item.data.push({
        job_id: jobId,
        id: Number(r.id),
        value,
        push_timestamp: r.push_timestamp,
        push_id: r.push_id,
        revision: r.revision,
        submit_time: r.submit_time,
        machine_name: r.machine_name,
      });
    } else {
      item.values.push(quantize2(value, 'half-even'));
      item.job_ids.push(jobId);
      item.submit_times.push(r.submit_time);
    }
  }
  const result = [...items.values()];
  if (p.noRetriggers) for (const item of result) item.data = filterOutRetriggers(item.data);
  return result;
}
