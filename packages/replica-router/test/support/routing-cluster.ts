/**
 * One real cluster (a primary and streaming replicas behind fault proxies) per test file, with a small
 * database whose tables belong to the apps `perf`, `model` and `auth` (and one to no app), fixtures
 * replayed on every replica, and a factory for routed pools that are all ended by `stop()`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, ClusterNode, ClusterUrls, ServerSettings } from 'pg-devcluster';
import { startCluster } from 'pg-devcluster';
import { RoutedPool, type RoutedPoolOptions } from '../../src/index.ts';

/** Table → app label, as the service declares them (a subset). `unmapped_note` belongs to no app. */
export const tableApps: Readonly<Record<string, string>> = {
  performance_framework: 'perf',
  performance_signature: 'perf',
  performance_datum: 'perf',
  perf_scan_probe: 'perf',
  repository: 'model',
  machine: 'model',
  auth_user: 'auth',
};

/** The causal-token secret of the test pools (so no pool logs that it made its own). */
export const TEST_TOKEN_SECRET = 'routing-cluster-test-secret-0123456789-abcdef';

/** The fixture frameworks, in id order. */
export const frameworks = [
  { id: 1, name: 'talos', enabled: true },
  { id: 2, name: 'raptor', enabled: true },
  { id: 3, name: 'awsy', enabled: false },
] as const;

const schema = `
  CREATE TABLE performance_framework (id int PRIMARY KEY, name text NOT NULL, enabled boolean NOT NULL);
  CREATE TABLE repository (id int PRIMARY KEY, name text NOT NULL);
  CREATE TABLE machine (id int PRIMARY KEY, name text NOT NULL);
  CREATE TABLE performance_signature (
    id int PRIMARY KEY,
    framework_id int NOT NULL REFERENCES performance_framework (id),
    repository_id int NOT NULL REFERENCES repository (id),
    suite text NOT NULL
  );
  CREATE TABLE performance_datum (
    id serial PRIMARY KEY,
    signature_id int NOT NULL REFERENCES performance_signature (id),
    value double precision NOT NULL
  );
  CREATE TABLE perf_scan_probe (id int, value int);
  CREATE TABLE auth_user (id int PRIMARY KEY, username text NOT NULL);
  CREATE TABLE unmapped_note (id serial PRIMARY KEY, note text NOT NULL);
  CREATE SEQUENCE perf_ticket_seq;
  -- Writes while pretending to be a function: configured as read-only in some tests, it fails on a hot
  -- standby with 25006 and shows the fallback without touching the network.
  CREATE FUNCTION perf_touch() RETURNS int LANGUAGE sql AS
    $$ INSERT INTO unmapped_note (note) VALUES ('touched') RETURNING 1 $$;
`;

const fixtures = `
  INSERT INTO performance_framework VALUES ${frameworks.map((f) => `(${f.id}, '${f.name}', ${f.enabled})`).join(', ')};
  INSERT INTO repository VALUES (1, 'mozilla-central'), (2, 'autoland');
  INSERT INTO machine VALUES (1, 't-linux-1'), (2, 't-win-2');
  INSERT INTO performance_signature VALUES (1, 1, 1, 'tp5'), (2, 1, 2, 'tsvgx'), (3, 2, 1, 'speedometer');
  INSERT INTO performance_datum (signature_id, value)
    SELECT 1 + (g % 3), g * 1.5 FROM generate_series(1, 30) AS g;
  INSERT INTO perf_scan_probe SELECT g, g FROM generate_series(1, 10) AS g;
  INSERT INTO auth_user VALUES (1, 'sheriff'), (2, 'reader');
  INSERT INTO unmapped_note (note) VALUES ('hello');
`;

export type PoolOptions = Partial<Omit<RoutedPoolOptions, 'tokenSecret'>> & {
  /** Default {@link TEST_TOKEN_SECRET}; `undefined` given explicitly: none (the pool makes its own). */
  readonly tokenSecret?: string | undefined;
  /** Set on every connection of the pool (primary and replicas), for `pg_stat_activity` checks. */
  readonly applicationName?: string;
};

export interface RoutingCluster {
  readonly cluster: Cluster;
  /** URLs of the test database (replica URLs go through the fault proxies). */
  readonly urls: ClusterUrls;
  readonly database: string;
  /**
   * A routed pool on the test database: every replica, the table apps above, {@link TEST_TOKEN_SECRET}, probes
   * every 200 ms with one good probe to readmit (an ejected replica is back quickly, so tests do not leak ejections into each
   * other), and a 10 s replica connect (and pool-wait) timeout.
   */
  makePool(options?: PoolOptions): RoutedPool;
  /**
   * A pool whose probes run only when the test says (`pool.probeReplicas()`), already probed once: for tests
   * that break a replica and want the request, not a probe, to meet the fault first.
   */
  makeQuietPool(options?: PoolOptions): Promise<RoutedPool>;
  /** End every pool made here and stop the cluster. */
  stop(): Promise<void>;
}

/** `url` with `application_name` set as a query parameter. */
export function withApplicationName(url: string, name: string): string {
  const u = new URL(url);
  u.searchParams.set('application_name', name);
  return u.toString();
}

export async function startRoutingCluster(
  options: { replicas?: number; settings?: ServerSettings } = {},
): Promise<RoutingCluster> {
  const cluster = await startCluster({
    replicas: options.replicas ?? 1,
    proxies: true,
    settings: { max_connections: 80, ...options.settings },
  });
  const database = 'routing';
  try {
    const urls = await cluster.createDatabase(database);
    await cluster.primary.query(schema, [], database);
    await cluster.primary.query(fixtures, [], database);
    await cluster.waitForReplicas();
    const pools = new Set<RoutedPool>();
    const makePool = (poolOptions: PoolOptions = {}): RoutedPool => {
      const { applicationName, tokenSecret: _secret, ...rest } = poolOptions;
      const secret = 'tokenSecret' in poolOptions ? poolOptions.tokenSecret : TEST_TOKEN_SECRET;
      const named = (url: string) => (applicationName ? withApplicationName(url, applicationName) : url);
      const pool = new RoutedPool({
        primary: named(urls.primary),
        replicas: urls.replicas.map(named),
        tableApps,
        max: 5,
        probeMs: 200,
        readmitProbes: 1,
        ...(secret === undefined ? {} : { tokenSecret: secret }),
        // Generous: the pool-wait timeout is this one too, and the test machine has two busy cores.
        replicaConnectTimeoutMs: 10_000,
        // Generous too: on a loaded machine a probe's new connection (fork + SCRAM) can take over the 1 s default.
        probeTimeoutMs: 5_000,
        ...rest,
      });
      // An idle primary connection dying (a fault test) must not crash the test process.
      pool.on('error', () => {});
      pools.add(pool);
      return pool;
    };
    return {
      cluster,
      urls,
      database,
      makePool,
      async makeQuietPool(poolOptions: PoolOptions = {}) {
        const pool = makePool({ probeMs: 600_000, ...poolOptions });
        await pool.probeReplicas();
        return pool;
      },
      async stop() {
        await Promise.allSettled([...pools].map((p) => p.end()));
        await cluster.stop();
      },
    };
  } catch (error) {
    await cluster.stop().catch(() => {});
    throw error;
  }
}

/** Probe until every replica of `pool` is healthy again (bounded); for pools made with `makeQuietPool`. */
export async function readmitted(pool: RoutedPool, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await pool.probeReplicas();
    const states = pool.stats().replicas.map((r) => r.state);
    if (states.every((s) => s === 'healthy')) return;
    if (Date.now() > deadline) throw new Error(`replicas not readmitted: ${states.join(', ')}`);
    await sleep(50);
  }
}

/** Poll `read` until `done` holds, for at most `timeoutMs`; returns the last value read. */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 15_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last value ${JSON.stringify(value)}`,
      );
    }
    await sleep(intervalMs);
  }
}

/**
 * `seq_scan` of a table as the server itself counts it (`pg_stat_user_tables`). A hot standby keeps its
 * own counters for the reads it served; a backend flushes them when it goes idle (at most once a second)
 * or exits, so callers end their pool and poll.
 */
export async function seqScans(node: ClusterNode, database: string, table: string): Promise<number> {
  const rows = await node.query<{ n: string | null }>(
    'SELECT seq_scan::text AS n FROM pg_stat_user_tables WHERE relname = $1',
    [table],
    database,
  );
  return Number(rows[0]?.n ?? 0);
}

/** Connections to `node` whose `application_name` is `name` (control plane, a fresh connection). */
export async function connectionsNamed(node: ClusterNode, database: string, name: string): Promise<number> {
  const rows = await node.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
    [name],
    database,
  );
  return rows[0]?.n ?? 0;
}

/** The reasons counted with a non-zero value, e.g. `{ routed: 3, write: 1 }`. */
export function nonZero(counts: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));
}

/** The SELECT list every routing test reads back: where the statement ran, from the server itself. */
export const WHERE = 'pg_is_in_recovery() AS in_recovery, inet_server_port() AS server_port';

export interface ServedBy {
  in_recovery: boolean;
  server_port: number;
}
