import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type Cluster, createTcpProxy, startCluster } from '../src/index.ts';

/** The state letter of a process (`T` = stopped by a signal), from /proc. */
function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '';
}

async function connectAndAsk(url: string, timeoutMs = 1500): Promise<number> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.query('SELECT inet_server_port() AS port')).rows[0].port as number;
  } finally {
    await client.end().catch(() => {});
  }
}

describe('faults through real processes and sockets', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ replicas: 1, proxies: true });
  });
  after(() => cluster?.stop());

  it('proxies a replica by default and reaches the real server', async () => {
    const replica = cluster.replicas[0]!;
    assert.ok(replica.proxy);
    assert.notEqual(new URL(replica.url).port, String(replica.port));
    assert.equal(await connectAndAsk(replica.url), replica.port);
  });

  it('stall: a connect attempt times out instead of being refused', async () => {
    const replica = cluster.replicas[0]!;
    await replica.proxy!.setMode('stall');
    const started = Date.now();
    await assert.rejects(connectAndAsk(replica.url, 500), /timeout/i);
    assert.ok(Date.now() - started >= 450);
    await replica.proxy!.setMode('pass');
    assert.equal(await connectAndAsk(replica.url), replica.port);
  });

  it('reset: connections, open or new, fail with a connection error', async () => {
    const replica = cluster.replicas[0]!;
    const open = new pg.Client({ connectionString: replica.url });
    open.on('error', () => {});
    const openError = new Promise<Error>((resolve) => open.once('error', resolve));
    await open.connect();
    await replica.proxy!.setMode('reset');
    assert.match((await openError).message, /ECONNRESET|terminated|Connection/i);
    await assert.rejects(connectAndAsk(replica.url), (e: NodeJS.ErrnoException) =>
      /ECONNRESET|terminated|Connection/i.test(`${e.code} ${e.message}`),
    );
    await open.end().catch(() => {});
    await replica.proxy!.setMode('pass');
  });

  it('refuse: ECONNREFUSED until the proxy listens again', async () => {
    const replica = cluster.replicas[0]!;
    await replica.proxy!.setMode('refuse');
    await assert.rejects(connectAndAsk(replica.url), { code: 'ECONNREFUSED' });
    await replica.proxy!.setMode('pass');
    assert.equal(await connectAndAsk(replica.url), replica.port);
  });

  it('proxies on other loopback addresses share one port, each reaching its own server', async () => {
    const replica = cluster.replicas[0]!;
    const first = await createTcpProxy(replica.port, 0, { host: '127.0.0.2' });
    const second = await createTcpProxy(cluster.primary.port, first.port, { host: '127.0.0.3' });
    try {
      assert.deepEqual([first.host, second.host, second.port], ['127.0.0.2', '127.0.0.3', first.port]);
      const at = (host: string) => {
        const u = new URL(replica.directUrl);
        u.hostname = host;
        u.port = String(first.port);
        return u.toString();
      };
      assert.equal(await connectAndAsk(at('127.0.0.2')), replica.port);
      assert.equal(await connectAndAsk(at('127.0.0.3')), cluster.primary.port);
      await assert.rejects(connectAndAsk(at('127.0.0.4')), { code: 'ECONNREFUSED' });
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('latency: each round trip is delayed', async () => {
    const replica = cluster.replicas[0]!;
    await replica.proxy!.setMode('pass', { latencyMs: 100 });
    const started = Date.now();
    await connectAndAsk(replica.url, 5000);
    assert.ok(Date.now() - started >= 300, 'a connect + query needs several delayed round trips');
    await replica.proxy!.setMode('pass');
  });

  it('stop (fast and immediate) and start again, still streaming', async () => {
    const replica = cluster.replicas[0]!;
    for (const mode of ['fast', 'immediate'] as const) {
      await replica.stop(mode);
      assert.equal(replica.running, false);
      await assert.rejects(connectAndAsk(replica.directUrl), { code: 'ECONNREFUSED' });
      await replica.start();
      assert.equal((await cluster.status()).replicas[0]?.state, 'streaming');
    }
  });

  it('freeze: the postmaster and its backends stop; nothing answers within 1 s; thaw: it answers again', async () => {
    const replica = cluster.replicas[0]!;
    const open = new pg.Client({ connectionString: replica.directUrl, query_timeout: 1000 });
    open.on('error', () => {});
    await open.connect();
    const backend = (await open.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    await replica.freeze();
    try {
      assert.equal(replica.frozen, true);
      assert.equal(processState(replica.pid!), 'T');
      assert.equal(processState(backend), 'T');
      await assert.rejects(connectAndAsk(replica.directUrl, 1000), /timeout/i);
      await assert.rejects(open.query('SELECT 1'), /timeout/i);
    } finally {
      await replica.thaw();
    }
    assert.equal(replica.frozen, false);
    assert.notEqual(processState(replica.pid!), 'T');
    assert.equal(await connectAndAsk(replica.directUrl, 5000), replica.port);
    await open.end().catch(() => {});
  });

  it('stop and kill of a frozen replica thaw it first, and it starts again', async () => {
    const replica = cluster.replicas[0]!;
    await replica.freeze();
    await replica.stop('fast');
    assert.equal(replica.running, false);
    assert.equal(replica.frozen, false);
    await replica.start();
    await replica.freeze();
    await replica.kill();
    await replica.start();
    assert.equal(await connectAndAsk(replica.directUrl, 5000), replica.port);
  });

  it('kill -9 and start again', async () => {
    const replica = cluster.replicas[0]!;
    const pid = replica.pid!;
    await replica.kill();
    assert.throws(() => process.kill(pid, 0));
    await replica.start();
    await cluster.primary.query('CREATE TABLE after_kill (x int)');
    await cluster.waitForReplicas();
    const rows = await replica.query('SELECT count(*)::int AS n FROM after_kill');
    assert.equal(rows[0]?.n, 0);
  });

  it('the cluster stops with a frozen replica: teardown thaws it first (last: it stops the cluster)', async () => {
    const replica = cluster.replicas[0]!;
    await replica.freeze();
    const pids = [cluster.primary.pid!, replica.pid!];
    await cluster.stop();
    for (const pid of pids) assert.throws(() => process.kill(pid, 0));
  });
});
