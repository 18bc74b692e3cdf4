// GET /metrics: routing decisions and replica health in the Prometheus format, with no secret in it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { readRouterConfig, runInReplicaScope } from 'replica-router';
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

  test('each replica’s state, lag and probes; causal-token counters; the token secret nowhere', async () => {
    const secret = 'metrics-test-secret-0123456789-abcdefghij';
    const lines: string[] = [];
    const app = await buildServiceApp(service!.db.urls, {
      pool: { tokenSecret: secret },
      logger: { level: 'debug', stream: { write: (line: string) => void lines.push(line) } },
    });
    try {
      const token = await app.db.captureCausalToken();
      assert.ok(token);
      const ok = await app.inject({
        url: '/api/performance/framework/',
        headers: { 'x-causal-token': token },
      });
      assert.equal(ok.statusCode, 200);
      const forged = `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`;
      const bad = await app.inject({
        url: '/api/performance/framework/',
        headers: { 'x-causal-token': forged },
      });
      assert.equal(bad.statusCode, 200);
      const text = (await app.inject('/metrics')).body;
      assert.equal(sample(text, 'perfherder_db_replica_state', 'replica="replica_1",state="healthy"'), 1);
      assert.equal(sample(text, 'perfherder_db_replica_state', 'replica="replica_1",state="lagging"'), 0);
      assert.ok((sample(text, 'perfherder_db_replica_lag_ms', 'replica="replica_1"') ?? -1) >= 0, text);
      assert.ok((sample(text, 'perfherder_db_replica_lag_bytes', 'replica="replica_1"') ?? -1) >= 0, text);
      assert.ok(
        (sample(text, 'perfherder_db_replica_probes_total', 'replica="replica_1",outcome="ok"') ?? 0) >= 1,
      );
      assert.equal(sample(text, 'perfherder_db_causal_tokens_total', 'event="issued"'), 1);
      assert.equal(sample(text, 'perfherder_db_causal_tokens_total', 'event="accepted"'), 1);
      assert.equal(sample(text, 'perfherder_db_causal_tokens_total', 'event="invalid_bad_signature"'), 1);
      assert.equal(sample(text, 'perfherder_db_causal_captures_total', 'source="primary"'), 1);
      const status = (await app.inject('/api/status/routing/')).body;
      assert.match(status, /"lagMs":/);
      for (const printed of [text, status, lines.join('\n'), JSON.stringify(app.db), String(app.db)]) {
        assert.ok(!printed.includes(secret), 'the token secret leaked');
      }
    } finally {
      await app.close();
    }
  });

  test('hedged reads: the hedged reason, who won, the loser cancelled, the delay', async () => {
    const app = await buildServiceApp(service!.db.urls, { pool: { hedgeMs: 30 } });
    try {
      // Slow on the replica only: the primary answers it after the 30 ms delay.
      const sql =
        'SELECT pg_is_in_recovery() AS in_recovery, ' +
        '(CASE WHEN pg_is_in_recovery() THEN pg_sleep(20) END) IS NULL AS slept FROM performance_framework LIMIT 1';
      const { rows } = await runInReplicaScope(() => app.db.query<{ in_recovery: boolean }>(sql));
      assert.equal(rows[0]?.in_recovery, false);
      let text = '';
      for (let i = 0; i < 100; i++) {
        text = (await app.inject('/metrics')).body;
        if (sample(text, 'perfherder_db_hedge_losers_total', 'replica="replica_1",outcome="cancelled"') === 1)
          break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(sample(text, 'perfherder_db_statements_total', 'reason="hedged"'), 1, text);
      assert.equal(sample(text, 'perfherder_db_hedges_total', 'replica="replica_1",winner="primary"'), 1);
      assert.equal(sample(text, 'perfherder_db_hedges_total', 'replica="replica_1",winner="replica"'), 0);
      assert.equal(
        sample(text, 'perfherder_db_hedge_losers_total', 'replica="replica_1",outcome="cancelled"'),
        1,
      );
      assert.equal(sample(text, 'perfherder_db_hedge_delay_ms', 'replica="replica_1"'), 30);
      assert.equal(sample(text, 'perfherder_db_hedge_budget_ejections_total', 'replica="replica_1"'), 0);
    } finally {
      await app.close();
    }
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

describe('several replicas and discovery, from the environment', () => {
  let service: ServiceApp | undefined;
  before(async () => {
    service = await startServiceApp({ replicas: false });
  });
  after(async () => {
    await service?.close();
  });

  /** The service's pool built from these variables, as `npm start` builds it. */
  async function fromEnv(env: NodeJS.ProcessEnv): Promise<FastifyInstance> {
    const config = readRouterConfig({
      DATABASE_URL: service!.db.urls.primary,
      READ_REPLICA_ENABLED: 'true',
      ...env,
    });
    return buildServiceApp(
      { primary: service!.db.urls.primary, replicas: config.replicaUrls },
      {
        pool: {
          selector: config.selector,
          replicaWeights: config.replicaWeights,
          discovery: config.discovery,
        },
      },
    );
  }

  test('READ_REPLICA_SELECTOR and READ_REPLICA_WEIGHTS: in the status JSON and the metrics', async () => {
    const app = await fromEnv({
      READ_REPLICA_DATABASE_URL: service!.db.urls.replicas[0],
      READ_REPLICA_SELECTOR: 'least_outstanding',
      READ_REPLICA_WEIGHTS: '3',
    });
    try {
      for (let i = 0; i < 3; i++)
        assert.equal((await app.inject('/api/performance/framework/')).statusCode, 200);
      const status = JSON.parse((await app.inject('/api/status/routing/')).body);
      assert.equal(status.selector, 'least_outstanding');
      assert.deepEqual(
        status.replicas.map((r: Record<string, unknown>) => [r.name, r.source, r.weight, r.draining]),
        [['replica_1', 'static', 3, false]],
      );
      assert.ok(status.replicas[0].selected >= 3);
      assert.equal(status.discovery, undefined);
      const text = (await app.inject('/metrics')).body;
      assert.equal(sample(text, 'perfherder_db_replica_selector', 'selector="least_outstanding"'), 1);
      assert.equal(sample(text, 'perfherder_db_replica_weight', 'replica="replica_1",source="static"'), 3);
      assert.ok((sample(text, 'perfherder_db_replica_selections_total', 'replica="replica_1"') ?? 0) >= 3);
      assert.equal(sample(text, 'perfherder_db_replica_outstanding', 'replica="replica_1"'), 0);
      assert.equal(sample(text, 'perfherder_db_replica_conflicts_total', 'replica="replica_1"'), 0);
      assert.equal(sample(text, 'perfherder_db_statements_total', 'reason="conflict_retry"'), 0);
    } finally {
      await app.close();
    }
  });

  test('READ_REPLICA_DISCOVERY (an IP literal: a set of one, no DNS query): the replica is found and serves reads', async () => {
    const replica = new URL(service!.db.urls.replicas[0]!);
    const app = await fromEnv({ READ_REPLICA_DISCOVERY: `${replica.hostname}:${replica.port}` });
    try {
      const { rows } = await runInReplicaScope(() =>
        app.db.query(
          'SELECT pg_is_in_recovery() AS r, inet_server_port() AS port FROM performance_framework LIMIT 1',
        ),
      );
      assert.deepEqual(rows[0], { r: true, port: Number(replica.port) });
      const status = JSON.parse((await app.inject('/api/status/routing/')).body);
      assert.deepEqual(
        status.replicas.map((r: Record<string, unknown>) => [r.name, r.source, r.state]),
        [[`replica_${replica.hostname}`, 'dns', 'healthy']],
      );
      assert.deepEqual(
        [status.discovery.host, status.discovery.port, status.discovery.addresses],
        [replica.hostname, Number(replica.port), [replica.hostname]],
      );
      const text = (await app.inject('/metrics')).body;
      assert.equal(sample(text, 'perfherder_db_discovery_addresses', ''), 1);
      assert.equal(sample(text, 'perfherder_db_discovery_resolutions_total', 'outcome="failed"'), 0);
      const password = new URL(service!.db.urls.primary).password;
      assert.ok(!text.includes(password) && !JSON.stringify(status).includes(password), 'no password');
    } finally {
      await app.close();
    }
  });
});
