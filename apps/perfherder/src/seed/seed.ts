import pg from 'pg';
import { createUser } from '../auth/create-user.ts';
import { SeedNotEmptyError, SeedReplicaError } from '../db/errors.ts';
import { syncIdentitySequences } from '../db/sync-identity-sequences.ts';
import { ACCOUNTS } from '../generators/people.ts';
import { Random } from '../generators/random.ts';
import { BulkWriter } from './bulk-writer.ts';
import { dropLoadStructures } from './drop-load-structures.ts';
import { planAlerts } from './plan-alerts.ts';
import { buildPushes } from './seed-pushes.ts';
import { buildResults } from './seed-results.ts';
import { buildSeries } from './seed-series.ts';
import { SEED_SIZES, type SeedSize } from './seed-size.ts';
import { SEED_TABLES } from './seed-tables.ts';
import { buildWorld } from './seed-world.ts';
import { writeAlerts } from './write-alerts.ts';
import { writeChangelog } from './write-changelog.ts';

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
  /**
   * The anchor every timestamp is relative to (default: now). The newest pushes and datums land within
   * hours before it; everything else but the timestamps depends on `seed` and `size` only.
   */
  readonly endTime?: Date;
  /** Called after every push and at each phase change. */
  readonly onProgress?: (progress: SeedProgress) => void;
}

/** Rows inserted per table. */
export type SeedCounts = Readonly<Record<string, number>>;

const EMPTY_CHECK = ['auth_user', ...Object.keys(SEED_TABLES)];

// The big tables: their plain indexes and foreign keys are rebuilt after the load, not maintained per row.
const BULK_TABLES = ['performance_datum', 'performance_datum_replicate', 'job', 'taskcluster_metadata'];

// Serialises concurrent seed runs ("perfseed" in ASCII).
const SEED_LOCK_KEY = '8099005289243960676';

/**
 * Fills an empty, migrated Perfherder database with realistic, deterministic data: Treeherder's fixture
 * repositories (ids 1, 4, 6, 7, 77 and 108, fenix on hold), platforms, jobs with Taskcluster metadata,
 * signatures with subtests, six months of pushes with their commits ending within hours of `endTime`,
 * noisy series with step changes, replicates, alert summaries in every status 0-9 with alerts in every
 * status 0-5 (and untriaged talos ones for the Alerts page), the fixture tags, bug templates, backfill
 * reports, changelog entries, and `mozilla-ldap/…@mozilla.com` users: three sheriffs and a viewer
 * (none has a token). Timestamps are relative to `endTime` (default now); everything else depends only
 * on `seed` and `size`.
 *
 * It writes through its own connection to the primary given, in one transaction (a failed run leaves the
 * database empty), with batched `INSERT … SELECT FROM unnest(…)` statements, and builds the big tables'
 * plain indexes and checks their foreign keys once after loading them, as pg_restore does. It refuses
 * a replica (`PH_ERR_SEED_REPLICA`) and a database that already holds data (`PH_ERR_SEED_NOT_EMPTY`).
 *
 * @example
 * const counts = await seed(primaryUrl, { size: 'tiny', seed: 42 });
 * counts.performance_datum; // a few hundred
 */
export async function seed(connectionString: string, options: SeedOptions): Promise<SeedCounts> {
  const profile = SEED_SIZES[options.size];
  const client = new pg.Client({ connectionString, application_name: 'perfherder-seed' });
  await client.connect();
  let committed = false;
  try {
    const recovery = await client.query('SELECT pg_is_in_recovery() AS r');
    if (recovery.rows[0]?.r) throw new SeedReplicaError();
    // One transaction: a failed or interrupted run leaves the database as empty as it found it, so
    // "seed when empty" stays right. Foreign keys are checked per statement, so the trigger queue holds
    // one batch, not the whole data set.
    await client.query('BEGIN');
    await client.query('SET CONSTRAINTS ALL IMMEDIATE');
    await client.query("SET LOCAL maintenance_work_mem = '128MB'");
    // PerfCompare's per-day lists (migration 0012) are built once after the load, not per batch: their
    // triggers would read each touched day again, without the series index dropped below.
    await client.query("SET LOCAL perfherder.day_lists_deferred = 'on'");
    // Two runs at once: the second waits here, then finds the data of the first.
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [SEED_LOCK_KEY]);
    const probe = await client.query(
      `SELECT t FROM (VALUES ${EMPTY_CHECK.map((t) => `('${t}', EXISTS (SELECT 1 FROM "${t}"))`).join(', ')}) AS v(t, used)
       WHERE used LIMIT 1`,
    );
    if (probe.rows[0]) throw new SeedNotEmptyError(probe.rows[0].t);
    const restore = await dropLoadStructures(client, BULK_TABLES);

    const frameworks = new Map<string, number>(
      (await client.query('SELECT id, name FROM performance_framework ORDER BY id')).rows.map((r) => [
        r.name,
        r.id,
      ]),
    );
    const staffIds: number[] = [];
    for (const account of ACCOUNTS) {
      const user = await createUser(client, account);
      if (account.isStaff) staffIds.push(user.id);
    }

    const random = new Random(options.seed);
    const writer = new BulkWriter(client);
    const endTime = Math.floor((options.endTime?.getTime() ?? Date.now()) / 1000);
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
    writeAlerts(writer, random, world, events, staffIds, endTime);
    writeChangelog(writer, random, profile.changelogEntries, endTime);
    await writer.finish();

    report('finishing', pushesTotal);
    // Datum saves bump their signature's last_updated in the reference; do it once for the whole load.
    await client.query(
      `UPDATE performance_signature s SET last_updated = d.last
       FROM (SELECT signature_id, max(push_timestamp) AS last FROM performance_datum GROUP BY signature_id) d
       WHERE d.signature_id = s.id`,
    );
    for (const statement of restore) await client.query(statement);
    await client.query('SELECT performance_datum_day_lists_rebuild()');
    await syncIdentitySequences(client);
    await client.query('COMMIT');
    committed = true;
    await client.query('ANALYZE');
    report('done', pushesTotal);
    return { auth_user: ACCOUNTS.length, ...writer.counts } as SeedCounts;
  } catch (error) {
    if (!committed) await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}
