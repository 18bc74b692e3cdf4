/**
 * pgpool-II for the peers benchmark: statement-level load balancing of a streaming-replication pair, every
 * read to the replica (backend weights 0 and 1). Installed from the distribution's package `pgpool2` when
 * missing and running as root; otherwise `startPgpool` answers why it did not run, and the benchmark skips
 * the peer.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../packages/pg-devcluster/src/cluster/free-port.ts';

export interface Pgpool {
  readonly url: string;
  readonly version: string;
  stop(): Promise<void>;
}

const BINARY = '/usr/sbin/pgpool';

/** Installs pgpool2 when missing (root only); answers the binary, or why there is none. */
export function ensurePgpool(log: (line: string) => void): { binary: string } | { skipped: string } {
  if (existsSync(BINARY)) return { binary: BINARY };
  if (process.getuid?.() !== 0) {
    return { skipped: 'pgpool-II is not installed and this is not root (apt-get install pgpool2 to add it)' };
  }
  if (!existsSync('/usr/bin/apt-get'))
    return { skipped: 'pgpool-II is not installed and there is no apt-get' };
  log('installing pgpool2 (apt-get) …');
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'pgpool2'], {
      stdio: 'pipe',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch {
    try {
      execFileSync('apt-get', ['update'], { stdio: 'pipe' });
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'pgpool2'], {
        stdio: 'pipe',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch (e) {
      return { skipped: `apt-get install pgpool2 failed: ${(e as Error).message.split('\n')[0]}` };
    }
  }
  // The package starts a system service on its default port; this benchmark runs its own instance.
  try {
    execFileSync('systemctl', ['stop', 'pgpool2'], { stdio: 'ignore' });
  } catch {}
  return existsSync(BINARY)
    ? { binary: BINARY }
    : { skipped: `apt-get installed pgpool2 but ${BINARY} is missing` };
}

/**
 * Starts pgpool-II in the foreground on a free loopback port in front of `primaryUrl` (backend 0, always
 * primary, weight 0) and `replicaUrl` (backend 1, weight 1), statement-level load balancing on, health and
 * streaming checks off (the benchmark's cluster does not change). Client and backend authentication use the
 * URLs' user and password (pool_passwd with a TEXT entry, SCRAM on the client side).
 */
export async function startPgpool(binary: string, primaryUrl: string, replicaUrl: string): Promise<Pgpool> {
  const primary = new URL(primaryUrl);
  const replica = new URL(replicaUrl);
  const user = decodeURIComponent(primary.username);
  const password = decodeURIComponent(primary.password);
  const database = primary.pathname.slice(1);
  const dir = mkdtempSync(join(tmpdir(), 'bench-pgpool-'));
  const [port, pcpPort] = [await freePort(), await freePort()];
  const conf = {
    listen_addresses: "'127.0.0.1'",
    port,
    pcp_listen_addresses: "'127.0.0.1'",
    pcp_port: pcpPort,
    unix_socket_directories: `'${dir}'`,
    pcp_socket_dir: `'${dir}'`,
    pid_file_name: `'${join(dir, 'pgpool.pid')}'`,
    logdir: `'${dir}'`,
    backend_clustering_mode: "'streaming_replication'",
    backend_hostname0: `'${primary.hostname}'`,
    backend_port0: Number(primary.port),
    backend_weight0: 0,
    backend_flag0: "'ALWAYS_PRIMARY|DISALLOW_TO_FAILOVER'",
    backend_hostname1: `'${replica.hostname}'`,
    backend_port1: Number(replica.port),
    backend_weight1: 1,
    backend_flag1: "'DISALLOW_TO_FAILOVER'",
    load_balance_mode: 'on',
    statement_level_load_balance: 'on',
    sr_check_period: 0,
    health_check_period: 0,
    failover_on_backend_error: 'off',
    num_init_children: 64,
    max_pool: 2,
    enable_pool_hba: 'on',
    pool_passwd: `'${join(dir, 'pool_passwd')}'`,
    sr_check_user: `'${user}'`,
    sr_check_password: `'${password}'`,
    log_min_messages: "'warning'",
  };
  writeFileSync(
    join(dir, 'pgpool.conf'),
    Object.entries(conf)
      .map(([k, v]) => `${k} = ${v}\n`)
      .join(''),
    { mode: 0o600 },
  );
  writeFileSync(join(dir, 'pool_hba.conf'), 'host all all 127.0.0.1/32 scram-sha-256\n');
  writeFileSync(join(dir, 'pool_passwd'), `${user}:TEXT${password}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'pcp.conf'), '');
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  let output = '';
  const child: ChildProcess = spawn(
    binary,
    ['-n', '-f', join(dir, 'pgpool.conf'), '-a', join(dir, 'pool_hba.conf'), '-F', join(dir, 'pcp.conf')],
    // Its own process group: its children go with it (killing the parent alone leaves them running).
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  child.stdout?.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });
  child.stderr?.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });
  const url = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  /** Kills whatever of pgpool-II's group is left and removes its folder. */
  const remove = () => {
    signalGroup('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  // A bench stopped by a signal exits through process.exit (startBenchCluster): pgpool-II must not outlive it.
  process.once('exit', remove);
  const stop = async () => {
    process.removeListener('exit', remove);
    if (child.exitCode === null) {
      signalGroup('SIGINT');
      await new Promise((r) => setTimeout(r, 500));
    }
    remove();
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      break;
    } catch (e) {
      await client.end().catch(() => {});
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        // pgpool's own output names no password (it is only in the 0600 files)
        throw new Error(`pgpool-II did not start: ${(e as Error).message}; its output: ${output.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  return { url, version, stop };
}
