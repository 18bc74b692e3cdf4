import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { currentScope, type RequestScope, RoutedPool, runInReplicaScope, usePrimary } from '../src/index.ts';
import { type RoutingCluster, type ServedBy, startRoutingCluster, WHERE } from './support/routing-cluster.ts';

let rc: RoutingCluster;
let pool: RoutedPool;
let primaryPort: number;
let replicaPort: number;

before(async () => {
  rc = await startRoutingCluster();
  pool = rc.makePool({ max: 8 });
  primaryPort = rc.cluster.primary.port;
  replicaPort = rc.cluster.replicas[0]!.port;
});
after(() => rc?.stop());

async function servedBy(sql = `SELECT ${WHERE}`): Promise<ServedBy> {
  const { rows } = await pool.query<ServedBy>(sql);
  assert.equal(rows.length >= 1, true);
  return rows[0]!;
}

describe('runInReplicaScope', () => {
  test('the function sees the flag; the caller does not, before or after', async () => {
    assert.equal(currentScope(), undefined);
    const seen = await runInReplicaScope(() => currentScope()?.useReplica, { path: '/p', method: 'GET' });
    assert.equal(seen, true);
    assert.equal(currentScope(), undefined);
  });

  test('the scope carries path and method, and is ended once the function settled', async () => {
    let scope: RequestScope | undefined;
    await runInReplicaScope(
      async () => {
        scope = currentScope();
        assert.equal(scope?.ended, false);
      },
      { path: '/api/performance/framework/', method: 'GET' },
    );
    assert.equal(scope?.path, '/api/performance/framework/');
    assert.equal(scope?.method, 'GET');
    assert.equal(scope?.ended, true);
  });

  test('a read in scope is served by the replica; outside by the primary (asked of the server)', async () => {
    const inside = await runInReplicaScope(() => servedBy());
    assert.deepEqual(inside, { in_recovery: true, server_port: replicaPort });
    const outside = await servedBy();
    assert.deepEqual(outside, { in_recovery: false, server_port: primaryPort });
  });

  test('an exception clears the flag too (sync throw and async rejection)', async () => {
    let scope: RequestScope | undefined;
    await assert.rejects(
      runInReplicaScope(() => {
        scope = currentScope();
        throw new Error('sync boom');
      }),
      /sync boom/,
    );
    assert.equal(scope?.ended, true);
    assert.equal(currentScope(), undefined);
    await assert.rejects(
      runInReplicaScope(async () => {
        scope = currentScope();
        await servedBy();
        throw new Error('async boom');
      }),
      /async boom/,
    );
    assert.equal(scope?.ended, true);
    assert.equal(currentScope(), undefined);
    assert.equal((await servedBy()).in_recovery, false);
  });

  test('work the scope left behind (a timer, a late promise) runs on the primary once it ended', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let late: Promise<ServedBy> | undefined;
    const during = await runInReplicaScope(async () => {
      // Still inside the async context of the scope, but resumed after the scope ended.
      late = gate.then(() => servedBy());
      return servedBy();
    });
    assert.equal(during.in_recovery, true);
    release();
    assert.deepEqual(await late, { in_recovery: false, server_port: primaryPort });
  });
});

describe('usePrimary', () => {
  test('forces the primary inside an opted-in scope, and only for its own function', async () => {
    const result = await runInReplicaScope(async () => {
      const before = await servedBy();
      const forced = await usePrimary(async () => ({
        flag: currentScope()?.useReplica,
        served: await servedBy(
          'SELECT pg_is_in_recovery() AS in_recovery, inet_server_port() AS server_port FROM performance_framework LIMIT 1',
        ),
      }));
      const afterwards = await servedBy();
      return { before, forced, afterwards, flag: currentScope()?.useReplica };
    });
    assert.equal(result.before.in_recovery, true);
    assert.equal(result.forced.flag, false);
    assert.deepEqual(result.forced.served, { in_recovery: false, server_port: primaryPort });
    assert.equal(result.afterwards.in_recovery, true);
    assert.equal(result.flag, true);
  });

  test('outside any scope it runs on the primary', async () => {
    assert.equal((await usePrimary(() => servedBy())).in_recovery, false);
  });
});

describe('isolation between concurrent tasks', () => {
  test('1,000 interleaved scoped and unscoped tasks never see each other’s flag', async () => {
    const n = 1000;
    const statsBefore = pool.stats().reasons;
    const tasks = Array.from({ length: n }, async (_, i) => {
      const scoped = i % 2 === 0;
      const body = async () => {
        const flagBefore = currentScope()?.useReplica === true;
        // Yield a varying number of times so the tasks really interleave.
        for (let k = 0; k < i % 7; k++) await new Promise((resolve) => setImmediate(resolve));
        const { rows } = await pool.query<ServedBy & { i: number }>(`SELECT $1::int AS i, ${WHERE}`, [i]);
        const flagAfter = currentScope()?.useReplica === true;
        return { i, scoped, flagBefore, flagAfter, row: rows[0]! };
      };
      return scoped ? runInReplicaScope(body, { path: `/t/${i}`, method: 'GET' }) : body();
    });
    const results = await Promise.all(tasks);
    for (const r of results) {
      assert.equal(r.row.i, r.i, 'each task got its own result');
      assert.equal(r.flagBefore, r.scoped, `task ${r.i} flag before`);
      assert.equal(r.flagAfter, r.scoped, `task ${r.i} flag after its query`);
      assert.equal(
        r.row.in_recovery,
        r.scoped,
        `task ${r.i} (scoped=${r.scoped}) served by the wrong server`,
      );
      assert.equal(r.row.server_port, r.scoped ? replicaPort : primaryPort);
    }
    const statsAfter = pool.stats().reasons;
    assert.equal(statsAfter.routed - statsBefore.routed, n / 2);
    assert.equal(statsAfter.not_in_scope - statsBefore.not_in_scope, n / 2);
    assert.equal(statsAfter.fallback - statsBefore.fallback, 0);
  });

  test('nested scopes: an inner usePrimary does not leak into a sibling task of the same scope', async () => {
    const [a, b] = await runInReplicaScope(() =>
      Promise.all([usePrimary(() => servedBy()), (async () => servedBy())()]),
    );
    assert.equal(a.in_recovery, false);
    assert.equal(b.in_recovery, true);
  });
});

test('a pool built without replicas ignores the scope entirely', async () => {
  const plain = new RoutedPool({ primary: rc.urls.primary, tableApps: {} });
  try {
    const row = await runInReplicaScope(async () => (await plain.query<ServedBy>(`SELECT ${WHERE}`)).rows[0]);
    assert.deepEqual(row, { in_recovery: false, server_port: primaryPort });
  } finally {
    await plain.end();
  }
});
