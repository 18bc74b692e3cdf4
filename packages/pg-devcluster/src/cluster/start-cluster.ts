import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type PostgresBinaries, resolvePostgresBinaries } from '../binaries/postgres-binaries.ts';
import { DevClusterError, devClusterErrorCodes } from '../errors.ts';
import { createTcpProxy } from '../faults/tcp-proxy.ts';
import type { Cluster, ClusterStatus, ClusterUrls, ReplicaNode } from './cluster.ts';
import {
  type ClusterLayout,
  type ClusterState,
  newPassword,
  planLayout,
  readState,
  writeOwned,
  writeState,
} from './cluster-layout.ts';
import { ClusterNodeImpl, ReplicaNodeImpl, waitForStreaming, withDatabase } from './cluster-nodes.ts';
import { freePort, isPortFree } from './free-port.ts';
import { baseSettings, HBA, renderSettings, type ServerSettings } from './node-config.ts';
import { type OsAccount, resolveOsAccount } from './os-account.ts';
import { PostgresNode } from './postgres-node.ts';
import { register, unregister } from './process-registry.ts';
import { stopClusterAt } from './stop-cluster-at.ts';
import { waitForReplay } from './wait-for-replay.ts';

const execFileAsync = promisify(execFile);

export interface StartClusterOptions {
  /** Number of streaming replicas (default 1). */
  readonly replicas?: number;
  /** Persistent mode: keep data here and reuse it on the next start. Omit for a temp cluster removed on stop. */
  readonly dataDir?: string;
  /**
   * Preferred ports, primary first then replicas; one already taken is replaced by a free one. Default:
   * free ports (a persistent cluster prefers its last ones, so its URLs stay the same across restarts).
   */
  readonly ports?: readonly number[];
  /** A fault proxy in front of each replica; replica `url`s then point at the proxy (test mode). */
  readonly proxies?: boolean;
  /** Extra server settings for every node, e.g. `{ shared_buffers: '128MB' }`. */
  readonly settings?: ServerSettings;
  /** How long to wait for the whole cluster to be up (default 120 s). */
  readonly timeoutMs?: number;
}

const CONFIG_FILE = 'devcluster.conf';

async function pickPorts(count: number, wanted: readonly (number | undefined)[]): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const w = wanted[i];
    if (w !== undefined && !ports.includes(w) && (await isPortFree(w))) ports.push(w);
    else {
      let p = await freePort();
      while (ports.includes(p)) p = await freePort();
      ports.push(p);
    }
  }
  return ports;
}

function writeNodeConfig(node: PostgresNode, account: OsAccount | null, settings: ServerSettings): void {
  const conf = join(node.dataDir, 'postgresql.conf');
  const include = `include_if_exists = '${CONFIG_FILE}'`;
  if (!readFileSync(conf, 'utf8').includes(include)) appendFileSync(conf, `\n${include}\n`);
  writeOwned(join(node.dataDir, CONFIG_FILE), renderSettings({ ...settings, port: node.port }), account);
  writeOwned(join(node.dataDir, 'pg_hba.conf'), HBA, account);
}

function replicaSettings(primary: PostgresNode, name: string, password: string): ServerSettings {
  const conninfo = `host=127.0.0.1 port=${primary.port} user=postgres password=${password} application_name=${name}`;
  return { primary_conninfo: conninfo, primary_slot_name: name };
}

/**
 * Starts one primary and `replicas` streaming replicas on 127.0.0.1 and resolves once every replica
 * streams (`pg_stat_replication.state = 'streaming'`) and serves read-only connections.
 *
 * @example
 * const cluster = await startCluster({ replicas: 2 });
 * const { primary, replicas } = cluster.urls();
 * // … write on primary, then:
 * await cluster.waitForReplicas();
 * await cluster.stop();
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<Cluster> {
  const replicaCount = options.replicas ?? 1;
  if (!Number.isInteger(replicaCount) || replicaCount < 0 || replicaCount > 8) {
    throw new DevClusterError(devClusterErrorCodes.invalidOption, 'replicas must be an integer from 0 to 8');
  }
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const account = resolveOsAccount();
  const binaries = resolvePostgresBinaries(account);
  const layout = planLayout(options.dataDir, account);
  const previous = layout.persistent ? readState(layout.stateFile) : undefined;
  if (previous && previous.majorVersion !== binaries.majorVersion) {
    throw new DevClusterError(
      devClusterErrorCodes.invalidState,
      `${layout.root} holds a PostgreSQL ${previous.majorVersion} cluster but the binaries are ${binaries.majorVersion}; remove the folder to start afresh`,
    );
  }
  // Servers left running by a crashed earlier run hold the ports and the data: stop them first.
  if (previous) await stopClusterAt(layout.root);
  const names = ['primary', ...Array.from({ length: replicaCount }, (_, i) => `replica_${i + 1}`)];
  const ports = await pickPorts(
    names.length,
    names.map((n, i) => options.ports?.[i] ?? previous?.ports[n]),
  );
  const password = previous?.password ?? newPassword();
  const state: ClusterState = {
    formatVersion: 1,
    majorVersion: binaries.majorVersion,
    password,
    storage: layout.storage,
    ports: Object.fromEntries(names.map((n, i) => [n, ports[i] ?? 0])),
  };
  const settings = { ...baseSettings(layout.persistent), ...options.settings };
  const makeNode = (name: string, i: number) =>
    new PostgresNode({
      name,
      dataDir: layout.nodeDir(name),
      logFile: layout.logFile(name),
      binDir: binaries.binDir,
      account,
      port: ports[i] ?? 0,
      password,
    });
  const primary = makeNode('primary', 0);
  const replicas = names.slice(1).map((n, i) => makeNode(n, i + 1));

  const cluster = new ClusterImpl(layout, binaries, primary);
  register(cluster);
  try {
    if (!existsSync(join(primary.dataDir, 'PG_VERSION')))
      await initPrimary(primary, layout, account, password);
    writeNodeConfig(primary, account, settings);
    // A replica is a copy of the cleanly stopped primary plus standby.signal: no pg_basebackup needed.
    // The primary runs once first so its control file records the settings the replicas will check
    // theirs against (max_connections and friends must not be lower on a standby).
    const missing = replicas.filter((r) => !existsSync(join(r.dataDir, 'PG_VERSION')));
    if (missing.length > 0) {
      await primary.start(deadline - Date.now());
      await primary.stop('fast');
      for (const replica of missing) await copyDataDir(primary.dataDir, replica.dataDir);
    }
    for (const replica of replicas) {
      writeOwned(join(replica.dataDir, 'standby.signal'), '', account);
      writeNodeConfig(replica, account, { ...settings, ...replicaSettings(primary, replica.name, password) });
    }
    if (layout.persistent) writeState(layout.stateFile, state);
    await primary.start(deadline - Date.now());
    await syncSlots(primary, names.slice(1), previous);
    for (const replica of replicas) {
      const proxy = options.proxies ? await createTcpProxy(replica.port) : undefined;
      cluster.addReplica(new ReplicaNodeImpl(replica, proxy, cluster.primary));
    }
    await Promise.all(cluster.replicas.map((r) => r.start()));
    await waitForStreaming(cluster.primary, cluster.replicas, deadline);
    return cluster;
  } catch (error) {
    await cluster.stop().catch(() => {});
    throw error;
  }
}

async function initPrimary(
  primary: PostgresNode,
  layout: ClusterLayout,
  account: OsAccount | null,
  password: string,
): Promise<void> {
  const pwfile = join(layout.storage, '.initdb-pw');
  writeOwned(pwfile, `${password}\n`, account);
  try {
    await primary.run('initdb', [
      '-D',
      primary.dataDir,
      '-U',
      'postgres',
      '--pwfile',
      pwfile,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      ...(layout.persistent ? [] : ['--no-sync']),
    ]);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

async function copyDataDir(from: string, to: string): Promise<void> {
  // cp -a keeps ownership when root and modes always; PostgreSQL checks both on the data directory.
  await execFileAsync('cp', ['-a', from, to]);
  for (const f of ['postmaster.pid', 'postmaster.opts', 'standby.signal'])
    rmSync(join(to, f), { force: true });
}

/** One physical slot per replica, so a stopped or paused replica can always catch up. */
async function syncSlots(
  primary: PostgresNode,
  wanted: string[],
  previous: ClusterState | undefined,
): Promise<void> {
  const rows = await primary.query<{ slot_name: string }>('SELECT slot_name FROM pg_replication_slots');
  const have = new Set(rows.map((r) => r.slot_name));
  for (const name of wanted) {
    if (!have.has(name)) await primary.query('SELECT pg_create_physical_replication_slot($1)', [name]);
  }
  // Slots of replicas this run does not start would hold WAL forever: drop them (their folders stay).
  for (const name of have) {
    if (name.startsWith('replica_') && !wanted.includes(name) && previous) {
      await primary.query('SELECT pg_drop_replication_slot($1)', [name]).catch(() => {});
    }
  }
}

class ClusterImpl implements Cluster {
  readonly #layout: ClusterLayout;
  readonly version: string;
  readonly #majorVersion: number;
  readonly primary: ClusterNodeImpl;
  readonly #replicas: ReplicaNodeImpl[] = [];
  #stopping: Promise<void> | undefined;

  constructor(layout: ClusterLayout, binaries: PostgresBinaries, primary: PostgresNode) {
    this.#layout = layout;
    this.version = binaries.version;
    this.#majorVersion = binaries.majorVersion;
    this.primary = new ClusterNodeImpl(primary, 'primary');
  }

  get replicas(): readonly ReplicaNode[] {
    return this.#replicas;
  }

  get dataDir(): string {
    return this.#layout.root;
  }

  get storage(): string {
    return this.#layout.storage;
  }

  get persistent(): boolean {
    return this.#layout.persistent;
  }

  addReplica(replica: ReplicaNodeImpl): void {
    this.#replicas.push(replica);
  }

  urls(database = 'postgres'): ClusterUrls {
    return {
      primary: withDatabase(this.primary.url, database),
      replicas: this.#replicas.map((r) => withDatabase(r.url, database)),
    };
  }

  async createDatabase(name: string): Promise<ClusterUrls> {
    const exists = await this.primary.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.length === 0) {
      await this.primary.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    }
    await this.waitForReplicas();
    return this.urls(name);
  }

  async waitForReplicas(
    options: { timeoutMs?: number; replicas?: readonly ReplicaNode[] } = {},
  ): Promise<void> {
    await waitForReplay(
      this.primary,
      (options.replicas ?? this.#replicas).filter((r) => r.running),
      {
        timeoutMs: options.timeoutMs ?? 30_000,
        explicit: options.replicas !== undefined,
        majorVersion: this.#majorVersion,
      },
    );
  }

  async status(): Promise<ClusterStatus> {
    let currentLsn: string | null = null;
    let rows: Record<string, unknown>[] = [];
    if (this.primary.running) {
      const [lsn] = await this.primary.query<{ lsn: string }>(
        'SELECT pg_current_wal_insert_lsn()::text AS lsn',
      );
      currentLsn = lsn?.lsn ?? null;
      rows = await this.primary.query(
        `SELECT application_name, state, replay_lsn::text AS replay_lsn,
                pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS lag_bytes,
                (extract(epoch FROM replay_lag) * 1000)::float8 AS lag_ms
           FROM pg_stat_replication`,
      );
    }
    return {
      primary: { url: this.primary.url, running: this.primary.running, currentLsn },
      replicas: this.#replicas.map((r) => {
        const row = rows.find((x) => x.application_name === r.name);
        return {
          name: r.name,
          url: r.url,
          running: r.running,
          state: (row?.state as string | undefined) ?? null,
          replayLsn: (row?.replay_lsn as string | null | undefined) ?? null,
          lagBytes: (row?.lag_bytes as number | null | undefined) ?? null,
          lagMs: (row?.lag_ms as number | null | undefined) ?? null,
        };
      }),
    };
  }

  detach(): void {
    if (!this.#layout.persistent) {
      throw new DevClusterError(
        devClusterErrorCodes.invalidState,
        'only a persistent cluster can be detached',
      );
    }
    unregister(this);
    for (const r of this.#replicas) r.detach();
    this.primary.detach();
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    // Replicas first, so the primary's shutdown does not wait on walsenders.
    await Promise.allSettled(this.#replicas.map((r) => r.shutdown()));
    await this.primary.stop('fast');
    unregister(this);
    if (!this.#layout.persistent) rmSync(this.#layout.root, { recursive: true, force: true });
  }

  stopSync(): void {
    // From the 'exit' handler: nothing async runs any more. Immediate shutdown for a temp cluster
    // (its data is deleted), fast shutdown for a persistent one (it continues after we are gone).
    const signal = this.#layout.persistent ? 'SIGINT' : 'SIGQUIT';
    for (const r of this.#replicas) r.shutdownSync(signal);
    this.primary.killSync(signal);
    if (!this.#layout.persistent) rmSync(this.#layout.root, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
