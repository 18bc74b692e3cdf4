import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { captureQueries } from 'replica-router/testing';
import { type ServiceApp, startServiceApp } from '../support/service-app.ts';

describe('GET /api/performance/framework/', () => {
  let app: ServiceApp['app'];
  let close: ServiceApp['close'] | undefined;
  before(async () => {
    ({ app, close } = await startServiceApp());
  });
  after(async () => {
    await close?.();
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
