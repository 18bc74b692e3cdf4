// OPTIONS on every API path answers like DRF's metadata: name, description, JSON in and out, and the
// allowed methods; an opted-in path takes the replica scope like its GET.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ServiceApp, startServiceApp } from '../support/service-app.ts';

describe('OPTIONS', () => {
  let service: ServiceApp | undefined;
  const lines: { msg: string }[] = [];
  before(async () => {
    service = await startServiceApp({
      logger: { level: 'debug', stream: { write: (l: string) => void lines.push(JSON.parse(l)) } },
    });
  });
  after(async () => {
    await service?.close();
  });

  test('an opted-in read endpoint: metadata, Allow header, and the routing line of the reference', async () => {
    lines.length = 0;
    const res = await service!.app.inject({ method: 'OPTIONS', url: '/api/performance/framework/' });
    assert.equal(res.statusCode, 200);
    const body = res.json() as { name: string; renders: string[]; parses: string[] };
    assert.equal(typeof body.name, 'string');
    assert.deepEqual(body.renders, ['application/json']);
    assert.deepEqual(body.parses, ['application/json']);
    assert.equal(res.headers.allow, 'GET, HEAD, OPTIONS');
    assert.ok(
      lines.some(
        (l) => l.msg === 'db_routing routed_to=read_replica path=/api/performance/framework/ method=OPTIONS',
      ),
    );
  });

  test('a read-write endpoint lists its write methods and is not routed', async () => {
    lines.length = 0;
    const res = await service!.app.inject({ method: 'OPTIONS', url: '/api/performance/alertsummary/' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers.allow, 'GET, HEAD, OPTIONS, POST');
    const detail = await service!.app.inject({ method: 'OPTIONS', url: '/api/performance/alertsummary/1/' });
    assert.equal(detail.headers.allow, 'DELETE, GET, HEAD, OPTIONS, PATCH, PUT');
    assert.ok(!lines.some((l) => l.msg.startsWith('db_routing routed_to')));
  });
});
