import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Random } from '../generators/random.ts';
import { IngestOptionsError, IngestReplicaError } from './ingest-errors.ts';
import { IngestPlanner } from './ingest-planner.ts';
import { loadIngestWorld } from './ingest-world.ts';
import { writeBatch } from './write-batch.ts';

/** Longest run accepted: the worker is a bounded load generator, not a daemon. */
export const MAX_INGEST_DURATION_MS = 3_600_000;
/** Highest rate accepted, datums per second. */
export const MAX_INGEST_RATE = 100_000;

/** Options of {@link runIngest}. */
export interface IngestOptions {
  /** Target datums per second. */
  readonly ratePerSecond: number;
  /** How long to write, at most {@link MAX_INGEST_DURATION_MS}. */
  readonly durationMs: number;
  /** PRNG seed; mixed with the database's highest push id, so a rerun never repeats a revision. */
  readonly seed: number;
  /** Time between batches (default 100 ms). */
  readonly tickMillis?: number;
  /** Time between progress reports (default 1000 ms). */
  readonly progressIntervalMillis?: number;
  /** Called about once per `progressIntervalMillis`, and once at the end. */
  readonly onProgress?: (progress: IngestProgress) => void;
  /** Stops the run early (Ctrl-C); the result counts what was committed. */
  readonly signal?: AbortSignal;
}

/** One standby as the primary sees it in `pg_stat_replication`. */
export interface ReplicaLag {
  readonly name: string;
  readonly state: string;
  /** WAL the standby has yet to replay. */
  readonly lagBytes: number | null;
  /** `replay_lag`: null once the standby has caught up and nothing new is flowing. */
  readonly lagMillis: number | null;
}

/** Where a run is. */
export interface IngestProgress {
  readonly elapsedMs: number;
  readonly pushes: number;
  readonly jobs: number;
  readonly datums: number;
  /** Datums per second since the start. */
  readonly achievedRate: number;
  /** WAL the primary generated per second over the last interval (every writer, not only this one). */
  readonly walBytesPerSecond: number;
  /** Empty when the role cannot see `pg_stat_replication` or there are no standbys. */
  readonly replicas: readonly ReplicaLag[];
}

/** What a run wrote. */
export interface IngestResult {
  readonly pushes: number;
  readonly jobs: number;
  readonly datums: number;
  /** Signature `last_updated` bumps. */
  readonly signatureUpdates: number;
  readonly elapsedMs: number;
  readonly achievedRate: number;
  /** WAL the primary generated during the run. */
  readonly walBytes: number;
  readonly aborted: boolean;
}

interface WalSample {
  readonly lsn: string;
  readonly at: number;
}

async function sampleWal(client: pg.ClientBase): Promise<WalSample> {
  const row = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  return { lsn: row.rows[0]?.lsn ?? '0/0', at: performance.now() };
}

async function walSince(client: pg.ClientBase, from: WalSample): Promise<number> {
  const row = await client.query<{ bytes: string }>(
    'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint AS bytes',
    [from.lsn],
  );
  return Number(row.rows[0]?.bytes ?? 0);
}

async function replicaLag(client: pg.ClientBase): Promise<ReplicaLag[]> {
  const rows = await client.query<{
    name: string;
    state: string;
    lag_bytes: string | null;
    lag_ms: number | null;
  }>(
    `SELECT application_name AS name, state,
            pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS lag_bytes,
            (extract(epoch FROM replay_lag) * 1000)::float8 AS lag_ms
     FROM pg_stat_replication ORDER BY application_name`,
  );
  return rows.rows.map((r) => ({
    name: r.name,
    state: r.state,
    lagBytes: r.lag_bytes === null ? null : Number(r.lag_bytes),
    lagMillis: r.lag_ms,
  }));
}

function checkOptions(options: IngestOptions): void {
  const { ratePerSecond: rate, durationMs } = options;
  if (!Number.isFinite(rate) || rate <= 0 || rate > MAX_INGEST_RATE) {
    throw new IngestOptionsError(`rate must be a number of datums per second in (0, ${MAX_INGEST_RATE}]`);
  }
  if (!Number.isFinite(durationMs) || durationMs <= 0 || durationMs > MAX_INGEST_DURATION_MS) {
    throw new IngestOptionsError(`duration must be in (0, ${MAX_INGEST_DURATION_MS / 1000}] seconds`);
  }
}

/**
 * Writes new pushes, jobs (with Taskcluster metadata) and datums into a seeded Perfherder database at a
 * steady rate, the way Perfherder's ingestion loads the primary, and bumps `last_updated` of the
 * signatures written. Every tick (100 ms by default) writes what the rate owes so far in one transaction
 * of multi-row inserts. Refuses a replica (`PH_ERR_INGEST_REPLICA`) and an unseeded database
 * (`PH_ERR_INGEST_NO_DATA`). Stops after `durationMs` or when `signal` aborts.
 *
 * @example
 * const result = await runIngest(primaryUrl, { ratePerSecond: 500, durationMs: 10_000, seed: 1 });
 * result.datums; // about 5000
 */
export async function runIngest(connectionString: string, options: IngestOptions): Promise<IngestResult> {
  checkOptions(options);
  const tickMillis = options.tickMillis ?? 100;
  const progressMillis = options.progressIntervalMillis ?? 1000;
  const client = new pg.Client({ connectionString, application_name: 'perfherder-ingest' });
  await client.connect();
  try {
    const recovery = await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
    if (recovery.rows[0]?.r) throw new IngestReplicaError();
    const world = await loadIngestWorld(client);
    const random = new Random((options.seed ^ Math.imul(world.maxPushId + 1, 0x9e3779b1)) | 0);
    const planner = new IngestPlanner(world, random);

    const totals = { pushes: 0, jobs: 0, datums: 0, signatures: 0 };
    const firstWal = await sampleWal(client);
    let lastWal = firstWal;
    const started = performance.now();
    let nextProgress = started + progressMillis;
    const progress = async (now: number): Promise<void> => {
      if (!options.onProgress) return;
      const wal = await sampleWal(client);
      const bytes = await walSince(client, lastWal);
      const seconds = Math.max(0.001, (wal.at - lastWal.at) / 1000);
      lastWal = wal;
      const elapsedMs = now - started;
      options.onProgress({
        elapsedMs,
        pushes: totals.pushes,
        jobs: totals.jobs,
        datums: totals.datums,
        achievedRate: totals.datums / Math.max(0.001, elapsedMs / 1000),
        walBytesPerSecond: bytes / seconds,
        replicas: await replicaLag(client),
      });
    };

    let aborted = false;
    for (let tick = 1; ; tick++) {
      const dueAt = started + tick * tickMillis;
      const wait = dueAt - performance.now();
      if (wait > 0) {
        try {
          await sleep(wait, undefined, options.signal ? { signal: options.signal } : {});
        } catch {
          aborted = true;
        }
      }
      if (options.signal?.aborted) aborted = true;
      if (aborted) break;
      const now = performance.now();
      const elapsed = Math.min(now - started, options.durationMs);
      // What the rate owes up to now, at most one second's worth at once after a stall.
      const owed = Math.min(
        Math.floor((options.ratePerSecond * elapsed) / 1000) - totals.datums,
        Math.ceil(options.ratePerSecond),
      );
      if (owed > 0) {
        const batch = planner.plan(owed, Math.floor(Date.now() / 1000));
        const written = await writeBatch(client, batch);
        totals.pushes += written.pushes;
        totals.jobs += written.jobs;
        totals.datums += written.datums;
        totals.signatures += written.signatures;
      }
      if (now - started >= options.durationMs) break;
      if (performance.now() >= nextProgress) {
        await progress(performance.now());
        nextProgress = performance.now() + progressMillis;
      }
    }
    const elapsedMs = performance.now() - started;
    await progress(performance.now());
    return {
      pushes: totals.pushes,
      jobs: totals.jobs,
      datums: totals.datums,
      signatureUpdates: totals.signatures,
      elapsedMs,
      achievedRate: totals.datums / Math.max(0.001, elapsedMs / 1000),
      walBytes: await walSince(client, firstWal),
      aborted,
    };
  } finally {
    await client.end().catch(() => {});
  }
}
