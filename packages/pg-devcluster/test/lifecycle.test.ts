import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { resolveOsAccount } from '../src/cluster/os-account.ts';
import { OWNER_MARKER, RELOCATION_BASE } from '../src/cluster/relocated-storage.ts';
import { startCluster } from '../src/index.ts';
import { checkout } from './helpers/checkout.ts';
import { alive, startChild, waitGone } from './helpers/child.ts';

const isRoot = process.getuid?.() === 0;

describe('no postgres process outlives its node process', () => {
  for (const how of ['exit', 'throw', 'stop'] as const) {
    it(`when the process ends by ${how}`, async () => {
      const started = await startChild(how);
      assert.ok(started.pids.every(alive));
      started.child.stdin?.write('go\n');
      await started.exited;
      assert.deepEqual(await waitGone(started.pids), []);
      assert.equal(existsSync(started.dataDir), false, 'the temp folder is removed');
    });
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`when the process gets ${signal}`, async () => {
      const started = await startChild('signal');
      started.child.kill(signal);
      await started.exited;
      assert.deepEqual(await waitGone(started.pids), []);
    });
  }
});

describe('persistent mode', () => {
  it('restarts on the same data, and recovers from a crash that left its servers orphaned', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgdc-persist-'));
    let storage: string | undefined;
    try {
      const dataDir = join(dir, 'cluster');
      const first = await startCluster({ replicas: 1, dataDir });
      await first.primary.query('CREATE TABLE kept (v text)');
      await first.primary.query("INSERT INTO kept VALUES ('survives restarts')");
      const ports = [first.primary.port, first.replicas[0]!.port];
      await first.stop();
      assert.ok(existsSync(join(dataDir, 'cluster.json')));

      // The parent process dies by SIGKILL: no handler runs, its servers keep running as orphans.
      const crashed = await startChild('signal', dataDir);
      crashed.child.kill('SIGKILL');
      await crashed.exited;
      assert.ok(crashed.pids.every(alive), 'orphans are still running');

      const second = await startCluster({ replicas: 1, dataDir });
      try {
        assert.deepEqual([second.primary.port, second.replicas[0]!.port], ports, 'same ports as before');
        await second.waitForReplicas();
        const rows = await second.replicas[0]!.query('SELECT v FROM kept');
        assert.deepEqual(rows, [{ v: 'survives restarts' }]);
        assert.deepEqual(await waitGone(crashed.pids, 1000), [], 'the orphans were stopped');
      } finally {
        await second.stop();
      }
      storage = (JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as { storage: string })
        .storage;
      assert.equal(existsSync(join(storage, 'primary', 'postmaster.pid')), false, 'stopped cleanly');
    } finally {
      // As root the node folders may have been relocated out of the 0700 temp folder: remove them too.
      if (storage) rmSync(storage, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('root and unprivileged users', () => {
  it('as root runs the servers as an unprivileged account; otherwise as the current user', async () => {
    const cluster = await startCluster({ replicas: 1 });
    try {
      const [row] = await cluster.primary.query<{ owner: string }>(
        "SELECT pg_catalog.pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'postgres'",
      );
      assert.equal(row?.owner, 'postgres');
      const status = readFileSync(`/proc/${cluster.primary.pid}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      if (isRoot) assert.notEqual(uid, 0, 'postgres must not run as root');
      else assert.equal(uid, process.getuid?.());
      assert.ok(cluster.storage.startsWith(`${tmpdir()}/`), 'an ephemeral cluster lives in the temp folder');
    } finally {
      await cluster.stop();
    }
  });

  it('starts as a normal user (run as the unprivileged account when we are root)', {
    skip: !isRoot && 'already a normal user: covered by every other test',
  }, async () => {
    const account = resolveOsAccount()!;
    // The working tree may sit where the account cannot read it (CI clones under /root): run a
    // world-readable checkout of it instead.
    const { parent, clone } = checkout(0o755);
    try {
      const started = await startChild('stop', undefined, {
        uid: account.uid,
        gid: account.gid,
        cwd: tmpdir(),
        root: clone,
      });
      const status = readFileSync(`/proc/${started.pids[0]}/status`, 'utf8');
      assert.equal(Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]), account.uid);
      started.child.stdin?.write('go\n');
      assert.equal(await started.exited, 0);
      assert.deepEqual(await waitGone(started.pids), []);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('works from a clone inside a 0700 folder only root can enter: node folders under /var/lib, kept, printed', {
    skip: !isRoot && 'needs root',
  }, async () => {
    const { parent: secret, clone } = checkout(0o700);
    // A relocated folder whose clone was deleted: the next relocated start reclaims it.
    const orphan = join(RELOCATION_BASE, `test-orphan-${process.pid}`);
    mkdirSync(orphan, { recursive: true });
    writeFileSync(join(orphan, OWNER_MARKER), JSON.stringify({ dataDir: join(secret, 'deleted-clone') }));
    let storage: string | undefined;
    const run = (...args: string[]) =>
      execFileSync(process.execPath, ['--import', 'tsx', ...args], { cwd: clone, encoding: 'utf8' });
    const cli = (...args: string[]) => run('packages/pg-devcluster/src/cli/main.ts', ...args);
    try {
      const stateFile = join(clone, '.data/cluster/cluster.json');
      const readState = () =>
        JSON.parse(readFileSync(stateFile, 'utf8')) as {
          storage: string;
          password: string;
          ports: { primary: number };
        };

      const up = cli('up', '--detach');
      const state = readState();
      storage = state.storage;
      assert.ok(
        storage.startsWith(`${RELOCATION_BASE}/`),
        `node folders under ${RELOCATION_BASE}: ${storage}`,
      );
      assert.ok(!storage.startsWith(tmpdir()), 'not in the temp folder a reboot may clear');
      assert.ok(up.includes(`node folders in ${storage}`), `up prints where the data lives:\n${up}`);
      assert.deepEqual(JSON.parse(readFileSync(join(storage, OWNER_MARKER), 'utf8')), {
        dataDir: realpathSync(join(clone, '.data/cluster')),
      });
      assert.equal(existsSync(orphan), false, 'the orphan of a deleted clone was removed');
      const primaryUrl = `postgres://postgres:${encodeURIComponent(state.password)}@127.0.0.1:${state.ports.primary}/postgres`;
      const client = new pg.Client({ connectionString: primaryUrl });
      await client.connect();
      await client.query("CREATE TABLE kept AS SELECT 'kept in /var/lib' AS v");
      await client.end();
      assert.match(cli('down'), /stopped: .*primary/, '`down` finds the relocated servers');

      const script = join(clone, 'probe.ts');
      writeFileSync(
        script,
        `import { startCluster } from './packages/pg-devcluster/src/index.ts';
const c = await startCluster({ replicas: 1, dataDir: '.data/cluster' });
await c.waitForReplicas();
const rows = await c.replicas[0].query('SELECT v, pg_is_in_recovery() AS r FROM kept');
console.log(JSON.stringify({ rows, storage: c.storage }));
await c.stop();`,
      );
      const probe = () => JSON.parse(run(script).trim()) as { rows: unknown[]; storage: string };
      assert.deepEqual(probe(), { rows: [{ v: 'kept in /var/lib', r: true }], storage });

      // A cluster relocated by an earlier version lives in the temp folder: the next start moves it.
      const legacy = join(tmpdir(), 'pg-devcluster-data', basename(storage));
      mkdirSync(dirname(legacy), { recursive: true });
      renameSync(storage, legacy);
      writeFileSync(stateFile, JSON.stringify({ ...readState(), storage: legacy }));
      assert.deepEqual(probe(), { rows: [{ v: 'kept in /var/lib', r: true }], storage });
      assert.equal(readState().storage, storage);
      assert.equal(existsSync(legacy), false, 'the temp copy is gone');
    } finally {
      // The detached servers, should an assertion have failed while they ran.
      if (existsSync(join(clone, '.data/cluster/cluster.json'))) cli('down');
      // A test must not leave folders under /var/lib that nothing would ever clean.
      if (storage) rmSync(storage, { recursive: true, force: true });
      rmSync(orphan, { recursive: true, force: true });
      rmSync(secret, { recursive: true, force: true });
    }
  });
});
