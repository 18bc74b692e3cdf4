// A stranger's first test: a RoutedPool on its own database, a read routed to the replica and a write
// to the primary, both proven by the servers themselves.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase } from 'pg-devcluster';
import { RoutedPool, runInReplicaScope } from 'replica-router';
import { captureQueries } from 'replica-router/testing';

const WHERE = 'pg_is_in_recovery() AS in_recovery, inet_server_port() AS port';
let db;
let pool;

before(async () => {
  db = await createTestDatabase();
  pool = new RoutedPool({
    primary: db.urls.primary,
    replicas: db.urls.replicas,
    tableApps: { note: 'notes' },
    allowList: ['notes'],
  });
  await pool.query('CREATE TABLE note (id serial PRIMARY KEY, body text NOT NULL)');
  await pool.query("INSERT INTO note (body) VALUES ('hello')");
  await db.waitForReplicas();
});
after(async () => {
  await pool?.end();
  await db?.drop();
});

test('a read in scope runs on the replica, a write on the primary', async () => {
  const { result, queries } = await captureQueries(() =>
    runInReplicaScope(async () => {
      const read = await pool.query(`SELECT ${WHERE}, count(*)::int AS notes FROM note`);
      const write = await pool.query(`INSERT INTO note (body) VALUES ('again') RETURNING ${WHERE}`);
      return { read: read.rows[0], write: write.rows[0] };
    }),
  );
  const port = (url) => Number(new URL(url).port);
  assert.deepEqual(result.read, { in_recovery: true, port: port(db.urls.replicas[0]), notes: 1 });
  assert.deepEqual(result.write, { in_recovery: false, port: port(db.urls.primary) });
  assert.deepEqual(
    queries.map((q) => `${q.alias}:${q.reason}`),
    ['read_replica:routed', 'default:write'],
  );
  if (process.env.EVIDENCE_DIR) {
    const evidence = {
      ...result,
      name: db.name,
      primaryPort: port(db.urls.primary),
      replicaPort: port(db.urls.replicas[0]),
      resolved: [import.meta.resolve('replica-router'), import.meta.resolve('pg-devcluster')],
    };
    writeFileSync(join(process.env.EVIDENCE_DIR, 'routing.json'), JSON.stringify(evidence));
  }
});
