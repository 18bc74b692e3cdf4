import type { TcpProxy } from '../faults/tcp-proxy.ts';
import type { StopMode } from './postgres-node.ts';

/** One server of the cluster, with the faults tests can inject into it. */
export interface ClusterNode {
  readonly name: string;
  readonly role: 'primary' | 'replica';
  readonly host: string;
  /** The server's own port. */
  readonly port: number;
  /** What clients should use: through the fault proxy when the cluster has proxies, else direct. */
  readonly url: string;
  /** Straight to the server, bypassing any proxy. */
  readonly directUrl: string;
  readonly dataDir: string;
  readonly logFile: string;
  /** Postmaster pid while running. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Run one statement as superuser on a fresh direct connection (control plane, not for the code under test). */
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    database?: string,
  ): Promise<R[]>;
  stop(mode?: StopMode): Promise<void>;
  /** kill -9 the postmaster. */
  kill(): Promise<void>;
  /** Stopped by `freeze()` and not thawed yet. */
  readonly frozen: boolean;
  /**
   * SIGSTOP the postmaster and every process below it (Linux): a frozen host. The kernel still accepts
   * connections, nothing answers them; open sessions hang. Resolves once all of them are stopped.
   * `stop()`, `kill()` and the cluster's teardown thaw first.
   */
  freeze(): Promise<void>;
  /** SIGCONT what `freeze()` stopped: the server carries on where it was. No-op unless frozen. */
  thaw(): Promise<void>;
  /** Start again after stop/kill; a replica resolves once it streams again. */
  start(): Promise<void>;
  /** Terminate every client backend; resolves to how many were terminated. */
  terminateBackends(): Promise<number>;
}

export interface ReplicaNode extends ClusterNode {
  readonly role: 'replica';
  /** The fault proxy in front of this replica (clusters started with `proxies: true`). */
  readonly proxy: TcpProxy | undefined;
  /** Pause WAL replay: the replica keeps serving reads, frozen at its current LSN. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Promote to a writable primary (it then stops being a standby). */
  promote(): Promise<void>;
  /** The LSN this replica has replayed up to. */
  replayLsn(): Promise<string>;
}

export interface ReplicaStatus {
  readonly name: string;
  readonly url: string;
  readonly running: boolean;
  /** `pg_stat_replication.state` on the primary, or null when not connected. */
  readonly state: string | null;
  readonly replayLsn: string | null;
  /** Bytes of WAL the replica has still to replay, from the primary's view. */
  readonly lagBytes: number | null;
  /** `replay_lag` from pg_stat_replication, in milliseconds (null when idle or unknown). */
  readonly lagMs: number | null;
}

export interface ClusterStatus {
  readonly primary: { readonly url: string; readonly running: boolean; readonly currentLsn: string | null };
  readonly replicas: readonly ReplicaStatus[];
}

export interface ClusterUrls {
  readonly primary: string;
  readonly replicas: readonly string[];
}

/** A running primary with N streaming replicas. */
export interface Cluster extends AsyncDisposable {
  readonly primary: ClusterNode;
  readonly replicas: readonly ReplicaNode[];
  /** Root folder (persistent mode: the one given; ephemeral: a temp folder removed on stop). */
  readonly dataDir: string;
  /**
   * Where the node folders and logs live: `dataDir`, except for a persistent cluster the server account
   * cannot reach when running as root, whose node folders live under `/var/lib/pg-devcluster/`.
   */
  readonly storage: string;
  readonly persistent: boolean;
  /** Server version string. */
  readonly version: string;
  /** URLs for the `postgres` database, or `database` when given. */
  urls(database?: string): ClusterUrls;
  /** Create a database on the primary (replicated like everything else) unless it exists. */
  createDatabase(name: string): Promise<ClusterUrls>;
  /**
   * Resolve once every running replica has replayed the primary's current WAL position. WAL the primary has
   * not flushed (e.g. written by a transaction that rolled back) is flushed through a tiny WAL marker first,
   * so the wait never depends on later WAL activity. Replicas whose replay is paused, and promoted ones, are
   * skipped unless named in `replicas` (then they time out).
   * Tests call this after writing fixtures on the primary, instead of sleeping.
   */
  waitForReplicas(options?: { timeoutMs?: number; replicas?: readonly ReplicaNode[] }): Promise<void>;
  status(): Promise<ClusterStatus>;
  /**
   * Leave the servers running after this process exits (persistent clusters only: `pg-devcluster up
   * --detach`). Stop them later with `pg-devcluster down`.
   */
  detach(): void;
  /** Stop every server (fast), close proxies, and remove the data of an ephemeral cluster. Idempotent. */
  stop(): Promise<void>;
}
