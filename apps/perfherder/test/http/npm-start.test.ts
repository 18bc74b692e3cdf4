/**
 * `npm start` as a developer runs it: apps/perfherder/src/main.ts in its own process, the dev cluster in a
 * persistent folder (DEV_CLUSTER_DATA_DIR, a 0700 temp folder: as root the server account cannot reach it, as
 * for a clone under /root). Two starts on the same folder: where the data lives is printed and stays the
 * same, the second start reuses the data, and an idle replica connection that fails is a WARN line in the
 * service's own log.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.ts');
const isRoot = process.getuid?.() === 0;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `check` every 50 ms until it is true; fails with `what` after `timeoutMs`. */
async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** One `npm start` process: its output lines (stdout and stderr), its URL once it printed it. */
class NpmStart {
  readonly lines: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly port: number;

  constructor(dataDir: string, port: number) {
    this.port = port;
    this.child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: { ...process.env, DEV_CLUSTER_DATA_DIR: dataDir, PORT: String(port), LOGGING_LEVEL: 'INFO' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    let partial = '';
    const collect = (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts);
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
  }

  static async start(dataDir: string): Promise<NpmStart> {
    const service = new NpmStart(dataDir, await freePort());
    let gone = false;
    void service.exited.then(() => {
      gone = true;
    });
    await until(
      'the service to print its API URL',
      () => {
        if (gone) throw new Error(`npm start exited:\n${service.lines.join('\n')}`);
        return service.lines.some((l) => l.startsWith('API:'));
      },
      120_000,
    );
    return service;
  }

  get(path: string): Promise<Response> {
    return fetch(`http://127.0.0.1:${this.port}${path}`);
  }

  /** Lines starting with `prefix` (the start-up lines, not the JSON log). */
  said(prefix: string): string[] {
    return this.lines.filter((l) => l.startsWith(prefix));
  }

  /** The JSON log records whose msg starts with `prefix`. */
  logged(prefix: string): Record<string, unknown>[] {
    return this.lines
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => typeof r.msg === 'string' && r.msg.startsWith(prefix));
  }

  /** Ctrl-C, as in a terminal; resolves to the exit code. */
  async stop(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exited;
  }
}

describe('npm start on a persistent dev cluster', () => {
  const parent = mkdtempSync(join(tmpdir(), 'npm-start-'));
  const dataDir = join(parent, 'cluster');
  let running: NpmStart | undefined;
  let firstDataLine: string | undefined;
  const state = () =>
    JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as { storage: string; password: string };

  after(async () => {
    await running?.stop();
    // As root the node folders live under /var/lib/pg-devcluster: a test must not leave them behind.
    if (existsSync(join(dataDir, 'cluster.json'))) rmSync(state().storage, { recursive: true, force: true });
    rmSync(parent, { recursive: true, force: true });
  });

  it('first start: seeds, answers, and prints where the data lives', async () => {
    running = await NpmStart.start(dataDir);
    const [data] = running.said('data:');
    const { storage } = state();
    if (isRoot) {
      assert.ok(storage.startsWith('/var/lib/pg-devcluster/'), storage);
      assert.equal(
        data,
        `data: ${dataDir} (cluster.json), node folders in ${storage} (the server account cannot reach ${dataDir})`,
      );
    } else {
      assert.equal(data, `data: ${dataDir}`);
    }
    firstDataLine = data;
    assert.equal(running.said('seeded the small data set').length, 1);
    assert.equal((await running.get('/healthz')).status, 200);
    assert.equal(await running.stop(), 0);
    running = undefined;
  });

  it('second start: same place, data reused, and a failing idle replica connection is one WARN line each', async () => {
    running = await NpmStart.start(dataDir);
    assert.deepEqual(running.said('data:'), [firstDataLine]);
    assert.deepEqual(running.said('seeded'), [], 'nothing to seed: the data outlived the first start');
    const platforms = await running.get(
      '/api/project/mozilla-central/performance/platforms/?interval=31536000',
    );
    assert.equal(platforms.status, 200);
    assert.ok(((await platforms.json()) as unknown[]).length > 0, 'the seeded data is there');

    // Several requests at once on a routed endpoint leave idle connections in the replica's pool.
    await Promise.all(
      Array.from({ length: 4 }, () =>
        running!.get('/api/performance/framework/').then((r) => r.arrayBuffer()),
      ),
    );
    const before = (await (await running.get('/api/status/routing/')).json()) as {
      replicas: { name: string; idleCount: number }[];
    };
    const idle = before.replicas[0]?.idleCount ?? 0;
    assert.ok(idle >= 1, 'the replica pool holds idle connections');

    // Stop the replica the way an operator's restart does (fast shutdown): each idle connection gets 57P01.
    const pidFile = join(state().storage, 'replica_1', 'postmaster.pid');
    process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGINT');
    const warned = () => running!.logged('db_routing_replica_error');
    await until(`${idle} db_routing_replica_error lines`, () => warned().length >= idle, 15_000);
    // The replica is ejected: a request now is served by the primary and adds no replica error line.
    assert.equal((await running.get('/api/performance/framework/')).status, 200);
    const stats = (await (await running.get('/api/status/routing/')).json()) as {
      replicas: { state: string }[];
    };
    assert.equal(stats.replicas[0]?.state, 'ejected');
    assert.equal(warned().length, idle, 'one line per failed connection');
    for (const record of warned()) {
      assert.equal(record.level, 40, 'WARN');
      assert.equal(record.msg, 'db_routing_replica_error replica=replica_1 exception_type=57P01');
      assert.equal(record.replica, 'replica_1');
      assert.equal(record.exception_type, '57P01');
    }
    const { password } = state();
    assert.ok(!running.lines.some((l) => l.includes(password)), 'no password in the output');
    assert.equal(await running.stop(), 0);
    running = undefined;
  });
});
