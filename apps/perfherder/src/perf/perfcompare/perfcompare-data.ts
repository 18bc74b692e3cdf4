import type { Queryable } from '../../db/queryable.ts';

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

/** One side's data grouped per signature id (spec §3.12 "Data per side"). */
export interface GroupedData {
  /** Datum values per signature. */
  readonly values: Map<number, number[]>;
  /** Job ids parallel to `values`. */
  readonly jobIds: Map<number, (number | null)[]>;
  /** One entry per datum ⋈ replicate row: the replicate value, else the datum value. */
  readonly replicates: Map<number, number[]>;
}

export interface SignatureFilter {
  readonly repositoryId: number;
  readonly noSubtests: boolean;
  readonly framework: number | null;
  readonly parentSignature: string | null;
  /** Only signatures updated at or after this instant (from `interval`). */
  readonly updatedSince: Date | null;
}

/** The WHERE of one side's signatures (spec §3.12 "Signatures") over `s`, its parameters from `$<first>`. */
function signatureWhere(
  filter: SignatureFilter,
  first: number,
): { readonly where: string; readonly params: unknown[] } {
  const [repo, noSubtests, framework, parent, since] = [0, 1, 2, 3, 4].map((i) => `$${first + i}`);
  return {
    where: `s.repository_id = ${repo}
        AND (s.parent_signature_id IS NULL) = ${noSubtests}
        AND (${framework}::integer IS NULL OR s.framework_id = ${framework})
        AND (${parent}::integer IS NULL OR s.parent_signature_id = ${parent})
        AND (${since}::timestamptz IS NULL OR s.last_updated >= ${since})`,
    params: [
      filter.repositoryId,
      filter.noSubtests,
      filter.framework,
      filter.parentSignature,
      filter.updatedSince,
    ],
  };
}

/** The signatures of one side (spec §3.12 "Signatures"), with their platform and option names. */
export async function loadSignatures(db: Queryable, filter: SignatureFilter): Promise<CompareSignature[]> {
  const { where, params } = signatureWhere(filter, 1);
  const { rows } = await db.query(
    `SELECT s.id, s.framework_id, s.lower_is_better, s.has_subtests, s.extra_options, s.suite, s.test,
            s.signature_hash, mp.platform, s.option_collection_id, o.name AS option_name,
            s.parent_signature_id, s.repository_id, s.measurement_unit, s.application
       FROM performance_signature s
       JOIN machine_platform mp ON mp.id = s.platform_id
       JOIN option_collection oc ON oc.id = s.option_collection_id
       JOIN option o ON o.id = oc.option_id
      WHERE ${where}
      ORDER BY s.id`,
    params,
  );
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
  const n = signatureWhere(next, 6);
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
 * The FROM and WHERE of one side's data points, and its parameters: `d` the datums of the signatures, with
 * `replicates` `r` their replicates (LEFT JOIN, so a datum without replicates keeps one row). The push is
 * joined only to select by revision (`push_id` is NOT NULL with a foreign key, so the join never drops a row).
 */
function sideData(
  repositoryId: number,
  signatureIds: readonly number[],
  selection: DataSelection,
  replicates: boolean,
  first = 1,
): { readonly from: string; readonly params: unknown[] } {
  const byRevision = 'revision' in selection;
  const [ids, repo, a, b] = [0, 1, 2, 3].map((i) => `$${first + i}`);
  return {
    from: `FROM performance_datum d
       ${byRevision ? 'JOIN push p ON p.id = d.push_id' : ''}
       ${replicates ? 'LEFT JOIN performance_datum_replicate r ON r.performance_datum_id = d.id' : ''}
      WHERE d.signature_id = ANY(${ids}::integer[]) AND d.repository_id = ${repo}
        AND ${byRevision ? `p.revision = ${a}` : `d.push_timestamp > ${a} AND d.push_timestamp < ${b}`}`,
    params: byRevision
      ? [signatureIds, repositoryId, selection.revision]
      : [signatureIds, repositoryId, selection.after, selection.before],
  };
}

/**
 * Loads and groups one side's data points (datum values, job ids, replicates): one row per signature, its
 * three lists aggregated in PostgreSQL as JSON text in the order the reference reads them (push time, datum
 * id, then replicate id), so no JavaScript work per data point is left but JSON.parse.
 */
export async function loadGroupedData(
  db: Queryable,
  repositoryId: number,
  signatureIds: readonly number[],
  selection: DataSelection,
): Promise<GroupedData> {
  const grouped: GroupedData = { values: new Map(), jobIds: new Map(), replicates: new Map() };
  if (signatureIds.length === 0) return grouped;
  const { from, params } = sideData(repositoryId, signatureIds, selection, false);
  const { rows } = await db.query(
    `WITH d AS MATERIALIZED (SELECT d.id, d.signature_id, d.value, d.job_id, d.push_timestamp ${from})
     SELECT v.signature_id, v.values, v.job_ids, r.replicates
     FROM (SELECT d.signature_id,
             json_agg(d.value ORDER BY d.push_timestamp, d.id)::text AS values,
             json_agg(d.job_id ORDER BY d.push_timestamp, d.id)::text AS job_ids
           FROM d GROUP BY d.signature_id) v
     JOIN (SELECT d.signature_id,
             json_agg(coalesce(r.value, d.value) ORDER BY d.push_timestamp, d.id, r.id)::text AS replicates
           FROM d LEFT JOIN performance_datum_replicate r ON r.performance_datum_id = d.id
           GROUP BY d.signature_id) r ON r.signature_id = v.signature_id`,
    params,
  );
  for (const row of rows as { signature_id: number; values: string; job_ids: string; replicates: string }[]) {
    grouped.values.set(row.signature_id, JSON.parse(row.values));
    grouped.jobIds.set(row.signature_id, JSON.parse(row.job_ids));
    grouped.replicates.set(row.signature_id, JSON.parse(row.replicates));
  }
  return grouped;
}

/**
 * A window side's datum count from the counters of migration 0008 (ids, repository, after, before at
 * `$<first>`…): the whole UTC days strictly inside the window from `performance_datum_day_count`, the two
 * partial edge days counted exactly through the (repository_id, push_timestamp) index. Each part is one index
 * range filtered by a hashed signature list (`signature_id + 0` keeps the list a filter, not one index
 * descent per signature).
 */
function windowCount(first: number): string {
  const [ids, repo, after, before] = [0, 1, 2, 3].map((i) => `$${first + i}`);
  return `(SELECT coalesce(sum(c.datums), 0) FROM performance_datum_day_count c
           WHERE c.repository_id = ${repo} AND c.signature_id + 0 = ANY(${ids}::integer[])
             AND c.day > performance_datum_day(${after}) AND c.day < performance_datum_day(${before}))
       + (SELECT count(*) FROM performance_datum d
           WHERE d.repository_id = ${repo} AND d.signature_id + 0 = ANY(${ids}::integer[])
             AND d.push_timestamp > ${after}
             AND d.push_timestamp < least(${before}, to_timestamp((performance_datum_day(${after}) + 1) * 86400)))
       + (SELECT count(*) FROM performance_datum d
           WHERE d.repository_id = ${repo} AND d.signature_id + 0 = ANY(${ids}::integer[])
             AND performance_datum_day(${before}) > performance_datum_day(${after})
             AND d.push_timestamp >= to_timestamp(performance_datum_day(${before}) * 86400)
             AND d.push_timestamp < ${before})`;
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
  const { from, params } = sideData(side.repositoryId, side.signatureIds, selection, replicates, first);
  return { sql: `(SELECT count(*) ${from})`, params };
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
