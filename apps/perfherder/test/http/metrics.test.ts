// GET /metrics: routing decisions and replica health in the Prometheus format, with no secret in it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildServiceApp, type ServiceApp, startServiceApp } from '../support/service-app.ts';

function sample(text: string, name: string, labels: string): number | undefined {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{${labels}}`) || l === name || l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('GET /metrics', () => {
  let service: ServiceApp | undefined;
  before(async () => {
    service = await startServiceApp();
  });
  after(async () => {
    await service?.close();
  });

  test('counts routed statements and shows the replica healthy, without any URL or password', async () => {
    const { app, db } = service!;
    for (let i = 0; i < 3; i++)
      assert.equal((await app.inject('/api/performance/framework/')).statusCode, 200);
    assert.equal((await app.inject('/api/performance/tag/')).statusCode, 200);
    const res = await app.inject('/metrics');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    const text = res.body;
    assert.ok((sample(text, 'perfherder_db_statements_total', 'reason="routed"') ?? 0) >= 3, text);
    assert.ok((sample(text, 'perfherder_db_statements_total', 'reason="not_in_scope"') ?? 0) >= 1, text);
    assert.equal(sample(text, 'perfherder_db_routing_enabled', ''), 1);
    assert.equal(sample(text, 'perfherder_db_replica_healthy', 'replica="replica_1"'), 1);
    assert.ok(
      (sample(text, 'perfherder_db_replica_statements_total', 'replica="replica_1",outcome="served"') ?? 0) >=
        3,
    );
    const password = new URL(db.urls.primary).password;
    assert.ok(password.length > 0);
    assert.ok(!text.includes(password), 'no password');
    assert.ok(!text.includes('postgres://'), 'no URL');
  });

  test('with the kill switch: routing disabled, no replica series', async () => {
    const off = await buildServiceApp(service!.db.urls, { replicas: false });
    try {
      await off.inject('/api/performance/framework/');
      const text = (await off.inject('/metrics')).body;
      assert.equal(sample(text, 'perfherder_db_routing_enabled', ''), 0);
      assert.ok((sample(text, 'perfherder_db_statements_total', 'reason="routing_disabled"') ?? 0) >= 1);
      assert.equal(sample(text, 'perfherder_db_statements_total', 'reason="routed"'), 0);
      assert.ok(!text.includes('replica_1'));
    } finally {
      await off.close();
    }
  });
});
