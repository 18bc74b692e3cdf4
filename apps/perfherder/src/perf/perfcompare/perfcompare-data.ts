import type { Queryable } from '../../db/queryable.ts';
import { leftSinceSql, sinceSql } from '../../db/since-window.ts';
import { type AddArg, addArgTo } from '../../http/answer-memo.ts';
import { SIGNATURE_UPDATED_SINCE } from '../signatures/series-params.ts';
import { quantize2HalfEvenJsonSql } from './stats/quantize.ts';

/** A signature row as PerfCompare reads it (one side of the comparison). */
export interface CompareSignature {
  readonly id: number;
  readonly framework_id: number;
  readonly lower_is_better: boolean;
  readonly has_subtests: boolean;
  readonly extra_options: string;
  readonly suite: string;
  readonly test: string;
  readonly signature_hash: string;
  readonly platform: string;
  readonly option_collection_id: number;
  readonly option_name: string;
  readonly parent_signature_id: number | null;
  readonly repository_id: number;
  readonly measurement_unit: string | null;
  readonly application: string;
}

/**
 * One side's data grouped per signature id (spec §3.12 "Data per side"): the numbers the statistics need,
 * and the lists the answer shows as JSON text, built (and rounded) in PostgreSQL.
 */
export interface GroupedData {
  /** Datum values per signature. */
  readonly values: Map<number, number[]>;
  /** One entry per datum ⋈ replicate row: the replicate value, else the datum value. */
  readonly replicates: Map<number, number[]>;
  /** Per signature, JSON arrays as text (compact, as JSON.stringify writes them). */
  readonly json: Map<number, SideJson>;
}

/** The lists of one signature's side that the answer shows, each a JSON array's text. */
export interface SideJson {
  /** Job ids parallel to `values`. */
  readonly jobIds: string;
  /** `values` rounded half-even to 2 decimals. */
  readonly runs: string;
  /** `replicates` rounded half-even to 2 decimals. */
  readonly runsReplicates: string;
}

export interface SignatureFilter {
  readonly repositoryId: number;
  readonly noSubtests: boolean;
  readonly framework: number | null;
  readonly parentSignature: string | null;
  /** Only signatures updated at or after this instant (from `interval`). */
  readonly updatedSince: Date | null;
}

/**
 * The WHERE of one side's signatures (spec §3.12 "Signatures") over `s`, its parameters added with `arg`,
 * with only the conditions the filter sets (no `$n IS NULL OR …`), so that a named statement's generic plan
 * is as good as a custom one and PostgreSQL settles on it instead of planning every execution.
 */
export function signatureWhere(filter: SignatureFilter, arg: AddArg): string {
  const conds = [
    `s.repository_id = ${arg(filter.repositoryId)}`,
    filter.noSubtests ? 's.parent_signature_id IS NULL' : 's.parent_signature_id IS NOT NULL',
  ];
  if (filter.framework !== null) conds.push(`s.framework_id = ${arg(filter.framework)}::integer`);
  if (filter.parentSignature !== null) {
    conds.push(`s.parent_signature_id = ${arg(filter.parentSignature)}::integer`);
  }
  if (filter.updatedSince !== null) {
    conds.push(sinceSql(SIGNATURE_UPDATED_SINCE, arg(filter.updatedSince)));
  }
  return conds.join(' AND ');
}

/**
 * Whether a signature of either side left its `last_updated` window between cutoffs `older` and `newer`
 * (placeholders), the other conditions of each side's filter kept: an SQL condition, its values added with
 * `arg` (what an answer kept for the older cutoff must check before it is sent again, see http/answer-memo.ts).
 */
export function signaturesLeftSql(
  filters: readonly SignatureFilter[],
  arg: AddArg,
  older: string,
  newer: string,
): string {
  const sides = filters.map((filter) => `(${signatureWhere({ ...filter, updatedSince: null }, arg)})`);
  return `EXISTS (SELECT 1 FROM performance_signature s WHERE (${sides.join(' OR ')})
    AND ${leftSinceSql(SIGNATURE_UPDATED_SINCE, older, newer)})`;
}

/** One side's signatures with their platform and option names, to be filtered by {@link signatureWhere}. */
const SIGNATURES_SELECT = `SELECT s.id, s.framework_id, s.lower_is_better, s.has_subtests, s.extra_options, s.suite, s.test,
            s.signature_hash, mp.platform, s.option_collection_id, o.name AS option_name,
            s.parent_signature_id, s.repository_id, s.measurement_unit, s.application
       FROM performance_signature s
       JOIN machine_platform mp ON mp.id = s.platform_id
       JOIN option_collection oc ON oc.id = s.option_collection_id
       JOIN option o ON o.id = oc.option_id`;

/** The signatures of one side (spec §3.12 "Signatures"), with their platform and option names. */
export async function loadSignatures(db: Queryable, filter: SignatureFilter): Promise<CompareSignature[]> {
  const params: unknown[] = [];
  const where = signatureWhere(filter, addArgTo(params));
  const { rows } = await db.query(`${SIGNATURES_SELECT} WHERE ${where} ORDER BY s.id`, params);
  return rows as CompareSignature[];
}

/** The statement's snapshot as text, for an answer memo (http/answer-memo.ts) to compare later. */
export const SNAPSHOT = 'pg_current_snapshot()::text';

/** Which data points of one side: a revision, or a push-timestamp window (both ends exclusive). */
export type DataSelection = { readonly revision: string } | { readonly after: Date; readonly before: Date };

/**
 * The replicates `r` of each datum `d`, looked up by datum (a LATERAL subquery kept apart by OFFSET 0, so
 * it stays a parameterized scan of the performance_datum_id index): the planner otherwise hashes the whole
 * replicate table for a few thousand datums, most of which have no replicates. Only to count them.
 */
const REPLICATES_OF_D = `LATERAL (SELECT r.id, r.value FROM performance_datum_replicate r
    WHERE r.performance_datum_id = d.id OFFSET 0) r`;

/**
 * The FROM and WHERE of one side's data points, the selection's values added with `arg`: `d` the datums of
 * the signatures that `idsCond` (SQL) selects in repository `repository` (SQL), with `replicates` `r` their
 * replicates (LEFT JOIN, so a datum without replicates keeps one row). The push is joined only to select by
 * revision (`push_id` is NOT NULL with a foreign key, so the join never drops a row).
 */
export function sideData(
  idsCond: string,
  repository: string,
  selection: DataSelection,
  replicates: boolean,
  arg: AddArg,
): string {
  const byRevision = 'revision' in selection;
  return `FROM performance_datum d
       ${byRevision ? 'JOIN push p ON p.id = d.push_id' : ''}
       ${replicates ? `LEFT JOIN ${REPLICATES_OF_D} ON true` : ''}
      WHERE ${idsCond} AND d.repository_id = ${repository}
        AND ${
          byRevision
            ? `p.revision = ${arg(selection.revision)}`
            : `d.push_timestamp > ${arg(selection.after)} AND d.push_timestamp < ${arg(selection.before)}`
        }`;
}

/** The datum columns the lists read. */
const DATUM_COLUMNS = 'd.id, d.signature_id, d.value, d.value_json, d.job_id, d.push_timestamp';

/**
 * The datums of one side (a SELECT of {@link DATUM_COLUMNS} and their `part`, see {@link listsCtes}) and the
 * rows `l` of migration 0012's performance_datum_day_lists that stand for the rest of its datums (their FROM
 * and WHERE, or null):
 * `ids` the side's signature ids (an SQL array), `repository` (SQL) its repository. A revision's datums are
 * read one by one. A push-time window (both ends exclusive) reads every day row whose datums all fall inside
 * it (its first and last push times inside the window: each whole day strictly inside, and an edge day with
 * nothing outside the window yet, as the last day of a window that ends at the newest push), and one by one
 * the datums of an edge day whose row has some outside: one range of the series index per edge, for the
 * signatures whose row at that edge is not read (a window within one or two days has no whole day: the
 * two ranges together are the window).
 */
function sideSources(
  ids: string,
  repository: string,
  selection: DataSelection,
  arg: AddArg,
): { readonly datums: string; readonly days: string | null } {
  if ('revision' in selection) {
    return {
      datums: `SELECT ${DATUM_COLUMNS}, 0 AS part ${sideData(`d.signature_id = ANY(${ids})`, repository, selection, false, arg)}`,
      days: null,
    };
  }
  const [after, before] = [`${arg(selection.after)}::timestamptz`, `${arg(selection.before)}::timestamptz`];
  const [afterDay, beforeDay] = [`performance_datum_day(${after})`, `performance_datum_day(${before})`];
  const inside = `l.first_push_timestamp > ${after} AND l.last_push_timestamp < ${before}`;
  const wholeStart = `to_timestamp((${afterDay} + 1)::double precision * 86400)`;
  const wholeEnd = `to_timestamp(${beforeDay}::double precision * 86400)`;
  // The datums of the edge day `day` within `range`, of the signatures whose row of that day is not read.
  const edge = (day: string, part: number, range: string) => `SELECT ${DATUM_COLUMNS}, ${part} AS part
      FROM performance_datum d
      WHERE d.signature_id = ANY(ARRAY(SELECT e.id FROM unnest(${ids}) AS e(id)
          WHERE NOT EXISTS (SELECT 1 FROM performance_datum_day_lists l WHERE l.repository_id = ${repository}
            AND l.signature_id = e.id AND l.day = ${day} AND ${inside})))
        AND d.repository_id = ${repository} AND ${range}`;
  return {
    datums: `${edge(afterDay, 0, `d.push_timestamp > ${after} AND d.push_timestamp < least(${before}, ${wholeStart})`)}
      UNION ALL
      ${edge(beforeDay, 2, `d.push_timestamp >= greatest(${wholeEnd}, ${wholeStart}) AND d.push_timestamp < ${before}`)}`,
    days: `FROM performance_datum_day_lists l
      WHERE l.signature_id = ANY(${ids}) AND l.repository_id = ${repository}
        AND l.day >= ${afterDay} AND l.day <= ${beforeDay} AND ${inside}`,
  };
}

/** `'[' || string_agg(…) || ']'`: a JSON array's text from comma-joined JSON texts, in order; `[]` for none. */
function jsonArrayAgg(element: string, order: string): string {
  return `'[' || string_agg(${element}, ',' ORDER BY ${order}) || ']'`;
}

/**
 * The CTEs `d` (one side's datums read one by one, see {@link sideSources}), `rep` (their replicates, one row
 * per datum that has any), `parts` and `lists` (one row per signature with data): its lists in the order the
 * reference reads them (push time, datum id, then replicate id): the values (and with `replicates` the
 * replicates, else NULL) as `json` for the statistics (JSON.parse is the cheapest way into numbers), and the
 * lists the answer shows as their final JSON text (the runs rounded half-even to 2 decimals: a datum's stored
 * `value_json` of migration 0010, a replicate's by {@link quantize2HalfEvenJsonSql}), so no JavaScript work
 * per data point is left but JSON.parse. `parts` joins each list's pieces per signature and part: part 0 the
 * datums read before the day rows (a revision's, or a window's first edge day), 1 the day rows of a window
 * (migration 0012, built by the same expressions) in day order, as the primary key returns them (no sort),
 * 2 the datums of a window's last edge day; `lists` joins the parts in that order. A day is read either from
 * its row or datum by datum. `ids` is the side's signature ids as an SQL array.
 *
 * `rep` reads the replicates of all the datums in one index scan (`= ANY` of their ids, which PostgreSQL
 * sorts and walks leaf by leaf: 650 buffers on medium, where a lookup per datum read 21,000), each datum's
 * replicates already joined into list pieces in replicate-id order. `prefix` names the CTEs of one side of a
 * statement that reads both (`<prefix>d`, `<prefix>rep`, `<prefix>lists`).
 */
function listsCtes(
  ids: string,
  repository: string,
  selection: DataSelection,
  replicates: boolean,
  arg: AddArg,
  prefix = '',
): string {
  const order = 'd.push_timestamp, d.id';
  const [d, rep, parts, lists] = [`${prefix}d`, `${prefix}rep`, `${prefix}parts`, `${prefix}lists`];
  const { datums, days } = sideSources(ids, repository, selection, arg);
  const dayParts =
    days === null
      ? ''
      : `UNION ALL
       SELECT l.signature_id, 1, string_agg(l.value_list, ',' ORDER BY l.day),
         ${replicates ? "string_agg(l.replicate_list, ',' ORDER BY l.day)" : 'NULL'},
         string_agg(l.job_id_list, ',' ORDER BY l.day), string_agg(l.run_list, ',' ORDER BY l.day),
         string_agg(l.run_replicate_list, ',' ORDER BY l.day)
       ${days}
       GROUP BY l.signature_id`;
  return `${d} AS MATERIALIZED (${datums}), ${rep} AS (
       SELECT r.performance_datum_id AS id,
         ${replicates ? "string_agg(to_json(r.value)::text, ',' ORDER BY r.id)" : 'NULL::text'} AS vals,
         string_agg(${quantize2HalfEvenJsonSql('r.value::text')}, ',' ORDER BY r.id) AS runs
       FROM performance_datum_replicate r
       WHERE r.performance_datum_id = ANY(ARRAY(SELECT d.id FROM ${d} d))
       GROUP BY r.performance_datum_id
     ), ${parts} AS (
       SELECT d.signature_id, d.part,
         string_agg(to_json(d.value)::text, ',' ORDER BY ${order}) AS value_list,
         ${replicates ? `string_agg(coalesce(rep.vals, to_json(d.value)::text), ',' ORDER BY ${order})` : 'NULL'} AS replicate_list,
         string_agg(coalesce(d.job_id::text, 'null'), ',' ORDER BY ${order}) AS job_id_list,
         string_agg(d.value_json, ',' ORDER BY ${order}) AS run_list,
         string_agg(coalesce(rep.runs, d.value_json), ',' ORDER BY ${order}) AS run_replicate_list
       FROM ${d} d LEFT JOIN ${rep} rep ON rep.id = d.id
       GROUP BY d.signature_id, d.part
       ${dayParts}
     ), ${lists} AS (
       SELECT p.signature_id,
         (${jsonArrayAgg('p.value_list', 'p.part')})::json AS values,
         ${jsonArrayAgg('p.job_id_list', 'p.part')} AS job_ids,
         ${jsonArrayAgg('p.run_list', 'p.part')} AS runs,
         ${replicates ? `(${jsonArrayAgg('p.replicate_list', 'p.part')})::json` : 'NULL::json'} AS replicates,
         ${jsonArrayAgg('p.run_replicate_list', 'p.part')} AS runs_replicates
       FROM ${parts} p
       GROUP BY p.signature_id
     )`;
}

/** A signature's lists as the statements return them (`values` and `replicates` parsed, the rest JSON text). */
interface Lists {
  readonly values: number[] | null;
  /** Null unless the replicates were asked for. */
  readonly replicates: number[] | null;
  readonly jobIds: string | null;
  readonly runs: string | null;
  readonly runsReplicates: string | null;
}

/** Adds a signature's lists to `grouped`; a signature without data (`values` null) adds nothing. */
function addLists(grouped: GroupedData, signatureId: number, lists: Lists): void {
  if (lists.values === null) return;
  grouped.values.set(signatureId, lists.values);
  if (lists.replicates !== null) grouped.replicates.set(signatureId, lists.replicates);
  grouped.json.set(signatureId, {
    jobIds: lists.jobIds ?? '[]',
    runs: lists.runs ?? '[]',
    runsReplicates: lists.runsReplicates ?? '[]',
  });
}

const noData = (): GroupedData => ({ values: new Map(), replicates: new Map(), json: new Map() });

/** Loads and groups one side's data points (see {@link listsCtes}) for signatures already loaded. */
export async function loadGroupedData(
  db: Queryable,
  repositoryId: number,
  signatureIds: readonly number[],
  selection: DataSelection,
  replicates: boolean,
): Promise<GroupedData> {
  const grouped = noData();
  if (signatureIds.length === 0) return grouped;
  const params: unknown[] = [signatureIds, repositoryId];
  const { rows } = await db.query(
    `WITH ${listsCtes('$1::integer[]', '$2', selection, replicates, addArgTo(params))}
     SELECT signature_id, values::text, replicates::text, job_ids, runs, runs_replicates FROM lists`,
    params,
  );
  for (const row of rows) {
    addLists(grouped, row.signature_id, {
      values: JSON.parse(row.values),
      replicates: row.replicates === null ? null : JSON.parse(row.replicates),
      jobIds: row.job_ids,
      runs: row.runs,
      runsReplicates: row.runs_replicates,
    });
  }
  return grouped;
}

/** One side of a comparison: which signatures, and which of their data points. */
export interface CompareSide {
  readonly filter: SignatureFilter;
  readonly selection: DataSelection;
}

/** A side's signatures and their data, as {@link parseCompareBody} returns them. */
export interface LoadedSide {
  readonly signatures: CompareSignature[];
  readonly data: GroupedData;
}

/**
 * Both sides' signatures ({@link loadSignatures}) and data ({@link loadGroupedData}) in one statement: one
 * round trip and one snapshot, so that the answer memo can keep the answer built from it. Each side is a
 * materialized signature CTE (`bs`, `ns`) whose ids select its datums ({@link listsCtes}, prefixed `b`, `n`).
 * One row, `body`: the JSON text `[base, new]`, each side an array in signature id order of
 * `[signature, values, job_ids, runs, replicates, runs_replicates]`, the lists shown as JSON strings of their
 * final text, the numbers as JSON arrays ({@link parseCompareBody}). The signatures' conditions carry only what
 * the filters set, so PostgreSQL settles on a generic plan for a named statement.
 */
export function compareStatement(
  base: CompareSide,
  next: CompareSide,
  replicates: boolean,
): { readonly text: string; readonly values: unknown[] } {
  const values: unknown[] = [];
  const arg = addArgTo(values);
  const side = (prefix: string, { filter, selection }: CompareSide) => {
    const where = signatureWhere(filter, arg);
    const repository = arg(filter.repositoryId);
    const ids = `ARRAY(SELECT s.id FROM ${prefix}s s)`;
    return {
      ctes: `${prefix}s AS MATERIALIZED (${SIGNATURES_SELECT} WHERE ${where}),
       ${listsCtes(ids, repository, selection, replicates, arg, prefix)}`,
      json: `(SELECT coalesce(json_agg(json_build_array(to_json(s), l.values, l.job_ids, l.runs, l.replicates,
           l.runs_replicates) ORDER BY s.id), '[]')
         FROM ${prefix}s s LEFT JOIN ${prefix}lists l ON l.signature_id = s.id)`,
    };
  };
  const [b, n] = [side('b', base), side('n', next)];
  return {
    text: `WITH ${b.ctes}, ${n.ctes} SELECT json_build_array(${b.json}, ${n.json})::text AS body`,
    values,
  };
}

type SideRow = [
  CompareSignature,
  number[] | null,
  string | null,
  string | null,
  number[] | null,
  string | null,
];

/** Both sides of a {@link compareStatement} body. */
export function parseCompareBody(body: string): [LoadedSide, LoadedSide] {
  const side = (rows: SideRow[]): LoadedSide => {
    const data = noData();
    const signatures: CompareSignature[] = [];
    for (const [signature, values, jobIds, runs, replicates, runsReplicates] of rows) {
      signatures.push(signature);
      addLists(data, signature.id, { values, replicates, jobIds, runs, runsReplicates });
    }
    return { signatures, data };
  };
  const [base, next] = JSON.parse(body) as [SideRow[], SideRow[]];
  return [side(base), side(next)];
}
