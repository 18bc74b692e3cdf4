import type { Queryable } from '../../db/queryable.ts';
import { type AddArg, addArgTo } from '../../http/answer-memo.ts';
import {
  type CompareSide,
  type DataSelection,
  SNAPSHOT,
  sideData,
  signatureWhere,
} from './perfcompare-data.ts';

// How many statistics each side of a comparison yields, counted in PostgreSQL: the Mann-Whitney cache key's
// data-point total (mwu-cache.ts), read without reading the data points.

/**
 * A window side's datum count from the counters of migration 0008 (`inIds` the signatures' condition on a
 * column; repository, after and before placeholders): the whole UTC days strictly inside the window from `performance_datum_day_count`, the two
 * partial edge days counted exactly through the (repository_id, push_timestamp) index, each from the shorter
 * side of its edge by time (up to now: pushes are not in the future): the part inside the window, or the
 * day's counter less the part outside it (a window ending at the newest push leaves almost nothing of its
 * last day to read, where the part inside was up to a whole day's ingestion). Each part is one index range filtered by a hashed signature list (`signature_id + 0`
 * keeps the list a filter, not one index descent per signature). A window within one day is counted directly.
 */
function windowCount(
  inIds: (column: string) => string,
  repo: string,
  afterArg: string,
  beforeArg: string,
): string {
  const [after, before] = [`${afterArg}::timestamptz`, `${beforeArg}::timestamptz`];
  const day = (t: string) => `performance_datum_day(${t})`;
  const dayStart = (t: string) => `to_timestamp(${day(t)} * 86400)`;
  const dayEnd = (t: string) => `to_timestamp((${day(t)} + 1) * 86400)`;
  // The time from t to the end of its day, but data past now are rare: a window ending at the newest push
  // has next to nothing after it, however early in the day that push came.
  const written = (t: string) => `least(${dayEnd(t)}, now()) - ${t}`;
  const datums = (cond: string) => `(SELECT count(*) FROM performance_datum d
           WHERE d.repository_id = ${repo} AND ${inIds('d.signature_id + 0')} AND ${cond})`;
  const counters = (cond: string) => `(SELECT coalesce(sum(c.datums), 0) FROM performance_datum_day_count c
           WHERE c.repository_id = ${repo} AND ${inIds('c.signature_id + 0')} AND ${cond})`;
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

/**
 * The count expression of one side (see {@link countDataPoints}), its values added with `arg`: `inIds` the
 * condition that a column is one of the side's signature ids. It is given `d.signature_id + 0`, so that the
 * ids filter the rows of the other indexes (the window's, or the push's datums), hashed, instead of one
 * index descent per signature (or, with ids the planner cannot see, a scan of all their datums).
 */
function sideCount(
  side: { readonly repositoryId: number; readonly selection: DataSelection },
  inIds: (column: string) => string,
  replicates: boolean,
  arg: AddArg,
): string {
  const { selection } = side;
  const repo = arg(side.repositoryId);
  if (!replicates && 'after' in selection) {
    return windowCount(inIds, repo, arg(selection.after), arg(selection.before));
  }
  return `(SELECT count(*) ${sideData(inIds('d.signature_id + 0'), repo, selection, replicates, arg)})`;
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
): Promise<{ readonly counts: [number, number]; readonly snapshot: string }> {
  const values: unknown[] = [];
  const arg = addArgTo(values);
  const count = (side: DataSide) => {
    if (side.signatureIds.length === 0) return '0';
    const ids = `${arg(side.signatureIds)}::integer[]`;
    return sideCount(side, (column) => `${column} = ANY(${ids})`, replicates, arg);
  };
  const { rows } = await db.query(
    `SELECT (${count(sides[0])})::bigint AS base, (${count(sides[1])})::bigint AS next, ${SNAPSHOT} AS snapshot`,
    values,
  );
  return { counts: [Number(rows[0].base), Number(rows[0].next)], snapshot: rows[0].snapshot };
}

/**
 * The CTEs `base_ids` and `new_ids` (each side's signature ids: those of {@link loadSignatures}, whose joined
 * platform and option are NOT NULL foreign keys) and `side_counts` (one row: `base` and `next`, as
 * {@link countDataPoints} counts them), values added with `arg`: the ids and their counts in one statement, the
 * ids never leaving the server (a Mann-Whitney cache key hashes them there). The ids are a hashed semi-join
 * of the counts' index ranges, as the array of {@link countDataPoints} is a hashed filter.
 */
export function idsAndCountsCtes(
  sides: readonly [CompareSide, CompareSide],
  replicates: boolean,
  arg: AddArg,
): string {
  const [base, next] = sides.map((side, i) => {
    const name = i === 0 ? 'base_ids' : 'new_ids';
    const ids = `${name} AS MATERIALIZED (SELECT s.id FROM performance_signature s
      WHERE ${signatureWhere(side.filter, arg)})`;
    const count = sideCount(
      { repositoryId: side.filter.repositoryId, selection: side.selection },
      (column) => `${column} IN (SELECT id FROM ${name})`,
      replicates,
      arg,
    );
    return { ids, count };
  }) as [{ ids: string; count: string }, { ids: string; count: string }];
  return `${base.ids}, ${next.ids},
    side_counts AS (SELECT (${base.count})::bigint AS base, (${next.count})::bigint AS next)`;
}
