// RoutedClient wraps a pooled primary connection that outlives it: what it adds to that connection, it
// must take off again on release.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import type { RoutedClient } from '../src/index.ts';
import { type RoutingCluster, startRoutingCluster } from './support/routing-cluster.ts';

let rc: RoutingCluster;

before(async () => {
  rc = await startRoutingCluster();
});
after(() => rc?.stop());

test('checking a client out and back in many times leaves no listeners behind on the connection', async () => {
  const pool = rc.makePool({ max: 1 });
  let connection: pg.PoolClient | undefined;
  const baseline: Record<string, number> = {};
  for (let i = 0; i < 25; i++) {
    const client = (await pool.connect()) as unknown as RoutedClient;
    await client.query('BEGIN');
    await client.query('COMMIT');
    connection = await client.primaryClient();
    if (i === 0)
      for (const e of ['error', 'notice', 'notification', 'end']) baseline[e] = connection.listenerCount(e);
    client.release();
  }
  assert.ok(connection);
  for (const e of ['error', 'notice', 'notification', 'end']) {
    assert.ok(
      connection.listenerCount(e) <= (baseline[e] ?? 0),
      `${e}: ${connection.listenerCount(e)} listeners`,
    );
  }
});

test('notices of the primary connection reach listeners on the routed client', async () => {
  const pool = rc.makePool();
  const client = (await pool.connect()) as unknown as RoutedClient;
  const notices: string[] = [];
  client.on('notice', (n: { message: string }) => notices.push(n.message));
  await client.query("DO $$ BEGIN RAISE NOTICE 'hello from the primary'; END $$");
  client.release();
  assert.deepEqual(notices, ['hello from the primary']);
});
