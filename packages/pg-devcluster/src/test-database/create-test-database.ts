import { randomBytes } from 'node:crypto';
import type { ClusterUrls } from '../cluster/cluster.ts';
import { withDatabase } from '../cluster/cluster-nodes.ts';
import { queryOnce } from '../cluster/query-once.ts';
import type { Queryable } from '../cluster/queryable.ts';
import { waitForReplay } from '../cluster/wait-for-replay.ts';
import { DevClusterError, devClusterErrorCodes } from '../errors.ts';

/** The environment variable a global setup fills with `JSON.stringify(cluster.urls())` for its test files. */
export const CLUSTER_URLS_ENV = 'PG_DEVCLUSTER_URLS';

/** A database of its own on a shared cluster, for one test file. */
export interface TestDatabase extends AsyncDisposable {
  readonly name: string;
  /** The new database on the primary and on each replica (passwords included: hand them to clients, never log them). */
  readonly urls: ClusterUrls;
  /**
   * Resolves once every replica has replayed what the primary has written so far (the cluster's
   * `waitForReplicas`, by URL): call it after writing fixtures, instead of sleeping.
   */
  waitForReplicas(options?: { timeoutMs?: number }): Promise<void>;
  /** `DROP DATABASE … WITH (FORCE)` on the primary (open sessions are ended). Idempotent. */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** The cluster's `urls()`; default: the JSON in `PG_DEVCLUSTER_URLS`. */
  readonly urls?: ClusterUrls;
  /** Default: `test_<pid>_<8 random hex digits>`, unique per call. */
  readonly name?: string;
  /** How long to wait for the replicas to replay the `CREATE DATABASE`. Default 30000. */
  readonly timeoutMs?: number;
}

function urlsFromEnvironment(): ClusterUrls {
  const raw = process.env.PG_DEVCLUSTER_URLS;
  const shape = 'the JSON of cluster.urls(), set by a global setup';
  if (raw === undefined || raw === '') {
    throw new DevClusterError(
      devClusterErrorCodes.invalidOption,
      `${CLUSTER_URLS_ENV} is not set: expected ${shape}`,
    );
  }
  try {
    const parsed = JSON.parse(raw) as Partial<ClusterUrls>;
    if (typeof parsed.primary === 'string' && Array.isArray(parsed.replicas)) return parsed as ClusterUrls;
  } catch {
    // reported below, without echoing the value (it holds a password)
  }
  throw new DevClusterError(devClusterErrorCodes.invalidOption, `${CLUSTER_URLS_ENV} is not ${shape}`);
}

function serverAt(name: string, url: string): Queryable {
  return { name, query: (sql, params) => queryOnce(url, sql, params) };
}

/**
 * Creates a database of its own on a cluster that another process started (a test runner's global setup)
 * and resolves once every replica has it, so each test file gets isolated data on one shared cluster.
 *
 * @example
 * // global setup: const cluster = await startCluster(); process.env.PG_DEVCLUSTER_URLS = JSON.stringify(cluster.urls());
 * const db = await createTestDatabase();
 * const pool = new pg.Pool({ connectionString: db.urls.primary });
 * await pool.query('CREATE TABLE t (id int)');
 * await db.waitForReplicas(); // now on every replica too
 * await pool.end();
 * await db.drop();
 */
export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const cluster = options.urls ?? urlsFromEnvironment();
  const name = options.name ?? `test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const quoted = `"${name.replaceAll('"', '""')}"`;
  const admin = withDatabase(cluster.primary, 'postgres');
  const primary = serverAt('primary', admin);
  const replicas = cluster.replicas.map((url, i) =>
    serverAt(`replica_${i + 1}`, withDatabase(url, 'postgres')),
  );
  const waitForReplicas = ({ timeoutMs = 30_000 } = {}) =>
    waitForReplay(primary, replicas, { timeoutMs, explicit: false });
  await queryOnce(admin, `CREATE DATABASE ${quoted}`);
  await waitForReplicas({ timeoutMs: options.timeoutMs ?? 30_000 });
  let dropping: Promise<void> | undefined;
  const drop = () => {
    dropping ??= queryOnce(admin, `DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`).then(() => {});
    return dropping;
  };
  return {
    name,
    urls: {
      primary: withDatabase(cluster.primary, name),
      replicas: cluster.replicas.map((u) => withDatabase(u, name)),
    },
    waitForReplicas,
    drop,
    [Symbol.asyncDispose]: drop,
  };
}
