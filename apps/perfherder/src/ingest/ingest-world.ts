import type pg from 'pg';
import { IngestNoDataError } from './ingest-errors.ts';

/** The job columns a task copies from an earlier run of the same task. */
export interface JobTemplate {
  readonly jobTypeId: number;
  readonly jobGroupId: number;
  readonly machinePlatformId: number;
  readonly buildPlatformId: number;
  readonly optionCollectionHash: string;
  readonly tier: number;
  /** Machines seen running this platform's jobs (at least one). */
  readonly machineIds: readonly number[];
}

/** One series a task reports into, with where its values were last. */
export interface SeriesRef {
  readonly signatureId: number;
  /** The last value stored, the level new values are drawn around. */
  readonly level: number;
  readonly applicationVersion: string;
  readonly osName: string | null;
  readonly platformVersion: string | null;
}

/**
 * One test task: a top-level signature and its subtests, all written by one job per run, as a talos or
 * browsertime task writes its suite summary and subtests together.
 */
export interface TaskUnit {
  readonly repositoryId: number;
  readonly series: readonly SeriesRef[];
  /** The job to imitate; null when the database holds no jobs at all (datums then have no job). */
  readonly job: JobTemplate | null;
}

/** A repository receiving pushes, weighted by how many it already has. */
export interface RepositoryRef {
  readonly id: number;
  /** A try repository: its pushes end with a try_task_config commit. */
  readonly isTry: boolean;
  readonly weight: number;
  readonly units: readonly TaskUnit[];
}

/** What the worker writes into: only repositories with signatures. */
export interface IngestWorld {
  readonly repositories: readonly RepositoryRef[];
  /** Highest push id when the run started, mixed into the PRNG seed so runs never repeat revisions. */
  readonly maxPushId: number;
}

interface SignatureRow {
  id: number;
  repository_id: number;
  parent_signature_id: number | null;
  platform_id: number;
  option_collection_hash: string;
  value: number | null;
  job_id: string | null;
  application_version: string | null;
  os_name: string | null;
  platform_version: string | null;
}

interface JobRow {
  id: string;
  job_type_id: number;
  job_group_id: number;
  machine_platform_id: number;
  build_platform_id: number;
  option_collection_hash: string;
  tier: number;
}

// Each signature with its newest datum (one index probe per signature on (signature_id, push_timestamp)).
const SIGNATURES = `
  SELECT s.id, s.repository_id, s.parent_signature_id, s.platform_id, oc.option_collection_hash,
         last.value, last.job_id, last.application_version, last.os_name, last.platform_version
  FROM performance_signature s
  JOIN option_collection oc ON oc.id = s.option_collection_id
  LEFT JOIN LATERAL (
    SELECT d.value, d.job_id, d.application_version, d.os_name, d.platform_version
    FROM performance_datum d WHERE d.signature_id = s.id
    ORDER BY d.push_timestamp DESC LIMIT 1
  ) last ON true
  ORDER BY s.id`;

/**
 * Reads what the ingestion imitates: each repository's signatures grouped into tasks (a parent and its
 * subtests), the job each task last ran as (job type, group, platform, option hash, tier), the machines of
 * each platform and each series' last value. New jobs and datums reuse these, so the worker only adds
 * pushes, jobs, Taskcluster metadata and datums, never reference rows.
 */
export async function loadIngestWorld(client: pg.ClientBase): Promise<IngestWorld> {
  const signatures = (await client.query<SignatureRow>(SIGNATURES)).rows;
  if (signatures.length === 0) throw new IngestNoDataError();

  const jobIds = [...new Set(signatures.flatMap((s) => (s.job_id === null ? [] : [s.job_id])))];
  const jobs = new Map(
    (
      await client.query<JobRow>(
        `SELECT id, job_type_id, job_group_id, machine_platform_id, build_platform_id, option_collection_hash, tier
         FROM job WHERE id = ANY($1::bigint[])`,
        [jobIds],
      )
    ).rows.map((j) => [j.id, j]),
  );
  // A task whose last datums lost their job (expired) copies any job of the same platform, else any job.
  const anyJob = (
    await client.query<JobRow>(
      `SELECT DISTINCT ON (machine_platform_id) id, job_type_id, job_group_id, machine_platform_id,
              build_platform_id, option_collection_hash, tier
       FROM job ORDER BY machine_platform_id, id DESC`,
    )
  ).rows;
  const machines = new Map<number, number[]>(
    (
      await client.query<{ machine_platform_id: number; machine_ids: number[] }>(
        `SELECT machine_platform_id, array_agg(DISTINCT machine_id ORDER BY machine_id) AS machine_ids
         FROM job GROUP BY machine_platform_id`,
      )
    ).rows.map((r) => [r.machine_platform_id, r.machine_ids]),
  );
  const template = (row: JobRow): JobTemplate => ({
    jobTypeId: row.job_type_id,
    jobGroupId: row.job_group_id,
    machinePlatformId: row.machine_platform_id,
    buildPlatformId: row.build_platform_id,
    optionCollectionHash: row.option_collection_hash,
    tier: row.tier,
    machineIds: machines.get(row.machine_platform_id) ?? [],
  });

  const byUnit = new Map<number, SignatureRow[]>();
  for (const s of signatures) {
    const key = s.parent_signature_id ?? s.id;
    const group = byUnit.get(key);
    if (group) group.push(s);
    else byUnit.set(key, [s]);
  }
  const units = new Map<number, TaskUnit[]>();
  for (const rows of byUnit.values()) {
    const head = rows[0] as SignatureRow;
    const own = rows.map((r) => (r.job_id === null ? undefined : jobs.get(r.job_id))).find((j) => j);
    const fallback = anyJob.find((j) => j.machine_platform_id === head.platform_id) ?? anyJob[0];
    const jobRow = own ?? fallback;
    const unit: TaskUnit = {
      repositoryId: head.repository_id,
      series: rows.map((r) => ({
        signatureId: r.id,
        level: r.value ?? 100,
        applicationVersion: r.application_version ?? '',
        osName: r.os_name,
        platformVersion: r.platform_version,
      })),
      job: jobRow && (machines.get(jobRow.machine_platform_id)?.length ?? 0) > 0 ? template(jobRow) : null,
    };
    const repoUnits = units.get(head.repository_id);
    if (repoUnits) repoUnits.push(unit);
    else units.set(head.repository_id, [unit]);
  }

  const pushes = await client.query<{ repository_id: number; pushes: string }>(
    'SELECT repository_id, count(*) AS pushes FROM push GROUP BY repository_id',
  );
  const weights = new Map(pushes.rows.map((r) => [r.repository_id, Number(r.pushes)]));
  const tryRepos = new Set(
    (await client.query<{ id: number }>('SELECT id FROM repository WHERE is_try_repo')).rows.map((r) => r.id),
  );
  const maxPushId = await client.query<{ max: number | null }>('SELECT max(id) AS max FROM push');
  return {
    repositories: [...units].map(([id, repoUnits]) => ({
      id,
      isTry: tryRepos.has(id),
      weight: Math.max(1, weights.get(id) ?? 0),
      units: repoUnits,
    })),
    maxPushId: maxPushId.rows[0]?.max ?? 0,
  };
}
