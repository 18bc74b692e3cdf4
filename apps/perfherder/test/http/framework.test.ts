import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { captureQueries } from 'replica-router/testing';
import { build } from '../../src/app.ts';
import { createServicePool } from '../../src/db/create-service-pool.ts';
import { withTestDatabase } from '../support/database.ts';

describe('GET /api/performance/framework/', () => {
  let db: Awaited<ReturnType<typeof withTestDatabase>>;
  let app: Awaited<ReturnType<typeof build>>;
  before(async () => {
    db = await withTestDatabase({ stopAfter: false });
    const pool = createServicePool({
      primaryUrl: db.urls.primary,
      replicaUrls: db.urls.replicas,
      poolMax: 4,
      connectTimeoutMs: 1000,
      queryTimeoutMs: 5000,
      ejectMs: 1000,
      classifierCacheSize: 100,
    });
    app = await build({ pool, closePool: true, logger: false });
    // inject() before ready() would run the request in avvio's async context, losing captureQueries' context.
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await db?.close();
  });

  it('lists enabled frameworks ordered by id, from the replica', async () => {
    const { result, queries } = await captureQueries(() => app.inject('/api/performance/framework/'));
    assert.equal(result.statusCode, 200);
    const body = result.json() as { id: number; name: string }[];
    assert.deepEqual(body.slice(0, 2), [
      { id: 1, name: 'talos' },
      { id: 2, name: 'build_metrics' },
    ]);
    assert.ok(!body.some((f) => f.name === 'awfy'), 'disabled frameworks are hidden');
    assert.ok(queries.length > 0);
    assert.ok(
      queries.every((q) => q.alias === 'read_replica'),
      JSON.stringify(queries),
    );
  });

  it('retrieves one, 404 for a disabled one in the DRF shape', async () => {
    assert.deepEqual((await app.inject('/api/performance/framework/1/')).json(), { id: 1, name: 'talos' });
    const res = await app.inject('/api/performance/framework/5/');
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { detail: 'No PerformanceFramework matches the given query.' });
  });
});
