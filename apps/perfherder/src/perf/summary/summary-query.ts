import { jsonNumberSql, jsonScalarSql, jsonStringSql } from '../../db/json-text-sql.ts';
import { intervalCutoff, leftSinceInRepositorySql, sinceSql } from '../../db/since-window.ts';
import { quantize2HalfEvenJsonSql } from '../perfcompare/stats/quantize.ts';
import { DATUM_PUSHED_SINCE, SIGNATURE_UPDATED_SINCE } from '../signatures/series-params.ts';
import { isoSql } from './iso-datetime.ts';
import type { SummaryParams } from './summary-params.ts';

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

/** What shapes the summary statement of {@link summaryStatement}. */
export interface SummaryShape {
  /** Output mode A (one signature, `all_data`): `data` rows instead of the parallel lists. */
  readonly modeA: boolean;
  /** One entry per replicate (LEFT JOIN, so a datum without replicates keeps one entry). */
  readonly replicates: boolean;
  /** Mode A only: within a run of consecutive entries of the same push, only the first is kept. */
  readonly noRetriggers: boolean;
  /** The signature conditions on `s` (and its parent `ps`). */
  readonly signatureCond: string;
  /** The time (or revision) condition on the datums `d`. */
  readonly timeCond: string;
}

/** The reference's `name`: "<suite[ test]> <option name> <extra options>". */
const NAME_SQL = `CASE WHEN s.test = '' OR s.test = s.suite THEN s.suite ELSE s.suite || ' ' || s.test END
  || ' ' || o.name || ' ' || s.extra_options`;

/**
 * `should_alert`, with the reference's parent rule: a subtest whose own setting is unset answers false
 * when its parent (which has data) does not opt out.
 */
const SHOULD_ALERT_SQL = `CASE WHEN s.should_alert IS NULL AND s.parent_signature_id IS NOT NULL
    AND ps.should_alert IS DISTINCT FROM false
    AND EXISTS (SELECT 1 FROM performance_datum pd WHERE pd.signature_id = s.parent_signature_id)
  THEN false ELSE s.should_alert END`;

/**
 * The whole summary answer as one JSON text, built in PostgreSQL in the reference's key order and number
 * formatting (the bytes Fastify's schema serializer wrote for the same rows), in one statement:
 *
 * - `r`: the repository (no row: it does not exist, and the statement returns no row).
 * - `s`: the signatures, each with its item's text around the four lists (`head`, `mid`, `data_head`,
 *   `tail`), ordered by id when aggregated.
 * - `d`: the datums alone, an index-only scan of the covering (repository_id, signature_id, push_timestamp)
 *   index (migrations 0006, 0010), for the signatures of `s` (an initplan array, so a runtime index
 *   condition). Each datum carries its value's rounded JSON text (`value_json`, half-even to 2 decimals as
 *   {@link quantize2HalfEvenJsonSql} writes it) and its job's submit time as JSON text (`submit_time_json`),
 *   both written with the datum (migration 0010), so the lists concatenate them as they are.
 *   No join with `push` unless its revision is output: `push_id` is NOT NULL with a foreign key to `push`
 *   (ON DELETE CASCADE), so that inner join never removed a row. The planner's row estimate for "these
 *   signatures since then" is several times too low (active signatures are the ones with recent data), so
 *   in mode A, which looks up jobs, the steps are materialized rather than left to it (it hash-joined the
 *   whole `job` table). Otherwise `d` is read once, straight into the aggregation: an incremental sort
 *   (the index gives signature order) instead of copying 15 000 rows into a CTE first.
 * - `js` (mode A only): each distinct job once, with its submit time and machine name, read by one scan of
 *   the primary key for the sorted array of job ids, which walks the leaf pages in order instead of
 *   descending the index once per job.
 * - `l`: per signature, the lists as JSON text (a replicate's value rounded here, with
 *   {@link quantize2HalfEvenJsonSql}), in the reference's order (job id, datum id, replicate id;
 *   mode A: push time, push id, job id, datum id, replicate id), `NULL` for the lists the mode leaves empty.
 */
export function summarySql({
  modeA,
  replicates,
  noRetriggers,
  signatureCond,
  timeCond,
}: SummaryShape): string {
  const replicateJoin = replicates
    ? 'LEFT JOIN performance_datum_replicate rep ON rep.performance_datum_id = d.id'
    : '';
  const replicateValue = replicates ? 'coalesce(rep.value, d.value)' : 'd.value';
  const replicateId = replicates ? 'rep.id' : 'NULL::bigint';
  // Without replicates, the datum's own rounded text (migration 0010, written with the datum).
  const valueJson = replicates
    ? `CASE WHEN rep.id IS NULL THEN d.value_json ELSE ${quantize2HalfEvenJsonSql('(rep.value::text)')} END`
    : 'd.value_json';
  const listOrder = `d.job_id, d.id${replicates ? ', rep.id' : ''}`;
  const lists = modeA
    ? `SELECT x.signature_id, NULL::text AS values, NULL::text AS job_ids,
         string_agg('{"job_id":' || ${jsonScalarSql('x.job_id')} || ',"id":' || x.id
           || ',"value":' || ${jsonNumberSql('x.value')} || ',"push_timestamp":"' || x.push_timestamp
           || '","push_id":' || x.push_id || ',"revision":' || ${jsonStringSql('x.revision')}
           || ',"submit_time":' || coalesce(x.submit_time, 'null')
           || ',"machine_name":' || ${jsonStringSql('x.machine_name')} || '}', ',' ORDER BY x.ord) AS data,
         NULL::text AS submit_times
       FROM (
         SELECT d.signature_id, d.job_id, d.id, ${replicateValue} AS value,
           ${isoSql('d.push_timestamp')} AS push_timestamp, d.push_id, p.revision, js.submit_time, js.machine_name,
           row_number() OVER w AS ord, lag(d.push_id) OVER w AS previous_push
         FROM d
         JOIN push p ON p.id = d.push_id
         ${replicateJoin}
         LEFT JOIN js ON js.job_id = d.job_id
         WINDOW w AS (PARTITION BY d.signature_id ORDER BY d.push_timestamp, d.push_id, d.job_id, d.id, ${replicateId})
       ) x
       ${noRetriggers ? 'WHERE x.previous_push IS DISTINCT FROM x.push_id' : ''}
       GROUP BY x.signature_id`
    : `SELECT d.signature_id,
         string_agg(${valueJson}, ',' ORDER BY ${listOrder}) AS values,
         string_agg(${jsonScalarSql('d.job_id')}, ',' ORDER BY ${listOrder}) AS job_ids,
         NULL::text AS data,
         string_agg(coalesce(d.submit_time_json, 'null'), ',' ORDER BY ${listOrder}) AS submit_times
       FROM d
       ${replicateJoin}
       GROUP BY d.signature_id`;
  return `WITH r AS MATERIALIZED (
       SELECT r.id, r.name FROM repository r WHERE r.name = $1
     ), s AS MATERIALIZED (
       SELECT s.id,
         '{"signature_id":' || s.id || ',"framework_id":' || s.framework_id
           || ',"signature_hash":' || ${jsonStringSql('s.signature_hash')} || ',"platform":' || ${jsonStringSql('mp.platform')}
           || ',"test":' || ${jsonStringSql('s.test')} || ',"suite":' || ${jsonStringSql('s.suite')}
           || ',"lower_is_better":' || s.lower_is_better::text || ',"has_subtests":' || s.has_subtests::text
           || ',"tags":' || ${jsonStringSql('s.tags')} || ',"values":[' AS head,
         '],"name":' || ${jsonStringSql(`(${NAME_SQL})`)}
           || ',"parent_signature":' || ${jsonScalarSql('s.parent_signature_id')} || ',"job_ids":[' AS mid,
         '],"repository_name":' || ${jsonStringSql('r.name')} || ',"repository_id":' || r.id || ',"data":[' AS data_head,
         '],"measurement_unit":' || ${jsonStringSql('s.measurement_unit')}
           || ',"application":' || ${jsonStringSql('s.application')}
           || ',"should_alert":' || ${jsonScalarSql(`(${SHOULD_ALERT_SQL})`)}
           || ',"alert_change_type":' || ${jsonScalarSql('s.alert_change_type')}
           || ',"alert_threshold":' || ${jsonNumberSql('s.alert_threshold')} || ',"submit_times":[' AS tail
       FROM r
       JOIN performance_signature s ON s.repository_id = r.id
       JOIN machine_platform mp ON mp.id = s.platform_id
       JOIN option_collection oc ON oc.id = s.option_collection_id
       JOIN option o ON o.id = oc.option_id
       LEFT JOIN performance_signature ps ON ps.id = s.parent_signature_id
       WHERE ${signatureCond}
     ), d AS ${modeA ? 'MATERIALIZED' : 'NOT MATERIALIZED'} (
       SELECT d.signature_id, d.id, d.value, d.value_json, d.submit_time_json, d.job_id, d.push_id, d.push_timestamp
       FROM performance_datum d
       WHERE d.repository_id = (SELECT r.id FROM r) AND d.signature_id = ANY(ARRAY(SELECT s.id FROM s))
         AND ${timeCond}
     )${
       modeA
         ? `, js AS MATERIALIZED (
       SELECT j.id AS job_id, '"' || ${isoSql('j.submit_time')} || '"' AS submit_time,
         (SELECT m.name FROM machine m WHERE m.id = j.machine_id) AS machine_name
       FROM job j
       WHERE j.id = ANY(ARRAY(SELECT DISTINCT d.job_id FROM d WHERE d.job_id IS NOT NULL ORDER BY 1))
     )`
         : ''
     }, l AS (${lists})
     SELECT r.id AS repository_id,
       (SELECT '[' || coalesce(string_agg(s.head || coalesce(l.values, '') || s.mid || coalesce(l.job_ids, '')
          || s.data_head || coalesce(l.data, '') || s.tail || coalesce(l.submit_times, '') || ']}', ',' ORDER BY s.id), '')
          || ']'
        FROM s LEFT JOIN l ON l.signature_id = s.id) AS body
     FROM r`;
}

/**
 * The now-relative windows the summary's parameters set, each with its cutoff `int(now - interval)`; none by
 * revision or dates. One cutoff for both, computed once per request.
 */
function summaryWindows(
  p: SummaryParams,
  nowMs: number,
): { cutoff: string | null; signature: boolean; datum: boolean } {
  const signature = Boolean(p.interval) && !p.allData;
  const datum = p.revision === null && Boolean(p.interval) && p.startday === null && p.endday === null;
  const cutoff = p.interval && (signature || datum) ? intervalCutoff(p.interval, nowMs) : null;
  return { cutoff, signature, datum };
}

/**
 * The rows that left the summary's windows between two cutoffs (placeholders), for the answer memo: a
 * signature of the repository whose `last_updated` passed the signature window's edge, a datum of the
 * repository whose push time passed the datums' (any signature: a superset, by the (repository_id,
 * push_timestamp) and (repository_id, last_updated) indexes). `$1`-free: the repository's name is added.
 */
export function summaryWindowCrossed(
  p: SummaryParams,
  arg: (value: unknown) => string,
  older: string,
  newer: string,
): string {
  const { signature, datum } = summaryWindows(p, Date.now());
  const repository = arg(p.repository);
  const checks: string[] = [];
  if (signature) checks.push(leftSinceInRepositorySql(SIGNATURE_UPDATED_SINCE, repository, older, newer));
  if (datum) checks.push(leftSinceInRepositorySql(DATUM_PUSHED_SINCE, repository, older, newer));
  return checks.length > 0 ? checks.join(' OR ') : 'false';
}

/**
 * The signature conditions over `s` the summary's parameters set, their values in `args` from `$2` (`$1` is
 * the repository's name); `arg` adds a later parameter. `cutoff`: the interval's (see summaryWindows).
 */
export function signatureConditions(
  p: SummaryParams,
  cutoff: string | null = summaryWindows(p, Date.now()).cutoff,
): {
  readonly args: unknown[];
  readonly arg: (value: unknown) => string;
  readonly conds: string[];
} {
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
  if (p.interval && !p.allData) conds.push(sinceSql(SIGNATURE_UPDATED_SINCE, arg(cutoff)));
  return { args, arg, conds };
}

/**
 * The datums' condition over `d` for the summary's revision, interval or start/end days, its values added
 * with `arg`. By revision: the push ids first (push_revision_idx), then the datums of those pushes; a
 * semi-join on the primary key, so the same rows as joining the push.
 */
export function summaryTimeCondition(
  p: SummaryParams,
  arg: (value: unknown) => string,
  cutoff: string | null = summaryWindows(p, Date.now()).cutoff,
): string {
  if (p.revision !== null)
    return `d.push_id IN (SELECT p.id FROM push p WHERE p.revision = ${arg(p.revision)})`;
  if (p.interval && p.startday === null && p.endday === null)
    return sinceSql(DATUM_PUSHED_SINCE, arg(cutoff));
  return `d.push_timestamp > ${arg(p.startday)}::timestamptz AND d.push_timestamp < ${arg(p.endday)}::timestamptz`;
}

/**
 * The summary's statement ({@link summarySql}) and its values for the parameters at `nowMs`, with the
 * now-relative cutoff it compares with (null: the answer depends on the data only).
 */
export function summaryStatement(
  p: SummaryParams,
  nowMs: number,
): { readonly text: string; readonly args: unknown[]; readonly cutoff: string | null } {
  const { cutoff } = summaryWindows(p, nowMs);
  const { args, arg, conds } = signatureConditions(p, cutoff);
  const timeCond = summaryTimeCondition(p, arg, cutoff);
  const text = summarySql({
    modeA: p.signature !== null && p.allData,
    replicates: p.replicates,
    noRetriggers: p.noRetriggers,
    signatureCond: conds.join(' AND '),
    timeCond,
  });
  return { text, args, cutoff };
}
