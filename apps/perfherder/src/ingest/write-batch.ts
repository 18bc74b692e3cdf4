import type pg from 'pg';
import type { PlannedBatch } from './ingest-planner.ts';

/** Rows one batch wrote. */
export interface BatchCounts {
  readonly pushes: number;
  readonly jobs: number;
  readonly datums: number;
  /** Signatures whose `last_updated` moved. */
  readonly signatures: number;
}

// Every statement takes whole columns as arrays: one multi-row INSERT per table per tick, and a fixed
// statement text (one pg_stat_statements entry each, however many rows).
const INSERT_PUSHES = `
  INSERT INTO push (repository_id, revision, author, time)
  SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::timestamptz[])
  RETURNING id, repository_id, revision`;

const INSERT_COMMITS = `
  INSERT INTO commit (push_id, revision, author, comments)
  SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[])`;

const INSERT_JOBS = `
  INSERT INTO job (repository_id, guid, push_id, job_type_id, job_group_id, machine_id, machine_platform_id,
                   build_platform_id, option_collection_hash, result, state, reason, who, tier,
                   submit_time, start_time, end_time, last_modified)
  SELECT r, g, p, jt, jg, m, mp, bp, oc, res, 'completed', 'scheduled', 'taskcluster', t, st, st2, et, now()
  FROM unnest($1::int[], $2::text[], $3::int[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[],
              $9::text[], $10::text[], $11::int[], $12::timestamptz[], $13::timestamptz[], $14::timestamptz[])
       AS u(r, g, p, jt, jg, m, mp, bp, oc, res, t, st, st2, et)
  RETURNING id, guid`;

const INSERT_TASKCLUSTER = `
  INSERT INTO taskcluster_metadata (job_id, task_id, retry_id)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[])`;

const INSERT_DATUMS = `
  INSERT INTO performance_datum (repository_id, signature_id, value, push_timestamp, application_version,
                                 job_id, push_id, os_name, platform_version)
  SELECT * FROM unnest($1::int[], $2::int[], $3::float8[], $4::timestamptz[], $5::text[], $6::bigint[],
                       $7::int[], $8::text[], $9::text[])`;

// The reference's datum save hook: last_updated = push_timestamp when it is newer.
const BUMP_SIGNATURES = `
  UPDATE performance_signature s SET last_updated = v.ts
  FROM unnest($1::int[], $2::timestamptz[]) AS v(id, ts)
  WHERE s.id = v.id AND s.last_updated < v.ts`;

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/**
 * Writes one planned batch in one transaction on the primary: its new pushes with their commits, then one job with
 * Taskcluster metadata per run, the runs' datums and the `last_updated` bump of their signatures.
 */
export async function writeBatch(client: pg.ClientBase, batch: PlannedBatch): Promise<BatchCounts> {
  if (batch.runs.length === 0) return { pushes: 0, jobs: 0, datums: 0, signatures: 0 };
  await client.query('BEGIN');
  try {
    if (batch.newPushes.length > 0) {
      const inserted = await client.query<{ id: number; repository_id: number; revision: string }>(
        INSERT_PUSHES,
        [
          batch.newPushes.map((p) => p.repositoryId),
          batch.newPushes.map((p) => p.revision),
          batch.newPushes.map((p) => p.author),
          batch.newPushes.map((p) => iso(p.time)),
        ],
      );
      const ids = new Map(inserted.rows.map((r) => [`${r.repository_id}:${r.revision}`, r.id]));
      for (const p of batch.newPushes) p.id = ids.get(`${p.repositoryId}:${p.revision}`) ?? null;
      const commits = batch.newPushes.flatMap((p) => p.commits.map((c) => ({ pushId: p.id, ...c })));
      await client.query(INSERT_COMMITS, [
        commits.map((c) => c.pushId),
        commits.map((c) => c.revision),
        commits.map((c) => c.author),
        commits.map((c) => c.comments),
      ]);
    }

    const withJob = batch.runs.filter((r) => r.job && r.unit.job);
    const jobIds = new Map<string, string>();
    if (withJob.length > 0) {
      const col = <T>(f: (run: (typeof withJob)[number]) => T) => withJob.map(f);
      const inserted = await client.query<{ id: string; guid: string }>(INSERT_JOBS, [
        col((r) => r.push.repositoryId),
        col((r) => r.job?.guid),
        col((r) => r.push.id),
        col((r) => r.unit.job?.jobTypeId),
        col((r) => r.unit.job?.jobGroupId),
        col((r) => r.job?.machineId),
        col((r) => r.unit.job?.machinePlatformId),
        col((r) => r.unit.job?.buildPlatformId),
        col((r) => r.unit.job?.optionCollectionHash),
        col((r) => r.job?.result),
        col((r) => r.unit.job?.tier),
        col((r) => iso(r.job?.submitTime ?? 0)),
        col((r) => iso(r.job?.startTime ?? 0)),
        col((r) => iso(r.job?.endTime ?? 0)),
      ]);
      for (const row of inserted.rows) jobIds.set(row.guid, row.id);
      await client.query(INSERT_TASKCLUSTER, [
        col((r) => jobIds.get(r.job?.guid ?? '')),
        col((r) => r.job?.taskId),
        col((r) => r.job?.retryId),
      ]);
    }

    const datums = batch.runs.flatMap((run) =>
      run.values.map((v) => ({ run, series: v.series, value: v.value })),
    );
    await client.query(INSERT_DATUMS, [
      datums.map((d) => d.run.push.repositoryId),
      datums.map((d) => d.series.signatureId),
      datums.map((d) => d.value),
      datums.map((d) => iso(d.run.push.time)),
      datums.map((d) => d.series.applicationVersion),
      datums.map((d) => (d.run.job ? (jobIds.get(d.run.job.guid) ?? null) : null)),
      datums.map((d) => d.run.push.id),
      datums.map((d) => d.series.osName),
      datums.map((d) => d.series.platformVersion),
    ]);

    const newest = new Map<number, number>();
    for (const d of datums) {
      newest.set(d.series.signatureId, Math.max(newest.get(d.series.signatureId) ?? 0, d.run.push.time));
    }
    const bumped = await client.query(BUMP_SIGNATURES, [[...newest.keys()], [...newest.values()].map(iso)]);
    await client.query('COMMIT');
    return {
      pushes: batch.newPushes.length,
      jobs: withJob.length,
      datums: datums.length,
      signatures: bumped.rowCount ?? 0,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
