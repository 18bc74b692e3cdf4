import type { Queryable } from '../../db/queryable.ts';
import { leftSinceSql, sinceSql } from '../../db/since-window.ts';
import type { AddArg } from '../../http/answer-memo.ts';
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
 * The WHERE of one side's signatures (spec §3.12 "Signatures") over `s`, its parameters numbered from
 * `$<first>`, with only the conditions the filter sets (no `$n IS NULL OR …`), so that a named statement's
 * generic plan is as good as a custom one and PostgreSQL settles on it instead of planning every execution.
 */
function signatureWhere(
  filter: SignatureFilter,
  first: number,
): { readonly where: string; readonly params: unknown[] } {
  const params: unknown[] = [filter.repositoryId];
  const conds = [
    `s.repository_id = $${first}`,
    filter.noSubtests ? 's.parent_signature_id IS NULL' : 's.parent_signature_id IS NOT NULL',
  ];
  const add = (cond: (param: string) => string, value: unknown) => {
    params.push(value);
    conds.push(cond(`$${first + params.length - 1}`));
  };
  if (filter.framework !== null) add((p) => `s.framework_id = ${p}::integer`, filter.framework);
  if (filter.parentSignature !== null)
    add((p) => `s.parent_signature_id = ${p}::integer`, filter.parentSignature);
  if (filter.updatedSince !== null) add((p) => sinceSql(SIGNATURE_UPDATED_SINCE, p), filter.updatedSince);
  return { where: conds.join(' AND '), params };
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
  const { where, params } = signatureWhere(filter, 1);
  const { rows } = await db.query(`${SIGNATURES_SELECT} WHERE ${where} ORDER BY s.id`, params);
  return rows as CompareSignature[];
}

/**
 * Both sides' signature ids, ascending, in one statement: what the Mann-Whitney cache key needs of them
 * ({@link loadSignatures} yields the same ids: the joined platform and option are NOT NULL foreign keys).
 */
export async function loadSignatureIds(
  db: Queryable,
  base: SignatureFilter,
  next: SignatureFilter,
): Promise<[number[], number[]]> {
  const b = signatureWhere(base, 1);
  const n = signatureWhere(next, 1 + b.params.length);
  const ids = (where: string) =>
    `(SELECT coalesce(array_agg(s.id ORDER BY s.id), '{}') FROM performance_signature s WHERE ${where})`;
  const { rows } = await db.query(`SELECT ${ids(b.where)} AS base, ${ids(n.where)} AS next`, [
    ...b.params,
    ...n.params,
  ]);
  return [rows[0].base, rows[0].next];
}

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
 * The FROM and WHERE of one side's data points, and the selection's parameters (numbered from `first`): `d`
 * the datums of the signatures `ids` (an SQL array) in repository `repository` (SQL), with `replicates` `r`
 * their replicates (LEFT JOIN, so a datum without replicates keeps one row: to count them). The push is joined
 * only to select by revision (`push_id` is NOT NULL with a foreign key, so the join never drops a row).
 */
function sideData(
  ids: string,
  repository: string,
  selection: DataSelection,
  replicates: boolean,
  first: number,
): { readonly from: string; readonly params: unknown[] } {
  const byRevision = 'revision' in selection;
  const [a, b] = [`$${first}`, `$${first + 1}`];
  return {
    from: `FROM performance_datum d
       ${byRevision ? 'JOIN push p ON p.id = d.push_id' : ''}
       ${replicates ? `LEFT JOIN ${REPLICATES_OF_D} ON true` : ''}
      WHERE d.signature_id = ANY(${ids}) AND d.repository_id = ${repository}
        AND ${byRevision ? `p.revision = ${a}` : `d.push_timestamp > ${a} AND d.push_timestamp < ${b}`}`,
    params: byRevision ? [selection.revision] : [selection.after, selection.before],
  };
}

/** `'[' || string_agg(…) || ']'`: a JSON array's text from JSON texts, in order; `[]` for no rows. */
function jsonArrayAgg(element: string, order: string): string {
  return `'[' || string_agg(${element}, ',' ORDER BY ${order}) || ']'`;
}

/**
 * The CTEs `d` (one side's datums, from {@link sideData}'s FROM), `rep` (their replicates, one row per datum
 * that has any) and `lists` (one row per signature with data): its lists aggregated in PostgreSQL in the order
 * the reference reads them (push time, datum id, then replicate id): the values (and with `replicates` the
 * replicates, else NULL) as `json` for the statistics (JSON.parse is the cheapest way into numbers), and the
 * lists the answer shows as their final JSON text (the runs rounded half-even to 2 decimals: a datum's stored
 * `value_json` of migration 0010, a replicate's by {@link quantize2HalfEvenJsonSql}), so no JavaScript work
 * per data point is left but JSON.parse.
 *
 * One pass over the datums: `rep` reads the replicates of all the datums in one index scan (`= ANY` of their
 * ids, which PostgreSQL sorts and walks leaf by leaf: 650 buffers on medium, where a lookup per datum read
 * 21,000), each datum's replicates already joined into list pieces in replicate-id order; `lists` sorts the
 * datums once and builds all five lists from it, a datum without replicates standing for itself. `prefix`
 * names the CTEs of one side of a statement that reads both (`<prefix>d`, `<prefix>rep`, `<prefix>lists`).
 */
function listsCtes(from: string, replicates: boolean, prefix = ''): string {
  const order = 'd.push_timestamp, d.id';
  const [d, rep, lists] = [`${prefix}d`, `${prefix}rep`, `${prefix}lists`];
  return `${d} AS MATERIALIZED (
       SELECT d.id, d.signature_id, d.value, d.value_json, d.job_id, d.push_timestamp ${from}
     ), ${rep} AS (
       SELECT r.performance_datum_id AS id,
         ${replicates ? "string_agg(to_json(r.value)::text, ',' ORDER BY r.id)" : 'NULL::text'} AS values,
         string_agg(${quantize2HalfEvenJsonSql('r.value::text')}, ',' ORDER BY r.id) AS runs
       FROM performance_datum_replicate r
       WHERE r.performance_datum_id = ANY(ARRAY(SELECT d.id FROM ${d} d))
       GROUP BY r.performance_datum_id
     ), ${lists} AS (
       SELECT d.signature_id,
         json_agg(d.value ORDER BY ${order}) AS values,
         ${jsonArrayAgg("coalesce(d.job_id::text, 'null')", order)} AS job_ids,
         ${jsonArrayAgg('d.value_json', order)} AS runs,
         ${replicates ? `(${jsonArrayAgg('coalesce(rep.values, to_json(d.value)::text)', order)})::json` : 'NULL::json'} AS replicates,
         ${jsonArrayAgg('coalesce(rep.runs, d.value_json)', order)} AS runs_replicates
       FROM ${d} d LEFT JOIN ${rep} rep ON rep.id = d.id
       GROUP BY d.signature_id
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
  const { from, params } = sideData('$1::integer[]', '$2', selection, false, 3);
  const { rows } = await db.query(
    `WITH ${listsCtes(from, replicates)}
     SELECT signature_id, values::text, replicates::text, job_ids, runs, runs_replicates FROM lists`,
    [signatureIds, repositoryId, ...params],
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

/** One side of a Student-t comparison: which signatures, and which of their data points. */
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
  const side = (prefix: string, { filter, selection }: CompareSide) => {
    const signatures = signatureWhere(filter, values.length + 1);
    values.push(...signatures.params);
    const repository = `$${values.length - signatures.params.length + 1}`;
    const ids = `ARRAY(SELECT s.id FROM ${prefix}s s)`;
    const data = sideData(ids, repository, selection, false, values.length + 1);
    values.push(...data.params);
    return {
      ctes: `${prefix}s AS MATERIALIZED (${SIGNATURES_SELECT} WHERE ${signatures.where}),
       ${listsCtes(data.from, replicates, prefix)}`,
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

/**
 * For the answer memo: whether a signature of the repositories `repositoryIds` passed the edge of the
 * `updatedSince` window between the cutoffs `older` and `newer` (placeholders; {@link SIGNATURE_UPDATED_SINCE}).
 */
export function signaturesLeftWindowSql(
  repositoryIds: readonly number[],
  arg: AddArg,
  older: string,
  newer: string,
): string {
  return `EXISTS (SELECT 1 FROM performance_signature s WHERE s.repository_id = ANY(${arg(repositoryIds)}::integer[])
      AND ${leftSinceSql(SIGNATURE_UPDATED_SINCE, older, newer)})`;
}

/**
 * A window side's datum count from the counters of migration 0008 (ids, repository, after, before at
 * `$<first>`…): the whole UTC days strictly inside the window from `performance_datum_day_count`, the two
 * partial edge days counted exactly through the (repository_id, push_timestamp) index, each from the shorter
 * side of its edge by time (up to now: pushes are not in the future): the part inside the window, or the
 * day's counter less the part outside it (a window ending at the newest push leaves almost nothing of its
 * last day to read, where the part inside was up to a whole day's ingestion). Each part is one index range filtered by a hashed signature list (`signature_id + 0`
 * keeps the list a filter, not one index descent per signature). A window within one day is counted directly.
 */
function windowCount(first: number): string {
  const [ids, repo] = [`$${first}::integer[]`, `$${first + 1}`];
  const [after, before] = [`$${first + 2}::timestamptz`, `$${first + 3}::timestamptz`];
  const day = (t: string) => `performance_datum_day(${t})`;
  const dayStart = (t: string) => `to_timestamp(${day(t)} * 86400)`;
  const dayEnd = (t: string) => `to_timestamp((${day(t)} + 1) * 86400)`;
  // The time from t to the end of its day, but data past now are rare: a window ending at the newest push
  // has next to nothing after it, however early in the day that push came.
  const written = (t: string) => `least(${dayEnd(t)}, now()) - ${t}`;
  const datums = (cond: string) => `(SELECT count(*) FROM performance_datum d
           WHERE d.repository_id = ${repo} AND d.signature_id + 0 = ANY(${ids}) AND ${cond})`;
  const counters = (cond: string) => `(SELECT coalesce(sum(c.datums), 0) FROM performance_datum_day_count c
           WHERE c.repository_id = ${repo} AND c.signature_id + 0 = ANY(${ids}) AND ${cond})`;
  return `CASE WHEN ${day(before)} <= ${day(after)}
    THEN ${datums(`d.push_timestamp > ${after} AND d.push_timestamp < ${before}`)}
    ELSE ${counters(`c.day > ${day(after)} AND c.day < ${day(before)}`)}
      + CASE WHEN ${after} - ${dayStart(after)} >= ${written(after)}
          THEN ${datums(`d.push_timestamp > ${after} AND d.push_timestamp < ${dayEnd(after)}`)}
          ELSE ${counters(`c.day = ${day(after)}`)}
            - ${datums(`d.push_timestamp >= ${dayStart(after)} AND d.push_timestamp <= ${after}`)} END
      + CASE WHEN ${before} - ${dayStart(before)} <= ${written(before)}
          THEN ${datums(`d.push_timestamp >= ${dayStart(before)} AND d.push_timestamp < ${before}`)}
          ELSE ${counters(`c.day = ${day(before)}`)}
            - ${datums(`d.push_timestamp >= ${before} AND d.push_timestamp < ${dayEnd(before)}`)} END
    END`;
}

/** One side of a comparison's data points: its repository, signatures and selection. */
export interface DataSide {
  readonly repositoryId: number;
  readonly signatureIds: readonly number[];
  readonly selection: DataSelection;
}

/** The count expression of one side and its parameters from `$<first>` (0 without signatures). */
function sideCount(side: DataSide, replicates: boolean, first: number): { sql: string; params: unknown[] } {
  if (side.signatureIds.length === 0) return { sql: '0', params: [] };
  const { selection } = side;
  if (!replicates && 'after' in selection) {
    return {
      sql: windowCount(first),
      params: [side.signatureIds, side.repositoryId, selection.after, selection.before],
    };
  }
  const { from, params } = sideData(
    `$${first}::integer[]`,
    `$${first + 1}`,
    selection,
    replicates,
    first + 2,
  );
  return { sql: `(SELECT count(*) ${from})`, params: [side.signatureIds, side.repositoryId, ...params] };
}

/**
 * How many statistics each side's {@link loadGroupedData} would yield: its datums, or with `replicates` its
 * datum ⋈ replicate rows. Both sides in one statement, counted in PostgreSQL, so a Mann-Whitney cache lookup
 * (whose key holds the total) reads no data points; a window's datums are summed from the per-day counters
 * (migration 0008).
 */
export async function countDataPoints(
  db: Queryable,
  sides: readonly [DataSide, DataSide],
  replicates: boolean,
): Promise<[number, number]> {
  const base = sideCount(sides[0], replicates, 1);
  const next = sideCount(sides[1], replicates, 1 + base.params.length);
  const { rows } = await db.query(`SELECT (${base.sql})::bigint AS base, (${next.sql})::bigint AS next`, [
    ...base.params,
    ...next.params,
  ]);
  return [Number(rows[0].base), Number(rows[0].next)];
}
