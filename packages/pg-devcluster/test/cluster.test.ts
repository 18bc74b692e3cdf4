import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type Cluster, startCluster } from '../src/index.ts';

async function one<T>(url: string, sql: string, params: unknown[] = []): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows[0] as T;
  } finally {
    await client.end();
  }
}

describe('a primary with two streaming replicas', () => {
  let cluster: Cluster;
  before(async () => {
    // wal_log_hints: the first hint bits set on a page after a checkpoint are WAL-logged whatever initdb's
    // checksum default; autovacuum off: no background transaction flushes WAL behind a test's back.
    cluster = await startCluster({ replicas: 2, settings: { wal_log_hints: 'on', autovacuum: 'off' } });
  });
  after(() => cluster?.stop());

  it('starts every replica streaming and in recovery', async () => {
    const status = await cluster.status();
    assert.equal(status.replicas.length, 2);
    for (const r of status.replicas) assert.equal(r.state, 'streaming', r.name);
    for (const url of cluster.urls().replicas) {
      const row = await one<{ rec: boolean }>(url, 'SELECT pg_is_in_recovery() AS rec');
      assert.equal(row.rec, true);
    }
    const primary = await one<{ rec: boolean }>(cluster.urls().primary, 'SELECT pg_is_in_recovery() AS rec');
    assert.equal(primary.rec, false);
  });

  it('listens on 127.0.0.1 only, each node on its own port', async () => {
    const ports = new Set([cluster.primary.port, ...cluster.replicas.map((r) => r.port)]);
    assert.equal(ports.size, 3);
    const row = await one<{ addr: string }>(
      cluster.urls().primary,
      "SELECT current_setting('listen_addresses') AS addr",
    );
    assert.equal(row.addr, '127.0.0.1');
  });

  it('shows a row committed on the primary on every replica after waitForReplicas', async () => {
    const urls = await cluster.createDatabase('app');
    await one(urls.primary, 'CREATE TABLE visible (id int PRIMARY KEY, note text)');
    await one(urls.primary, "INSERT INTO visible VALUES (1, 'hello')");
    await cluster.waitForReplicas();
    for (const url of urls.replicas) {
      const row = await one<{ note: string }>(url, 'SELECT note FROM visible WHERE id = 1');
      assert.equal(row.note, 'hello');
    }
  });

  it('refuses a write on a replica with SQLSTATE 25006', async () => {
    const urls = cluster.urls('app');
    await assert.rejects(one(urls.replicas[0]!, "INSERT INTO visible VALUES (2, 'nope')"), { code: '25006' });
  });

  it('freezes a paused replica while the primary moves on, and catches up on resume', async () => {
    const urls = cluster.urls('app');
    const replica = cluster.replicas[0]!;
    await replica.pauseReplay();
    const frozen = await replica.replayLsn();
    await one(urls.primary, "INSERT INTO visible SELECT g, 'bulk' FROM generate_series(10, 1000) g");
    const primaryLsn = await one<{ lsn: string }>(
      urls.primary,
      'SELECT pg_current_wal_insert_lsn()::text AS lsn',
    );
    assert.notEqual(primaryLsn.lsn, frozen);
    // The other replica keeps up; the paused one stays where it was.
    await cluster.waitForReplicas({ replicas: [cluster.replicas[1]!] });
    assert.equal(await replica.replayLsn(), frozen);
    const stale = await one<{ n: number }>(urls.replicas[0]!, 'SELECT count(*)::int AS n FROM visible');
    assert.equal(stale.n, 1);
    await replica.resumeReplay();
    await cluster.waitForReplicas();
    const fresh = await one<{ n: number }>(urls.replicas[0]!, 'SELECT count(*)::int AS n FROM visible');
    assert.equal(fresh.n, 992);
  });

  it('waitForReplicas needs no further WAL: WAL a rolled-back read left unflushed is waited for, not stalled on', async () => {
    // A read-only transaction that rolls back after setting hint bits (the seed's "database not empty" probe
    // on a restarted cluster) leaves full-page images in the primary's WAL buffers that nothing asks to
    // flush; walsenders ship flushed WAL only. Before the fix the wait stalled until the next background
    // flush (the bgwriter's standby snapshot, every 15 s or more). Two rounds back to back: one background
    // flush cannot rescue both, so the old behaviour fails here whatever its timing.
    const urls = cluster.urls('app');
    await one(urls.primary, 'CREATE TABLE hinted (id int)');
    for (let round = 1; round <= 2; round++) {
      await one(urls.primary, 'INSERT INTO hinted SELECT g FROM generate_series(1, 2000) g');
      await one(urls.primary, 'CHECKPOINT');
      const reader = new pg.Client({ connectionString: urls.primary });
      await reader.connect();
      let pending: { insert: string; unflushed: boolean };
      try {
        await reader.query('BEGIN');
        await reader.query('SELECT count(*) FROM hinted');
        await reader.query('ROLLBACK');
        pending = (
          await reader.query(
            `SELECT pg_current_wal_insert_lsn()::text AS insert,
                    pg_current_wal_flush_lsn() < pg_current_wal_insert_lsn() AS unflushed`,
          )
        ).rows[0];
      } finally {
        await reader.end();
      }
      assert.equal(pending.unflushed, true, `round ${round}: the rolled-back read left WAL unflushed`);
      // A deadline, not a speed assertion: the background flush that used to end the wait is 15 s away.
      await cluster.waitForReplicas({ timeoutMs: 5000 });
      for (const replica of cluster.replicas) {
        const row = await one<{ ok: boolean }>(
          replica.directUrl,
          'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok',
          [pending.insert],
        );
        assert.equal(row.ok, true, `round ${round}: ${replica.name} replayed the unflushed WAL`);
      }
    }
  });

  it('terminates client backends on a node', async () => {
    const client = new pg.Client({
      connectionString: cluster.urls().replicas[1]!,
      connectionTimeoutMillis: 5000,
    });
    client.on('error', () => {});
    const errored = new Promise<Error>((resolve) => client.once('error', resolve));
    await client.connect();
    const n = await cluster.replicas[1]!.terminateBackends();
    assert.ok(n >= 1);
    const error = await errored;
    assert.match(error.message, /terminat/i);
    await client.end().catch(() => {});
  });

  it('reports replay lag in bytes and ms per replica', async () => {
    const status = await cluster.status();
    assert.match(status.primary.currentLsn ?? '', /^[0-9A-F]+\/[0-9A-F]+$/);
    for (const r of status.replicas) assert.equal(typeof r.lagBytes, 'number');
  });

  it('promotes a replica to a writable primary', async () => {
    const replica = cluster.replicas[1]!;
    await replica.promote();
    const row = await one<{ rec: boolean }>(replica.url, 'SELECT pg_is_in_recovery() AS rec');
    assert.equal(row.rec, false);
    await one(cluster.urls('app').replicas[1]!, "INSERT INTO visible VALUES (5000, 'on the promoted node')");
  });
});
