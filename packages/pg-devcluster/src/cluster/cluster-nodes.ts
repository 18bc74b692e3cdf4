import { setTimeout as sleep } from 'node:timers/promises';
import { DevClusterError, devClusterErrorCodes } from '../errors.ts';
import type { TcpProxy } from '../faults/tcp-proxy.ts';
import type { ClusterNode, ReplicaNode } from './cluster.ts';
import type { PostgresNode, StopMode } from './postgres-node.ts';

/** `url` with its database path replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** The public face of a server: delegates to the process wrapper, adds control-plane helpers. */
export class ClusterNodeImpl implements ClusterNode {
  protected readonly node: PostgresNode;
  readonly role: 'primary' | 'replica';

  constructor(node: PostgresNode, role: 'primary' | 'replica') {
    this.node = node;
    this.role = role;
  }

  get name(): string {
    return this.node.name;
  }
  get host(): string {
    return this.node.host;
  }
  get port(): number {
    return this.node.port;
  }
  get url(): string {
    return this.node.directUrl;
  }
  get directUrl(): string {
    return this.node.directUrl;
  }
  get dataDir(): string {
    return this.node.dataDir;
  }
  get logFile(): string {
    return this.node.logFile;
  }
  get pid(): number | undefined {
    return this.node.pid;
  }
  get running(): boolean {
    return this.node.running;
  }

  query<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    database?: string,
  ): Promise<R[]> {
    return this.node.query<R>(sql, params, database);
  }

  stop(mode: StopMode = 'fast'): Promise<void> {
    return this.node.stop(mode);
  }

  kill(): Promise<void> {
    return this.node.kill();
  }

  start(): Promise<void> {
    return this.node.start();
  }

  get frozen(): boolean {
    return this.node.frozen;
  }

  freeze(): Promise<void> {
    return this.node.freeze();
  }

  async thaw(): Promise<void> {
    this.node.thaw();
  }

  killSync(signal: NodeJS.Signals): void {
    this.node.killSync(signal);
  }

  detach(): void {
    this.node.detach();
  }

  async terminateBackends(): Promise<number> {
    const rows = await this.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
    );
    return rows[0]?.n ?? 0;
  }
}

/** Resolve once the primary reports each running replica as `streaming`. */
export async function waitForStreaming(
  primary: ClusterNode,
  replicas: readonly ReplicaNode[],
  deadline: number,
): Promise<void> {
  const wanted = new Set(replicas.filter((r) => r.running).map((r) => r.name));
  while (wanted.size > 0) {
    const rows = await primary.query<{ application_name: string; state: string }>(
      'SELECT application_name, state FROM pg_stat_replication',
    );
    for (const row of rows) if (row.state === 'streaming') wanted.delete(row.application_name);
    if (wanted.size === 0) return;
    if (Date.now() > deadline) {
      throw new DevClusterError(
        devClusterErrorCodes.timeout,
        `replicas not streaming in time: ${[...wanted].join(', ')}`,
      );
    }
    await sleep(50);
  }
}

export class ReplicaNodeImpl extends ClusterNodeImpl implements ReplicaNode {
  declare readonly role: 'replica';
  readonly proxy: TcpProxy | undefined;
  readonly #primary: ClusterNode;

  constructor(node: PostgresNode, proxy: TcpProxy | undefined, primary: ClusterNode) {
    super(node, 'replica');
    this.proxy = proxy;
    this.#primary = primary;
  }

  override get url(): string {
    if (!this.proxy) return this.node.directUrl;
    const u = new URL(this.node.directUrl);
    u.port = String(this.proxy.port);
    return u.toString();
  }

  override async start(): Promise<void> {
    await this.node.start();
    if (this.#primary.running) await waitForStreaming(this.#primary, [this], Date.now() + 60_000);
  }

  async pauseReplay(): Promise<void> {
    await this.query('SELECT pg_wal_replay_pause()');
    for (let i = 0; i < 200; i++) {
      const [row] = await this.query<{ s: string }>('SELECT pg_get_wal_replay_pause_state() AS s');
      if (row?.s === 'paused') return;
      await sleep(10);
    }
    throw new DevClusterError(devClusterErrorCodes.timeout, `${this.name}: replay did not pause`);
  }

  async resumeReplay(): Promise<void> {
    await this.query('SELECT pg_wal_replay_resume()');
  }

  async promote(): Promise<void> {
    const [row] = await this.query<{ ok: boolean }>('SELECT pg_promote(true, 60) AS ok');
    if (!row?.ok) throw new DevClusterError(devClusterErrorCodes.timeout, `${this.name} did not promote`);
  }

  async replayLsn(): Promise<string> {
    const [row] = await this.query<{ lsn: string }>('SELECT pg_last_wal_replay_lsn()::text AS lsn');
    return row?.lsn ?? '0/0';
  }

  /** Stop the server and close its proxy (cluster shutdown). */
  async shutdown(): Promise<void> {
    await this.proxy?.close();
    await this.node.stop('fast');
  }

  shutdownSync(signal: NodeJS.Signals): void {
    this.node.killSync(signal);
  }
}
