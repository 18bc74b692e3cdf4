import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveOsAccount } from '../src/cluster/os-account.ts';
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

  it('works from a clone inside a 0700 folder only root can enter', {
    skip: !isRoot && 'needs root',
  }, async () => {
    const { parent: secret, clone } = checkout(0o700);
    try {
      const script = join(clone, 'probe.ts');
      writeFileSync(
        script,
        `import { startCluster } from './packages/pg-devcluster/src/index.ts';
const c = await startCluster({ replicas: 1, dataDir: '.data/cluster' });
const rows = await c.replicas[0].query('SELECT pg_is_in_recovery() AS r');
console.log(JSON.stringify(rows));
await c.stop();`,
      );
      const out = execFileSync(process.execPath, ['--import', 'tsx', script], {
        cwd: clone,
        encoding: 'utf8',
      });
      assert.deepEqual(JSON.parse(out.trim()), [{ r: true }]);
      const state = JSON.parse(readFileSync(join(clone, '.data/cluster/cluster.json'), 'utf8')) as {
        storage: string;
      };
      assert.ok(
        !state.storage.startsWith(secret),
        'node folders were moved where the server account can reach them',
      );
      rmSync(state.storage, { recursive: true, force: true });
    } finally {
      rmSync(secret, { recursive: true, force: true });
    }
  });
});
