import { after } from 'node:test';
import pg from 'pg';
import { type Cluster, type ClusterUrls, startCluster } from 'pg-devcluster';
import { migrate } from '../../src/db/migrate.ts';
import { syncIdentitySequences } from '../../src/db/sync-identity-sequences.ts';
import { tableApps } from '../../src/db/table-apps.ts';

/** Options of {@link withTestDatabase}. */
export interface TestDatabaseOptions {
  /** Streaming replicas to start (default 1). */
  readonly replicas?: number;
  /** Database name (default `perfherder`). */
  readonly database?: string;
  /**
   * Register a `node:test` `after()` hook that stops everything (default true). Call it at the top level of
   * the test file (top-level `await`) for the hook to attach to the file; pass false and call `close()`
   * yourself otherwise.
   */
  readonly stopAfter?: boolean;
}

/** Options of {@link TestDatabase.reset}. */
export interface ResetOptions {
  /**
   * Restore the fixture frameworks of migration 0002 (default true). Pass false for tests that count
   * frameworks, e.g. "the framework list has exactly the two the test created"; the table is then empty
   * and framework ids restart at 1. Issue trackers and repository groups are always restored: tracker 1 is
   * the default of every alert summary, and repositories point at the fixture groups.
   */
  readonly keepFrameworks?: boolean;
}

/** A migrated database on a real primary with streaming replicas, owned by one test file. */
export interface TestDatabase {
  readonly cluster: Cluster;
  readonly urls: ClusterUrls;
  /** A pool on the primary for fixtures and assertions. */
  readonly primary: pg.Pool;
  /**
   * Empty every table (identities restart at 1), put back the reference rows exactly as migrations 0002-0003
   * left them (whatever the previous test changed), and resolve once every replica has replayed it all,
   * so each test starts from the same state on every server.
   */
  reset(options?: ResetOptions): Promise<void>;
  /** Close the pool and stop the cluster. Idempotent. */
  close(): Promise<void>;
}

const REFERENCE_TABLES = ['issue_tracker', 'performance_framework', 'repository_group'] as const;

/**
 * Starts one cluster (1 replica by default), creates and migrates a database, and hands back a pool on the
 * primary. One per test file: clusters take a second or two to start and the machine is small.
 *
 * @example
 * const db = await withTestDatabase();
 * beforeEach(() => db.reset());
 * test('…', async () => {
 *   const repo = await insertTestRepository(db.primary);
 *   await db.cluster.waitForReplicas();
 * });
 */
export async function withTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const cluster = await startCluster({ replicas: options.replicas ?? 1 });
  let primary: pg.Pool | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await primary?.end().catch(() => {});
    await cluster.stop();
  };
  if (options.stopAfter ?? true) after(close);
  try {
    const urls = await cluster.createDatabase(options.database ?? 'perfherder');
    await migrate(urls.primary);
    const pool = new pg.Pool({ connectionString: urls.primary, max: 4 });
    // An idle connection cut by the cluster's shutdown (after end() resolved) must not crash the file.
    pool.on('error', () => {});
    primary = pool;
    await cluster.waitForReplicas();
    // The reference rows as the migrations left them, restored by every reset.
    const reference = new Map<string, unknown[]>();
    for (const table of REFERENCE_TABLES) {
      reference.set(table, (await pool.query(`SELECT * FROM "${table}" ORDER BY id`)).rows);
    }
    const tables = Object.keys(tableApps).map((t) => `"${t}"`);
    const reset = async (resetOptions: ResetOptions = {}) => {
      const keepFrameworks = resetOptions.keepFrameworks ?? true;
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY CASCADE`);
        for (const table of REFERENCE_TABLES) {
          if (table === 'performance_framework' && !keepFrameworks) continue;
          await client.query(
            `INSERT INTO "${table}" SELECT * FROM jsonb_populate_recordset(NULL::"${table}", $1::jsonb)`,
            [JSON.stringify(reference.get(table))],
          );
        }
        await syncIdentitySequences(client);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
      await cluster.waitForReplicas();
    };
    return { cluster, urls, primary: pool, reset, close };
  } catch (error) {
    await close();
    throw error;
  }
}
