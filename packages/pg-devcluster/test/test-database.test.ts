/**
 * createTestDatabase: a database per test file on a cluster another process started, found through
 * PG_DEVCLUSTER_URLS (what a global setup fills in), present on every replica when it resolves.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { CLUSTER_URLS_ENV, type Cluster, createTestDatabase, startCluster } from '../src/index.ts';

async function one<T>(url: string, sql: string): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows[0] as T;
  } finally {
    await client.end();
  }
}

let cluster: Cluster;
before(async () => {
  cluster = await startCluster({ replicas: 1 });
});
after(() => cluster?.stop());

describe('createTestDatabase', () => {
  it('creates a database of its own, on the primary and already on the replica', async () => {
    process.env[CLUSTER_URLS_ENV] = JSON.stringify(cluster.urls());
    try {
      const a = await createTestDatabase();
      const b = await createTestDatabase();
      assert.notEqual(a.name, b.name);
      assert.match(a.name, /^test_\d+_[0-9a-f]{8}$/);
      // No wait here: the replica had replayed the CREATE DATABASE when the promise resolved.
      const onReplica = await one<{ db: string; rec: boolean; port: number }>(
        a.urls.replicas[0]!,
        'SELECT current_database() AS db, pg_is_in_recovery() AS rec, inet_server_port() AS port',
      );
      assert.deepEqual(onReplica, { db: a.name, rec: true, port: cluster.replicas[0]!.port });
      // Isolated: a table made in one is not in the other.
      await one(a.urls.primary, 'CREATE TABLE only_in_a (id int)');
      await one(a.urls.primary, 'INSERT INTO only_in_a VALUES (7)');
      await a.waitForReplicas();
      const replayed = await one<{ id: number }>(a.urls.replicas[0]!, 'SELECT id FROM only_in_a');
      assert.deepEqual(replayed, { id: 7 });
      const seen = await one<{ t: string | null }>(
        b.urls.primary,
        "SELECT to_regclass('only_in_a')::text AS t",
      );
      assert.equal(seen.t, null);
      await a.drop();
      await a.drop(); // idempotent
      await b[Symbol.asyncDispose]();
      const left = await cluster.primary.query('SELECT datname FROM pg_database WHERE datname = ANY($1)', [
        [a.name, b.name],
      ]);
      assert.deepEqual(left, []);
    } finally {
      delete process.env[CLUSTER_URLS_ENV];
    }
  });

  it('takes the URLs and a name as options', async () => {
    const db = await createTestDatabase({ urls: cluster.urls(), name: 'Named "db"' });
    const row = await one<{ db: string }>(db.urls.replicas[0]!, 'SELECT current_database() AS db');
    assert.equal(row.db, 'Named "db"');
    await db.drop();
  });

  it('names the variable when it is missing or not the JSON of cluster.urls(), without echoing it', async () => {
    delete process.env[CLUSTER_URLS_ENV];
    await assert.rejects(createTestDatabase(), {
      code: 'PGDC_ERR_INVALID_OPTION',
      message: /^PG_DEVCLUSTER_URLS is not set/,
    });
    process.env[CLUSTER_URLS_ENV] = 'postgres://postgres:s3cret@127.0.0.1:1/x';
    try {
      await assert.rejects(createTestDatabase(), (e: Error & { code: string }) => {
        assert.equal(e.code, 'PGDC_ERR_INVALID_OPTION');
        assert.match(e.message, /^PG_DEVCLUSTER_URLS is not the JSON of cluster\.urls\(\)/);
        assert.ok(!e.message.includes('s3cret'));
        return true;
      });
    } finally {
      delete process.env[CLUSTER_URLS_ENV];
    }
  });
});
