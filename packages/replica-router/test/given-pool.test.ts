// A replica given as a pg.Pool of the application's own: its reads run on that pool's connections (asked from the
// server), its probes log in with the pool's options, nothing of it leaks a password, and it stays the
// application's: no listener left on its connections, still open after the routed pool ends.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import pg from 'pg';
import { runInReplicaScope } from '../src/index.ts';
import {
  type RoutingCluster,
  readmitted,
  startRoutingCluster,
  WHERE,
  withApplicationName,
} from './support/routing-cluster.ts';

let rc: RoutingCluster;

before(async () => {
  rc = await startRoutingCluster();
});
after(() => rc?.stop());

/** The application's pool on the replica, its connections named `name` (one connection unless `max`). */
function givenPool(name: string, max = 1): pg.Pool {
  const pool = new pg.Pool({ connectionString: withApplicationName(rc.urls.replicas[0]!, name), max });
  pool.on('error', () => {});
  return pool;
}

const READ = `SELECT current_setting('application_name') AS app, ${WHERE} FROM performance_framework WHERE id = $1`;

describe('a replica given as a pg.Pool', () => {
  test('serves the reads in scope on its own connections, with hedging on and off', async () => {
    for (const hedgeMs of [undefined, 0]) {
      const name = `rr-given-${randomUUID().slice(0, 8)}`;
      const given = givenPool(name, 2);
      const pool = rc.makePool({ replicas: [given], ...(hedgeMs === undefined ? {} : { hedgeMs }) });
      try {
        await readmitted(pool);
        const { rows } = await runInReplicaScope(() => pool.query(READ, [1]));
        assert.deepEqual(rows[0], {
          app: name,
          in_recovery: true,
          server_port: rc.cluster.replicas[0]!.port,
        });
        // Out of scope it is the primary's (the routed pool's own connections).
        const outside = await pool.query(READ, [1]);
        assert.equal(outside.rows[0]?.in_recovery, false);
        assert.notEqual(outside.rows[0]?.app, name);
        const [replica] = pool.stats().replicas;
        assert.equal(replica?.port, Number(new URL(rc.urls.replicas[0]!).port), 'the pool’s port, not 5432');
        assert.equal(replica?.state, 'healthy', 'probed with the given pool’s options');
        assert.equal(pool.stats().reasons.routed, 1);
        assert.ok(given.totalCount >= 1, 'the read checked out a connection of the given pool');
      } finally {
        await pool.end();
        await given.end();
      }
    }
  });

  test('shows no password in stats or inspect', async () => {
    const password = decodeURIComponent(new URL(rc.urls.replicas[0]!).password);
    assert.ok(password.length > 0, 'the test cluster logs in with a password');
    const given = givenPool(`rr-given-${randomUUID().slice(0, 8)}`);
    const pool = rc.makePool({ replicas: [given] });
    try {
      await readmitted(pool);
      await runInReplicaScope(() => pool.query(READ, [1]));
      assert.ok(!JSON.stringify(pool.stats()).includes(password));
      assert.ok(!inspect(pool, { depth: 6 }).includes(password));
    } finally {
      await pool.end();
      await given.end();
    }
  });

  test('stays the application’s: no listener left on its connection, open after the routed pool ends', async () => {
    const given = givenPool(`rr-given-${randomUUID().slice(0, 8)}`);
    // One connection: the one the routed reads below use.
    const before = await given.connect();
    const listenersBefore = before.listenerCount('error');
    before.release();
    const poolListenersBefore = given.listenerCount('error');
    const pool = rc.makePool({ replicas: [given] });
    await readmitted(pool);
    for (let i = 0; i < 5; i++) await runInReplicaScope(() => pool.query(READ, [1]));
    assert.equal(pool.stats().reasons.routed, 5);
    const after = await given.connect();
    try {
      assert.equal(after, before, 'the same connection');
      assert.equal(after.listenerCount('error'), listenersBefore, 'hedged reads left no listener on it');
    } finally {
      after.release();
    }
    await pool.end();
    assert.equal(given.listenerCount('error'), poolListenersBefore, 'the router’s pool listener is gone');
    const { rows } = await given.query('SELECT pg_is_in_recovery() AS r');
    assert.equal(rows[0]?.r, true, 'still open and usable');
    await given.end();
  });
});
