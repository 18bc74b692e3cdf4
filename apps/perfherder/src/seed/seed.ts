import pg from 'pg';
import { createUser } from '../auth/create-user.ts';
import { SeedNotEmptyError, SeedReplicaError } from '../db/errors.ts';
import { syncIdentitySequences } from '../db/sync-identity-sequences.ts';
import { BulkWriter } from './bulk-writer.ts';
import { planAlerts } from './plan-alerts.ts';
import { Random } from './random.ts';
import { buildPushes } from './seed-pushes.ts';
import { buildResults } from './seed-results.ts';
import { buildSeries } from './seed-series.ts';
import { SEED_SIZES, type SeedSize } from './seed-size.ts';
import { SEED_TABLES } from './seed-tables.ts';
import { buildWorld } from './seed-world.ts';
import { writeAlerts } from './write-alerts.ts';

/** Where a seed run is. */
export interface SeedProgress {
  readonly phase: 'results' | 'alerts' | 'finishing' | 'done';
  readonly pushesDone: number;
  readonly pushesTotal: number;
  /** Rows generated so far, over all tables. */
  readonly rows: number;
}

/** Options of {@link seed}. */
export interface SeedOptions {
  readonly size: SeedSize;
  /** PRNG seed: the same seed, size and end time give the same data. */
  readonly seed: number;
  /** Time of the newest push (default: now, rounded down to the hour). */
  readonly endTime?: Date;
  /** Called after every push and at each phase change. */
  readonly onProgress?: (progress: SeedProgress) => void;
}

/** Rows inserted per table. */
export type SeedCounts = Readonly<Record<string, number>>;

const EMPTY_CHECK = ['auth_user', ...Object.keys(SEED_TABLES)];

/**
 * Fills an empty, migrated Perfherder database with realistic, deterministic data: the five repositories,
 * platforms, jobs with Taskcluster metadata, signatures with subtests, six months of pushes, noisy
 * series with step changes, replicates, alert summaries in every status 0-9 with alerts in every status
 * 0-5, tags, bug templates, backfill reports, a staff user `perf-sheriff` and a plain user `perf-viewer`
 * (neither has a token).
 *
 * It writes through its own connection to the primary given, in batches that each commit on their own,
 * so a run that fails part-way leaves a partial data set: drop the database and start again. It
 * refuses a replica (`PH_ERR_SEED_REPLICA`) and a database that already holds data
 * (`PH_ERR_SEED_NOT_EMPTY`).
 *
 * @example
 * const counts = await seed(primaryUrl, { size: 'tiny', seed: 42 });
 * counts.performance_datum; // a few hundred
 */
export async function seed(connectionString: string, options: SeedOptions): Promise<SeedCounts> {
  const profile = SEED_SIZES[options.size];
  const client = new pg.Client({ connectionString, application_name: 'perfherder-seed' });
  await client.connect();
  try {
    const recovery = await client.query('SELECT pg_is_in_recovery() AS r');
    if (recovery.rows[0]?.r) throw new SeedReplicaError();
    const probe = await client.query(
      `SELECT t FROM (VALUES ${EMPTY_CHECK.map((t) => `('${t}', EXISTS (SELECT 1 FROM "${t}"))`).join(', ')}) AS v(t, used)
       WHERE used LIMIT 1`,
    );
    if (probe.rows[0]) throw new SeedNotEmptyError(probe.rows[0].t);
    // Losing the last commits on a crash is harmless here (the run would be redone); waiting for each
    // batch's WAL flush is not.
    await client.query('SET synchronous_commit = off');

    const frameworks = new Map<string, number>(
      (await client.query('SELECT id, name FROM performance_framework ORDER BY id')).rows.map((r) => [
        r.name,
        r.id,
      ]),
    );
    const staff = await createUser(client, {
      username: 'perf-sheriff',
      email: 'perf-sheriff@mozilla.com',
      firstName: 'Perf',
      lastName: 'Sheriff',
      isStaff: true,
    });
    await createUser(client, {
      username: 'perf-viewer',
      email: 'perf-viewer@mozilla.com',
      firstName: 'Perf',
      lastName: 'Viewer',
      isStaff: false,
    });

    const random = new Random(options.seed);
    const writer = new BulkWriter(client);
    const endTime = Math.floor((options.endTime?.getTime() ?? Date.now()) / 3_600_000) * 3600;
    const pushesTotal = Object.values(profile.pushes).reduce((a, b) => a + b, 0);
    const rows = () => Object.values(writer.counts).reduce((a, b) => a + (b ?? 0), 0);
    const report = (phase: SeedProgress['phase'], pushesDone: number) =>
      options.onProgress?.({ phase, pushesDone, pushesTotal, rows: rows() });

    const world = buildWorld(writer, random, profile, frameworks);
    const pushes = buildPushes(writer, random, profile, world.repos, endTime);
    const units = buildSeries(
      writer,
      random,
      profile,
      world,
      (repo) => pushes.get(repo.id)?.[0]?.time ?? endTime,
    );
    const events = planAlerts(random, profile, units, pushes);
    await buildResults(writer, random, profile, world, units, pushes, events, endTime, async (done) => {
      report('results', done);
    });
    report('alerts', pushesTotal);
    writeAlerts(writer, random, world, events, staff.id, endTime);
    await writer.finish();

    report('finishing', pushesTotal);
    // Datum saves bump their signature's last_updated in the reference; do it once for the whole load.
    await client.query(
      `UPDATE performance_signature s SET last_updated = d.last
       FROM (SELECT signature_id, max(push_timestamp) AS last FROM performance_datum GROUP BY signature_id) d
       WHERE d.signature_id = s.id`,
    );
    await syncIdentitySequences(client);
    await client.query('ANALYZE');
    report('done', pushesTotal);
    return { auth_user: 2, ...writer.counts } as SeedCounts;
  } finally {
    await client.end().catch(() => {});
  }
}
