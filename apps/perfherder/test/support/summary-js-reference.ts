/**
 * The summary as the service built it before its answer was built in PostgreSQL (issue 14): two
 * statements, the items assembled in JavaScript, serialized with JSON.stringify (the same text as the
 * route's response schema serializer for these types). The oracle the SQL-built answer is compared with;
 * not used by the service.
 */
import type { Queryable } from '../../src/db/queryable.ts';
import { quantize2HalfEvenSql } from '../../src/perf/perfcompare/stats/quantize.ts';
import { isoSql } from '../../src/perf/summary/iso-datetime.ts';
import type { SummaryParams } from '../../src/perf/summary/summary-params.ts';
import {
  filterOutRetriggers,
  signatureConditions,
  summaryTimeCondition,
} from '../../src/perf/summary/summary-query.ts';

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

/** The reference's `name`: "<suite[ test]> <option name> <extra options>". */
function summaryName(suite: string, test: string, optionName: string, extraOptions: string): string {
  const testSuite = test === '' || test === suite ? suite : `${suite} ${test}`;
  return `${testSuite} ${optionName} ${extraOptions}`;
}

/** What shapes the datums statement of {@link runSummary}. */
interface SummaryDataShape {
  /** Output mode A (one signature, `all_data`): push timestamp, revision and machine name per datum. */
  readonly modeA: boolean;
  /** One row per replicate (LEFT JOIN, so a datum without replicates keeps one row). */
  readonly replicates: boolean;
  /** The time (or revision) condition on `d`; `$1` is the repository id and `$2` the signature ids. */
  readonly timeCond: string;
}

/**
 * The datums statement of the summary. Shaped for the indexes rather than left to the planner, whose row
 * estimate for "these signatures since then" is several times too low (active signatures are the ones
 * with recent data), and which then hash-joined the whole `job` table:
 *
 * - `d`: the datums alone, an index-only scan of the covering (repository_id, signature_id, push_timestamp)
 *   index (migration 0006). No join with
 *   `push` unless its revision is output: `push_id` is NOT NULL with a foreign key to `push` (ON DELETE
 *   CASCADE), so that inner join never removed a row.
 * - `js`: each distinct job once, looked up by primary key (a LATERAL subquery, kept apart by OFFSET 0 so
 *   it stays a parameterized index scan), with its submit time formatted there: one lookup and one
 *   to_char per job instead of per datum (a job carries many subtests' datums).
 * - then the datums LEFT JOIN their job's row in memory, ordered as before (the order ends with the
 *   datum id, and the replicate id when replicates are output, so it is total).
 * - parallel lists (not `modeA`): one row per signature, its `values` (rounded half-even to 2 decimals,
 *   {@link quantize2HalfEvenSql}), `job_ids` and `submit_times` aggregated in that order as JSON text.
 */
function summaryDataSql({ modeA, replicates, timeCond }: SummaryDataShape): string {
  const replicate = replicates ? 'rep.value' : 'NULL::double precision';
  const replicateJoin = replicates
    ? 'LEFT JOIN performance_datum_replicate rep ON rep.performance_datum_id = d.id'
    : '';
  const replicateOrder = replicates ? ', rep.id' : '';
  const order = `d.job_id, d.id${replicateOrder}`;
  return `WITH d AS MATERIALIZED (
       SELECT d.signature_id, d.id, d.value, d.job_id, d.push_id, d.push_timestamp
       FROM performance_datum d
       WHERE d.repository_id = $1 AND d.signature_id = ANY($2::int[]) AND ${timeCond}
     ), js AS MATERIALIZED (
       SELECT x.job_id, jj.submit_time${modeA ? ', jj.machine_name' : ''}
       FROM (SELECT DISTINCT d.job_id FROM d WHERE d.job_id IS NOT NULL) x
       CROSS JOIN LATERAL (
         SELECT ${isoSql('j.submit_time')} AS submit_time${
           modeA ? ', (SELECT m.name FROM machine m WHERE m.id = j.machine_id) AS machine_name' : ''
         }
         FROM job j WHERE j.id = x.job_id OFFSET 0
       ) jj
     )
     ${
       modeA
         ? `SELECT d.signature_id, d.id, d.value, ${replicate} AS replicate_value, d.job_id, d.push_id,
              js.submit_time, ${isoSql('d.push_timestamp')} AS push_timestamp, p.revision, js.machine_name
            FROM d
            JOIN push p ON p.id = d.push_id
            ${replicateJoin}
            LEFT JOIN js ON js.job_id = d.job_id
            ORDER BY d.push_timestamp, d.push_id, d.job_id, d.id${replicateOrder}`
         : `SELECT d.signature_id,
              json_agg(${quantize2HalfEvenSql('v.t')} ORDER BY ${order})::text AS values,
              json_agg(d.job_id ORDER BY ${order})::text AS job_ids,
              json_agg(js.submit_time ORDER BY ${order})::text AS submit_times
            FROM d
            ${replicateJoin}
            LEFT JOIN js ON js.job_id = d.job_id
            CROSS JOIN LATERAL (SELECT coalesce(${replicate}, d.value)::text AS t) v
            GROUP BY d.signature_id`
     }`;
}

/**
 * Runs the summary in two statements: the signatures (joined with the repository, so a missing
 * repository is told apart from an empty selection, and with the `should_alert` parent check as an
 * EXISTS), then every datum of those signatures in one pass. Returns null when the repository does not
 * exist. Both statements are plain reads of perf/model tables, so an opted-in route serves them from a
 * replica.
 */
export async function runSummaryJs(db: Queryable, p: SummaryParams): Promise<SummaryItem[] | null> {
  const { args, conds } = signatureConditions(p);

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
  const timeCond = summaryTimeCondition(p, dArg);
  const modeA = p.signature !== null && p.allData;
  const { rows } = await db.query(summaryDataSql({ modeA, replicates: p.replicates, timeCond }), dArgs);
  if (!modeA) {
    // One row per signature, its three lists built (and the values rounded) in PostgreSQL as JSON text:
    // JSON.parse is the cheapest way into JavaScript numbers, and no JavaScript work per datum remains.
    for (const r of rows as {
      signature_id: number;
      values: string;
      job_ids: string;
      submit_times: string;
    }[]) {
      const item = items.get(r.signature_id);
      if (!item) continue;
      item.values = JSON.parse(r.values);
      item.job_ids = JSON.parse(r.job_ids);
      item.submit_times = JSON.parse(r.submit_times);
    }
    return [...items.values()];
  }
  for (const r of rows) {
    const item = items.get(r.signature_id);
    if (!item) continue;
    const value = (r.replicate_value ?? r.value) as number;
    item.data.push({
      job_id: r.job_id === null ? null : Number(r.job_id),
      id: Number(r.id),
      value,
      push_timestamp: r.push_timestamp,
      push_id: r.push_id,
      revision: r.revision,
      submit_time: r.submit_time,
      machine_name: r.machine_name,
    });
  }
  const result = [...items.values()];
  if (p.noRetriggers) for (const item of result) item.data = filterOutRetriggers(item.data);
  return result;
}
