import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { MigrateReplicaError, MigrationChangedError, MigrationFailedError } from './errors.ts';

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** Receives one line per decision (applied, skipped, waiting for the lock). */
  readonly log?: (message: string) => void;
  /** Folder of `NNNN_name.sql` files; defaults to the app's own `migrations/` folder. */
  readonly migrationsDir?: string;
}

/** What {@link migrate} did. */
export interface MigrateResult {
  /** File names applied by this run, in order; empty when the database was already up to date. */
  readonly applied: string[];
}

interface MigrationFile {
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

const DEFAULT_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

// Any constant works as long as every runner uses the same one; this is "perfherd" in ASCII.
const LOCK_KEY = '8099005289059414628';

function readMigrations(dir: string): MigrationFile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies the pending SQL migrations, in file-name order, to the database at `connectionString`.
 *
 * It uses its own connection (not a pool) because it holds a session-level advisory lock for the whole
 * run, so two runners started together apply each file once. It refuses a server in recovery
 * (`PH_ERR_MIGRATE_REPLICA`) and a database where an applied file has since been edited
 * (`PH_ERR_MIGRATION_CHANGED`). Each file runs in its own transaction together with its row in
 * `schema_migrations`, so a failing file leaves nothing behind (`PH_ERR_MIGRATION_FAILED`).
 * Running it again on an up-to-date database applies nothing.
 *
 * @example
 * const { applied } = await migrate(process.env.DATABASE_URL!, { log: console.log });
 */
export async function migrate(
  connectionString: string,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const files = readMigrations(options.migrationsDir ?? DEFAULT_DIR);
  const client = new pg.Client({ connectionString, application_name: 'perfherder-migrate' });
  await client.connect();
  let locked = false;
  try {
    // Ask the server what it is: a replica URL in the primary's setting must fail here, not halfway.
    const recovery = await client.query<{ in_recovery: boolean }>(
      'SELECT pg_is_in_recovery() AS in_recovery',
    );
    if (recovery.rows[0]?.in_recovery) throw new MigrateReplicaError();

    const attempt = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
      LOCK_KEY,
    ]);
    if (!attempt.rows[0]?.ok) {
      log('another migration runner holds the lock; waiting');
      await client.query('SELECT pg_advisory_lock($1::bigint)', [LOCK_KEY]);
    }
    locked = true;

    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now(),
      checksum char(64) NOT NULL
    )`);
    const done = await client.query<{ name: string; checksum: string }>(
      'SELECT name, checksum FROM schema_migrations ORDER BY name',
    );
    const recorded = new Map(done.rows.map((r) => [r.name, r.checksum]));

    // Check every applied file before applying anything, so an edited history stops the run cleanly.
    for (const file of files) {
      const checksum = recorded.get(file.name);
      if (checksum !== undefined && checksum !== file.checksum) throw new MigrationChangedError(file.name);
    }
    for (const name of recorded.keys()) {
      if (!files.some((f) => f.name === name)) log(`${name} is recorded as applied but has no file; ignored`);
    }

    const applied: string[] = [];
    for (const file of files) {
      if (recorded.has(file.name)) continue;
      try {
        await client.query('BEGIN');
        await client.query(file.sql);
        await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [
          file.name,
          file.checksum,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw new MigrationFailedError(file.name, error);
      }
      applied.push(file.name);
      log(`applied ${file.name}`);
    }
    if (applied.length === 0) log('database is up to date');
    return { applied };
  } finally {
    if (locked) await client.query('SELECT pg_advisory_unlock($1::bigint)', [LOCK_KEY]).catch(() => {});
    await client.end().catch(() => {});
  }
}
