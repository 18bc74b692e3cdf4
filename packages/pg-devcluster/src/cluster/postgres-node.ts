import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { DevClusterError, devClusterErrorCodes } from '../errors.ts';
import type { OsAccount } from './os-account.ts';
import { processAlive } from './process-alive.ts';
import { processTree, signalEach, stoppedOrGone } from './process-tree.ts';
import { queryOnce } from './query-once.ts';

/** How a node is stopped: `fast` = SIGINT (clean), `immediate` = SIGQUIT (crash-like, recovery on start). */
export type StopMode = 'fast' | 'immediate';

export interface NodeOptions {
  readonly name: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly binDir: string;
  readonly account: OsAccount | null;
  readonly port: number;
  readonly password: string;
}

const HOST = '127.0.0.1';

/** Seconds of server log to show in an error: enough to see the FATAL line. */
function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Is `pid` a postgres postmaster serving `dataDir`? (Linux: /proc; elsewhere: trust the pid file.) */
export function isPostmasterFor(pid: number, dataDir: string): boolean {
  if (!processAlive(pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.some((a) => a.endsWith('postgres')) && cmdline.includes(dataDir);
  } catch {
    return process.platform !== 'linux';
  }
}

/**
 * One PostgreSQL server process (primary or replica) of the cluster. Internal: tests reach it through
 * the `ClusterNode` interface.
 */
export class PostgresNode {
  readonly name: string;
  readonly dataDir: string;
  readonly logFile: string;
  port: number;
  readonly #binDir: string;
  readonly #account: OsAccount | null;
  readonly #password: string;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  /** The processes `freeze()` stopped (SIGSTOP), until `thaw()`. */
  #frozen: number[] | undefined;

  constructor(options: NodeOptions) {
    this.name = options.name;
    this.dataDir = options.dataDir;
    this.logFile = options.logFile;
    this.port = options.port;
    this.#binDir = options.binDir;
    this.#account = options.account;
    this.#password = options.password;
  }

  get host(): string {
    return HOST;
  }

  /** postgres:// URL straight to the server (never through a fault proxy). */
  get directUrl(): string {
    return `postgres://postgres:${encodeURIComponent(this.#password)}@${HOST}:${this.port}/postgres`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  get frozen(): boolean {
    return this.#frozen !== undefined;
  }

  /**
   * SIGSTOP the postmaster, then every process below it (backends, walreceiver, startup…): a frozen host.
   * Connections are still accepted by the kernel (the listen backlog) but nothing answers. The postmaster is
   * stopped first so it forks nothing while the tree is read. Resolves once every one of them is stopped.
   */
  async freeze(): Promise<void> {
    const pid = this.#child?.pid;
    if (pid === undefined) {
      throw new DevClusterError(
        devClusterErrorCodes.invalidState,
        `${this.name} is not running: cannot freeze it`,
      );
    }
    if (this.#frozen) return;
    if (process.platform !== 'linux') {
      throw new DevClusterError(devClusterErrorCodes.invalidState, 'freeze() needs Linux (/proc)');
    }
    signalEach([pid], 'SIGSTOP');
    const tree = processTree(pid);
    signalEach(tree, 'SIGSTOP');
    this.#frozen = tree;
    for (let i = 0; i < 200 && !tree.every(stoppedOrGone); i++) await sleep(10);
  }

  /** SIGCONT every process `freeze()` stopped (and any found below the postmaster now). No-op unless frozen. */
  thaw(): void {
    const frozen = this.#frozen;
    if (!frozen) return;
    this.#frozen = undefined;
    const pid = this.#child?.pid;
    signalEach(new Set([...frozen, ...(pid === undefined ? [] : processTree(pid))]), 'SIGCONT');
  }

  /** Run a program from the binary folder as the server account, collecting output for errors. */
  run(program: string, args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(join(this.#binDir, program), args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(this.#account ? { uid: this.#account.uid, gid: this.#account.gid } : {}),
        env: { ...process.env, LC_ALL: 'C' },
      });
      let output = '';
      child.stdout?.on('data', (d: Buffer) => {
        output += d.toString();
      });
      child.stderr?.on('data', (d: Buffer) => {
        output += d.toString();
      });
      child.once('error', reject);
      child.once('exit', (code) => {
        if (code === 0) resolve();
        else
          reject(
            new DevClusterError(
              devClusterErrorCodes.serverFailed,
              `${program} for ${this.name} exited with code ${code}:\n${output.trim()}`,
            ),
          );
      });
    });
  }

  /**
   * A postmaster left behind by a crashed earlier run (persistent mode) is stopped; a stale pid file
   * whose process is gone (or is someone else's) is removed, so the server can start.
   */
  async #clearStaleLock(): Promise<void> {
    const pidFile = join(this.dataDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0 && isPostmasterFor(pid, this.dataDir)) {
      process.kill(pid, 'SIGINT');
      for (let i = 0; i < 300 && processAlive(pid); i++) await sleep(50);
      if (processAlive(pid)) process.kill(pid, 'SIGQUIT');
      for (let i = 0; i < 100 && processAlive(pid); i++) await sleep(50);
    }
    if (existsSync(pidFile) && !(Number.isInteger(pid) && processAlive(pid)))
      rmSync(pidFile, { force: true });
  }

  /** Start the server and resolve once it accepts connections (read-only ones for a standby). */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.#child) return;
    await this.#clearStaleLock();
    const deadline = Date.now() + timeoutMs;
    // After a kill -9 the old backends need a moment to notice their postmaster died and release shared
    // memory; until then a new postmaster refuses to start. Retry in that window.
    for (let attempt = 1; ; attempt++) {
      const failure = await this.#spawnAndWait(deadline);
      if (!failure) return;
      const log = tail(this.logFile);
      const transient = /shared memory block.*still in use|lock file .* already exists|could not bind/i.test(
        log,
      );
      if (!transient || Date.now() > deadline || attempt > 50) {
        throw new DevClusterError(
          devClusterErrorCodes.serverFailed,
          `${this.name} did not start (${failure}); last lines of ${this.logFile}:\n${log}`,
        );
      }
      await sleep(200);
    }
  }

  /** Returns undefined once ready, or a short reason when the process exited during start-up. */
  async #spawnAndWait(deadline: number): Promise<string | undefined> {
    const logFd = openSync(this.logFile, 'a', 0o644);
    const child = spawn(join(this.#binDir, 'postgres'), ['-D', this.dataDir, '-p', String(this.port)], {
      stdio: ['ignore', logFd, logFd],
      // Own process group: a Ctrl-C in the terminal reaches us, and we stop the servers in order.
      detached: true,
      ...(this.#account ? { uid: this.#account.uid, gid: this.#account.gid } : {}),
      env: { ...process.env, LC_ALL: 'C' },
    });
    closeSync(logFd);
    let exitCode: number | null | undefined;
    this.#child = child;
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        exitCode = code ?? (signal ? -1 : 0);
        if (this.#child === child) {
          this.thaw(); // killed from outside while frozen: its backends must run to exit
          this.#child = undefined;
        }
        resolve();
      });
    });
    while (Date.now() < deadline) {
      if (exitCode !== undefined) return `exit code ${exitCode}`;
      if (await this.#accepts()) return undefined;
      await sleep(50);
    }
    if (exitCode !== undefined) return `exit code ${exitCode}`;
    throw new DevClusterError(
      devClusterErrorCodes.timeout,
      `${this.name} did not accept connections in time`,
    );
  }

  async #accepts(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.directUrl, connectionTimeoutMillis: 1000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  }

  /** Stop the server: `fast` (SIGINT) or `immediate` (SIGQUIT). Resolves once the postmaster is gone. */
  async stop(mode: StopMode = 'fast'): Promise<void> {
    const child = this.#child;
    if (!child?.pid) return;
    this.thaw(); // a stopped process cannot shut down
    child.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    // A fast shutdown waits for walsenders and checkpoints; if it hangs, escalate rather than hang too.
    for (const [afterMs, signal] of [
      [30_000, 'SIGQUIT'],
      [10_000, 'SIGKILL'],
    ] as const) {
      const exited = await Promise.race([
        this.#exited.then(() => true),
        sleep(afterMs, undefined, { ref: false }).then(() => false),
      ]);
      if (exited) return;
      child.kill(signal);
    }
    await this.#exited;
  }

  /** kill -9 the postmaster, as a crash would. Its backends exit on their own shortly after. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child?.pid) return;
    // Thawed first: its backends must run to notice the postmaster died and exit.
    this.thaw();
    child.kill('SIGKILL');
    await this.#exited;
  }

  /** Let this process exit while the server keeps running. */
  detach(): void {
    this.thaw();
    this.#child?.unref();
  }

  /** From the synchronous exit handler: signal and forget. */
  killSync(signal: NodeJS.Signals): void {
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    this.thaw();
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }

  /** Run one statement as the superuser on a fresh connection (control-plane use only). */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params: unknown[] = [],
    database = 'postgres',
  ): Promise<R[]> {
    const url = new URL(this.directUrl);
    url.pathname = `/${database}`;
    return queryOnce<R>(url.toString(), sql, params);
  }
}
