import { after } from 'node:test';
import pg from 'pg';
import { type Cluster, type ClusterUrls, startCluster } from 'pg-devcluster';
import { migrate } from '../../src/db/migrate.ts';
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
   * Keep the fixture frameworks of migration 0002 (default true). Pass false for tests that count
   * frameworks, e.g. "the framework list has exactly the two the test created"; the framework ids then
   * restart at 1. Issue trackers are always kept: tracker 1 is the default of every alert summary.
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
   * Empty every data table (identities restart at 1), keep the reference data, and resolve once every
   * replica has replayed the truncation, so the next test starts from the same state on every server.
   */
  reset(options?: ResetOptions): Promise<void>;
  /** Close the pool and stop the cluster. Idempotent. */
  close(): Promise<void>;
}

const REFERENCE_TABLES = new Set(['issue_tracker', 'performance_framework']);

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
    primary = pool;
    await cluster.waitForReplicas();
    const reset = async (resetOptions: ResetOptions = {}) => {
      const keepFrameworks = resetOptions.keepFrameworks ?? true;
      const tables = Object.keys(tableApps).filter(
        (t) => !REFERENCE_TABLES.has(t) || (t === 'performance_framework' && !keepFrameworks),
      );
      await pool.query(`TRUNCATE ${tables.map((t) => `"${t}"`).join(', ')} RESTART IDENTITY CASCADE`);
      await cluster.waitForReplicas();
    };
    return { cluster, urls, primary: pool, reset, close };
  } catch (error) {
    await close();
    throw error;
  }
}
