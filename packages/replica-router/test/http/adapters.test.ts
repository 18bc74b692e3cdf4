/**
 * One contract, four adapters (Fastify plugin, Express and Hono middleware, node:http wrapper), each over
 * real HTTP against a real primary and replica: safe methods only, per-route opt-in, the DEBUG line once
 * per routed request, the scope gone when the response is out, and a true no-op with routing off. Where a
 * statement ran is what the server says (`pg_is_in_recovery()`, `inet_server_port()`).
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { RoutedPool } from '../../src/index.ts';
import { nonZero, type RoutingCluster, startRoutingCluster } from '../support/routing-cluster.ts';
import {
  ADAPTERS,
  type AdapterApp,
  type AdapterName,
  type LogLine,
  startAdapterApp,
} from './adapter-apps.ts';

let rc: RoutingCluster;
let routed: RoutedPool;
let off: RoutedPool;
let primaryPort: number;
let replicaPort: number;

before(async () => {
  rc = await startRoutingCluster();
  primaryPort = rc.cluster.primary.port;
  replicaPort = rc.cluster.replicas[0]!.port;
  routed = rc.makePool();
  off = rc.makePool({ replicas: [] });
});
after(() => rc?.stop());

const apps: AdapterApp[] = [];
async function appOn(adapter: AdapterName, pool: RoutedPool): Promise<AdapterApp> {
  const app = await startAdapterApp(adapter, pool);
  apps.push(app);
  return app;
}
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

/** Where the handler's statement ran, read from the response headers (HEAD has no body). */
async function ask(app: AdapterApp, method: string, path: string) {
  const res = await fetch(`${app.baseUrl}${path}`, { method });
  assert.equal(res.status, 200, `${method} ${path}: ${await res.clone().text()}`);
  const body = method === 'HEAD' ? null : ((await res.json()) as { useReplica: boolean | null });
  return {
    inRecovery: res.headers.get('x-in-recovery'),
    port: Number(res.headers.get('x-server-port')),
    useReplica: body?.useReplica,
  };
}

function routingLines(lines: readonly LogLine[]): LogLine[] {
  return lines.filter((l) => l.msg.startsWith('db_routing'));
}

for (const adapter of ADAPTERS) {
  describe(adapter, () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      test(`${method} on an opted-in route reads from the replica and logs the DEBUG line once`, async () => {
        const app = await appOn(adapter, routed);
        const served = await ask(app, method, '/opted?repository=autoland&interval=86400');
        assert.deepEqual([served.inRecovery, served.port], ['true', replicaPort]);
        if (method !== 'HEAD') assert.equal(served.useReplica, true);
        const lines = routingLines(app.lines);
        assert.equal(lines.length, 1, JSON.stringify(lines));
        assert.equal(lines[0]?.level, 'debug');
        assert.equal(lines[0]?.msg, `db_routing routed_to=read_replica path=/opted method=${method}`);
        assert.equal(lines[0]?.fields.path, '/opted');
        assert.equal(lines[0]?.fields.method, method);
        assert.equal(lines[0]?.fields.routed_to, 'read_replica');
      });
    }

    for (const method of ['POST', 'DELETE']) {
      test(`${method} on the same route runs on the primary, without the replica flag and no line`, async () => {
        const app = await appOn(adapter, routed);
        const served = await ask(app, method, '/opted');
        // No scope, or (Fastify at read_your_writes) one without the flag: its writes earn a causal token.
        assert.deepEqual(
          [served.inRecovery, served.port, served.useReplica === true],
          ['false', primaryPort, false],
        );
        assert.deepEqual(routingLines(app.lines), []);
      });
    }

    test('a route that did not opt in runs on the primary, without the replica flag and no line', async () => {
      const app = await appOn(adapter, routed);
      const served = await ask(app, 'GET', '/plain');
      assert.deepEqual(
        [served.inRecovery, served.port, served.useReplica === true],
        ['false', primaryPort, false],
      );
      assert.deepEqual(routingLines(app.lines), []);
    });

    test('the scope ends with the response: work left behind runs on the primary', async () => {
      const app = await appOn(adapter, routed);
      const served = await ask(app, 'GET', '/opted/late');
      assert.equal(served.inRecovery, 'true');
      app.releaseLate();
      assert.deepEqual(await app.late, { in_recovery: false, server_port: primaryPort });
    });

    test('routing off (no replica alias): a true no-op, everything on the primary', async () => {
      const app = await appOn(adapter, off);
      const before = off.stats().reasons.routing_disabled;
      for (const method of ['GET', 'HEAD', 'OPTIONS', 'POST']) {
        const served = await ask(app, method, '/opted');
        assert.deepEqual(
          [served.inRecovery, served.port, served.useReplica ?? null],
          ['false', primaryPort, null],
        );
      }
      assert.deepEqual(routingLines(app.lines), []);
      assert.deepEqual(nonZero(off.stats().reasons), { routing_disabled: before + 4 });
    });
  });
}
