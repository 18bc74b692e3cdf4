/**
 * Causal tokens end to end, through the Fastify plugin and the in-process API, against a real primary and two
 * streaming replicas: who gets a token, where a token-holding read goes (asked of the server itself), the
 * direct check and the bounded wait, `monotonic`, and every kind of bad token (ignored, counted, never a 5xx).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ReplicaNode } from 'pg-devcluster';
import { TokenCodec } from '../src/causal/token-codec.ts';
import { readReplicaPlugin } from '../src/http/fastify.ts';
import { type RoutedPool, type RouterLogger, runInReplicaScope, usePrimary } from '../src/index.ts';
import { captureQueries } from '../src/testing/index.ts';
import { parseWalPosition } from '../src/wal/wal-position.ts';
import {
  type PoolOptions,
  type RoutingCluster,
  startRoutingCluster,
  TEST_TOKEN_SECRET,
  WHERE,
} from './support/routing-cluster.ts';

let rc: RoutingCluster;
let replicas: readonly ReplicaNode[];
let nextId = 1000;

before(async () => {
  rc = await startRoutingCluster({ replicas: 2 });
  replicas = rc.cluster.replicas;
});
after(() => rc?.stop());

const codec = new TokenCodec(TEST_TOKEN_SECRET, { ttlMs: 60_000 });

interface Served {
  readonly found: boolean;
  readonly in_recovery: boolean;
  readonly server_port: number;
}

/** An app with a write route, a read route per level, and a route that writes through usePrimary. */
async function appFor(pool: RoutedPool): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await app.register(readReplicaPlugin, { pool });
  const read = async (id: number): Promise<Served> => {
    const { rows } = await pool.query(
      `SELECT count(*) > 0 AS found, ${WHERE} FROM perf_scan_probe WHERE id = $1`,
      [id],
    );
    return rows[0];
  };
  app.post<{ Params: { id: string } }>('/items/:id', async (request) => {
    await pool.query('INSERT INTO perf_scan_probe VALUES ($1, $1)', [Number(request.params.id)]);
    return { ok: true };
  });
  app.get<{ Params: { id: string } }>('/items/:id', { config: { readReplica: true } }, (r) =>
    read(Number(r.params.id)),
  );
  app.get<{ Params: { id: string } }>(
    '/mono/:id',
    { config: { readReplica: true, consistency: 'monotonic' } },
    async (r) => {
      const first = await read(Number(r.params.id));
      const second = await read(Number(r.params.id));
      return { first, second };
    },
  );
  app.get<{ Params: { id: string } }>(
    '/eventual/:id',
    { config: { readReplica: true, consistency: 'eventual' } },
    (r) => read(Number(r.params.id)),
  );
  app.get<{ Params: { id: string } }>('/touch/:id', { config: { readReplica: true } }, async (r) => {
    await usePrimary(() => pool.query('INSERT INTO perf_scan_probe VALUES ($1, $1)', [Number(r.params.id)]));
    return read(Number(r.params.id));
  });
  await app.ready();
  return app;
}

const apps: FastifyInstance[] = [];
async function setup(options: PoolOptions = {}): Promise<{ pool: RoutedPool; app: FastifyInstance }> {
  const pool = rc.makePool(options);
  await pool.probeReplicas();
  const app = await appFor(pool);
  apps.push(app);
  return { pool, app };
}
after(async () => {
  await Promise.all(apps.map((a) => a.close()));
});

/** Writes item `id` through the app; returns the token the response carried. */
async function write(app: FastifyInstance, id: number): Promise<string> {
  const res = await app.inject({ method: 'POST', url: `/items/${id}` });
  assert.equal(res.statusCode, 200);
  const token = res.headers['x-causal-token'];
  assert.equal(typeof token, 'string', 'a write answers with a token');
  return token as string;
}

async function readWith(app: FastifyInstance, url: string, headers: Record<string, string> = {}) {
  const { result, queries } = await captureQueries(() => app.inject({ url, headers }));
  assert.equal(result.statusCode, 200, result.body);
  return { body: result.json(), headers: result.headers, reasons: queries.map((q) => q.reason) };
}

const fromPrimary = (served: Served) =>
  served.in_recovery === false && served.server_port === rc.cluster.primary.port;
const fromReplica = (served: Served) => served.in_recovery === true;

async function withReplayPaused<T>(nodes: readonly ReplicaNode[], fn: () => Promise<T>): Promise<T> {
  for (const node of nodes) await node.pauseReplay();
  try {
    return await fn();
  } finally {
    for (const node of nodes) await node.resumeReplay();
    await rc.cluster.waitForReplicas();
  }
}

describe('issuing tokens', () => {
  test('a request that wrote answers with X-Causal-Token and an HttpOnly, SameSite=Lax cookie; a read does not', async () => {
    const { app } = await setup();
    const id = nextId++;
    const res = await app.inject({ method: 'POST', url: `/items/${id}` });
    const token = res.headers['x-causal-token'] as string;
    assert.match(token, /^[A-Za-z0-9_-]{42}$/);
    assert.equal(
      res.headers['set-cookie'],
      `causal_token=${token}; Max-Age=60; Path=/; HttpOnly; SameSite=Lax`,
    );
    // Its position is the primary's after the commit: at least what the replica must replay to show the row.
    const check = codec.verify(token);
    assert.ok(check.ok);
    await rc.cluster.waitForReplicas();
    const replayed = parseWalPosition(await replicas[0]!.replayLsn())!;
    assert.ok(check.token.position <= replayed + 1_000_000n);
    const read = await app.inject(`/items/${id}`);
    assert.equal(read.headers['x-causal-token'], undefined);
    assert.equal(read.headers['set-cookie'], undefined);
  });

  test('a write inside usePrimary marks the request: its later reads go to the primary, and it gets a token', async () => {
    const { app } = await setup();
    const id = nextId++;
    const { body, headers, reasons } = await readWith(app, `/touch/${id}`);
    assert.ok(fromPrimary(body) && body.found);
    assert.deepEqual(reasons, ['not_in_scope', 'after_write']);
    assert.match(String(headers['x-causal-token']), /^[A-Za-z0-9_-]{42}$/);
  });
});

describe('read_your_writes', () => {
  test('with replay paused, a token-holding read goes to the primary (causal_behind) and sees its write; without a token it is stale', async () => {
    const { app, pool } = await setup();
    const id = nextId++;
    await withReplayPaused(replicas, async () => {
      const token = await write(app, id);
      const withToken = await readWith(app, `/items/${id}`, { 'x-causal-token': token });
      assert.ok(fromPrimary(withToken.body) && withToken.body.found, JSON.stringify(withToken.body));
      assert.deepEqual(withToken.reasons, ['causal_behind']);
      const byCookie = await readWith(app, `/items/${id}`, { cookie: `other=1; causal_token=${token}` });
      assert.ok(fromPrimary(byCookie.body) && byCookie.body.found);
      const without = await readWith(app, `/items/${id}`);
      assert.ok(fromReplica(without.body), 'without a token: a replica');
      assert.equal(
        without.body.found,
        false,
        'which has not replayed the write: the stale read tokens prevent',
      );
    });
    // Once the replicas have replayed a write, its token holder reads from a replica again.
    const later = nextId++;
    const token = await write(app, later);
    await rc.cluster.waitForReplicas();
    const after = await readWith(app, `/items/${later}`, { 'x-causal-token': token });
    assert.ok(fromReplica(after.body) && after.body.found, JSON.stringify(after.body));
    assert.equal(pool.stats().causal?.tokens.accepted, 3);
  });

  test('the probes are behind the token but the replica is not: asked directly, served by it', async () => {
    const { app, pool } = await setup({ probeMs: 600_000 });
    const id = nextId++;
    const token = await write(app, id);
    // The test cluster commits asynchronously (the WAL reaches the replicas within ~200 ms): wait for it, while
    // the probes (every 10 minutes here) still know only the position before the write.
    await rc.cluster.waitForReplicas();
    const read = await readWith(app, `/items/${id}`, { 'x-causal-token': token });
    assert.ok(fromReplica(read.body) && read.body.found, JSON.stringify(read.body));
    assert.deepEqual(read.reasons, ['routed']);
    const checks = pool.stats().causal?.checks;
    assert.equal(checks?.asked, 1);
    assert.equal(checks?.caughtUp, 1);
    // The answer raised the replica's known position: the next read with that token needs no question.
    await readWith(app, `/items/${id}`, { 'x-causal-token': token });
    assert.equal(pool.stats().causal?.checks.asked, 1);
    assert.ok((pool.stats().causal?.checks.satisfiedByProbe ?? 0) >= 1);
  });

  test('askReplicaWhenBehind: false trusts the probes only (causal_behind until they catch up)', async () => {
    const { app, pool } = await setup({ probeMs: 600_000, askReplicaWhenBehind: false });
    const id = nextId++;
    const token = await write(app, id);
    const read = await readWith(app, `/items/${id}`, { 'x-causal-token': token });
    assert.ok(fromPrimary(read.body) && read.body.found);
    assert.deepEqual(read.reasons, ['causal_behind']);
    assert.equal(pool.stats().causal?.checks.asked, 0);
  });

  test('catchUpWaitMs: a read waits for a replica to replay the token instead of going to the primary', async () => {
    const { app, pool } = await setup({ catchUpWaitMs: 5000 });
    const id = nextId++;
    await replicas[0]!.pauseReplay();
    await replicas[1]!.pauseReplay();
    let resumed = false;
    try {
      const token = await write(app, id);
      const pending = readWith(app, `/items/${id}`, { 'x-causal-token': token });
      await new Promise((resolve) => setTimeout(resolve, 300));
      resumed = true;
      await replicas[0]!.resumeReplay();
      await replicas[1]!.resumeReplay();
      const read = await pending;
      assert.ok(fromReplica(read.body) && read.body.found, JSON.stringify(read.body));
      assert.equal(pool.stats().causal?.checks.waited, 1);
      assert.equal(pool.stats().reasons.causal_behind, 0);
    } finally {
      if (!resumed) for (const r of replicas) await r.resumeReplay();
      await rc.cluster.waitForReplicas();
    }
  });
});

describe('monotonic', () => {
  test('a read refreshes the token past what it saw; the next read never lands on a replica behind it', async () => {
    const { app, pool } = await setup();
    const id = nextId++;
    const behind = replicas[1]!;
    await withReplayPaused([behind], async () => {
      await rc.cluster.primary.query('INSERT INTO perf_scan_probe VALUES ($1, $1)', [id], rc.database);
      await rc.cluster.waitForReplicas({ replicas: [replicas[0]!] });
      // Eventual reads alternate between the replicas, so they see the row appear and vanish again.
      const seen = [];
      for (let i = 0; i < 4; i++) seen.push((await readWith(app, `/eventual/${id}`)).body.found);
      assert.deepEqual(seen.sort(), [false, false, true, true]);
      // Monotonic: the first read takes a token; every later read (both statements of each request, on one
      // replica) is at least as new, so once the row was seen it never vanishes.
      let token: string | undefined;
      const found: boolean[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await readWith(app, `/mono/${id}`, token ? { 'x-causal-token': token } : {});
        assert.equal(res.body.first.server_port, res.body.second.server_port, 'one replica per request');
        found.push(res.body.first.found, res.body.second.found);
        token = (res.headers['x-causal-token'] as string | undefined) ?? token;
        assert.ok(token, 'a monotonic read answers with a token');
      }
      const first = found.indexOf(true);
      assert.notEqual(first, -1);
      assert.ok(found.slice(first).every(Boolean), `went back in time: ${found.join(',')}`);
      const position = codec.verify(token!);
      assert.ok(position.ok && position.token.position > parseWalPosition(await behind.replayLsn())!);
    });
    assert.ok((pool.stats().causal?.tokens.replicaCaptures ?? 0) >= 6);
  });
});

describe('invalid tokens are ignored and counted, never a 4xx or 5xx', () => {
  test('forged, other secret, truncated, expired, future-dated, malformed, huge', async () => {
    const { app, pool } = await setup();
    const id = nextId++;
    const good = await write(app, id);
    await rc.cluster.waitForReplicas();
    const flip = (t: string, i: number) => `${t.slice(0, i)}${t[i] === 'A' ? 'B' : 'A'}${t.slice(i + 1)}`;
    const other = new TokenCodec('another-secret-of-the-right-length-0123456789', { ttlMs: 60_000 });
    const now = Date.now();
    const cases: [string, string, string][] = [
      ['forged signature', flip(good, 40), 'bad_signature'],
      ['forged position', flip(good, 5), 'bad_signature'],
      ['other secret', other.issue(1n), 'bad_signature'],
      ['truncated', good.slice(0, 30), 'malformed'],
      ['expired', codec.sign({ position: 1n, issuedAt: now - 61_000 }), 'expired'],
      ['future-dated', codec.sign({ position: 1n, issuedAt: now + 60_000 }), 'future'],
      ['garbage', '../../etc/passwd', 'malformed'],
      ['huge', 'A'.repeat(1_000_000), 'too_large'],
    ];
    for (const [name, token, reason] of cases) {
      const before = pool.stats().causal!.tokens.invalid[reason as 'malformed'];
      const res = await readWith(app, `/items/${id}`, { 'x-causal-token': token });
      assert.ok(fromReplica(res.body), `${name}: read as without a token (a replica)`);
      assert.equal(pool.stats().causal!.tokens.invalid[reason as 'malformed'], before + 1, name);
      // A refused cookie is cleared, so the client stops sending it.
      const byCookie = await app.inject({
        url: `/items/${id}`,
        headers: { cookie: `causal_token=${token}` },
      });
      assert.equal(byCookie.statusCode, 200, name);
      assert.match(
        String(byCookie.headers['set-cookie']),
        /^causal_token=; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax$/,
      );
    }
    assert.equal(pool.stats().reasons.causal_behind, 0, 'no bad token sent a read to the primary');
  });

  test('over real HTTP: a 15 kB token header is a 200, read from a replica', async () => {
    const { app } = await setup();
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${address}/items/1`, { headers: { 'x-causal-token': 'x'.repeat(15_000) } });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as Served).in_recovery, true);
  });

  test('a route at eventual ignores tokens entirely', async () => {
    const { app, pool } = await setup();
    const id = nextId++;
    await withReplayPaused(replicas, async () => {
      const token = await write(app, id);
      const res = await readWith(app, `/eventual/${id}`, { 'x-causal-token': token });
      assert.ok(fromReplica(res.body) && !res.body.found);
      assert.equal(res.headers['x-causal-token'], undefined);
    });
    assert.equal(pool.stats().causal?.tokens.accepted, 0);
  });
});

describe('the in-process API (background jobs)', () => {
  test('captureCausalToken after writes; runWithCausalToken reads only what has replayed them', async () => {
    const pool = rc.makePool();
    const id = nextId++;
    await withReplayPaused(replicas, async () => {
      await pool.query('INSERT INTO perf_scan_probe VALUES ($1, $1)', [id]);
      const token = await pool.captureCausalToken();
      assert.ok(token);
      const read = `SELECT count(*) > 0 AS found, ${WHERE} FROM perf_scan_probe WHERE id = $1`;
      const under = await pool.runWithCausalToken(token, () => pool.query(read, [id]));
      assert.ok(fromPrimary(under.rows[0]) && under.rows[0].found);
      const plain = await runInReplicaScope(() => pool.query(read, [id]));
      assert.ok(fromReplica(plain.rows[0]) && !plain.rows[0].found);
      // A bad token is ignored: the job reads as without one.
      const ignored = await pool.runWithCausalToken('nonsense', () => pool.query(read, [id]));
      assert.ok(fromReplica(ignored.rows[0]));
    });
  });

  test('a pool given no secret makes its own and says so once (never printing it)', async () => {
    const lines: string[] = [];
    const logger: RouterLogger = {
      debug: () => {},
      warn: (o, msg) => void lines.push(`${msg} ${JSON.stringify(o)}`),
    };
    const pool = rc.makePool({ tokenSecret: undefined, logger });
    await pool.probeReplicas();
    assert.equal(lines.filter((l) => l.startsWith('db_routing_token_secret_generated')).length, 1);
    const token = await pool.captureCausalToken();
    assert.ok(token);
    assert.equal(codec.verify(token).ok, false, 'signed with its own key, not the shared one');
  });
});
