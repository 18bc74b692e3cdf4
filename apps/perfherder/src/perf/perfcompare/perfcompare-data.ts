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

/** The signatures of one side (spec §3.12 "Signatures"), with their platform and option names. */
export async function loadSignatures(db: Queryable, filter: SignatureFilter): Promise<CompareSignature[]> {
  const { rows } = await db.query(
    `SELECT s.id, s.framework_id, s.lower_is_better, s.has_subtests, s.extra_options, s.suite, s.test,
            s.signature_hash, mp.platform, s.option_collection_id, o.name AS option_name,
            s.parent_signature_id, s.repository_id, s.measurement_unit, s.application
       FROM performance_signature s
       JOIN machine_platform mp ON mp.id = s.platform_id
       JOIN option_collection oc ON oc.id = s.option_collection_id
       JOIN option o ON o.id = oc.option_id
      WHERE s.repository_id = $1
        AND (s.parent_signature_id IS NULL) = $2
        AND ($3::integer IS NULL OR s.framework_id = $3)
        AND ($4::integer IS NULL OR s.parent_signature_id = $4)
        AND ($5::timestamptz IS NULL OR s.last_updated >= $5)
      ORDER BY s.id`,
    [filter.repositoryId, filter.noSubtests, filter.framework, filter.parentSignature, filter.updatedSince],
  );
  return rows as CompareSignature[];
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
): { readonly from: string; readonly params: unknown[] } {
  const byRevision = 'revision' in selection;
  return {
    from: `FROM performance_datum d
       ${byRevision ? 'JOIN push p ON p.id = d.push_id' : ''}
       ${replicates ? 'LEFT JOIN performance_datum_replicate r ON r.performance_datum_id = d.id' : ''}
      WHERE d.signature_id = ANY($1::integer[]) AND d.repository_id = $2
        AND ${byRevision ? 'p.revision = $3' : 'd.push_timestamp > $3 AND d.push_timestamp < $4'}`,
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
 * A window side's datum count from the counters of migration 0008: the whole UTC days strictly inside the
 * window from `performance_datum_day_count`, the two partial edge days counted exactly through the
 * (repository_id, push_timestamp) index. Each part is one index range filtered by a hashed signature list
 * (`signature_id + 0` keeps the list a filter, not one index descent per signature).
 */
const WINDOW_COUNT = `
  SELECT (SELECT coalesce(sum(c.datums), 0) FROM performance_datum_day_count c
           WHERE c.repository_id = $2 AND c.signature_id + 0 = ANY($1)
             AND c.day > performance_datum_day($3) AND c.day < performance_datum_day($4))
       + (SELECT count(*) FROM performance_datum d
           WHERE d.repository_id = $2 AND d.signature_id + 0 = ANY($1) AND d.push_timestamp > $3
             AND d.push_timestamp < least($4, to_timestamp((performance_datum_day($3) + 1) * 86400)))
       + (SELECT count(*) FROM performance_datum d
           WHERE d.repository_id = $2 AND d.signature_id + 0 = ANY($1)
             AND performance_datum_day($4) > performance_datum_day($3)
             AND d.push_timestamp >= to_timestamp(performance_datum_day($4) * 86400) AND d.push_timestamp < $4)
         AS n`;

/**
 * How many statistics one side's {@link loadGroupedData} would yield: its datums, or with `replicates` its
 * datum ⋈ replicate rows. Counted in PostgreSQL, so a Mann-Whitney cache lookup (whose key holds the total)
 * reads no data points; a window's datums are summed from the per-day counters (migration 0008).
 */
export async function countDataPoints(
  db: Queryable,
  repositoryId: number,
  signatureIds: readonly number[],
  selection: DataSelection,
  replicates: boolean,
): Promise<number> {
  if (signatureIds.length === 0) return 0;
  if (!replicates && 'after' in selection) {
    const { rows } = await db.query(WINDOW_COUNT, [
      signatureIds,
      repositoryId,
      selection.after,
      selection.before,
    ]);
    return Number(rows[0]?.n ?? 0);
  }
  const { from, params } = sideData(repositoryId, signatureIds, selection, replicates);
  const { rows } = await db.query(`SELECT count(*)::bigint AS n ${from}`, params);
  return Number(rows[0]?.n ?? 0);
}
