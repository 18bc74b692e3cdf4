// The routing status page (/status/) and its JSON (/api/status/routing/, …/history/) through inject(), on a
// real primary and replica; the page in a real browser is test/browser/status-page.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RoutingHistorySnapshot } from 'replica-router/status';
import { buildServiceApp, type ServiceApp, startServiceApp } from '../support/service-app.ts';

/** What the server drew: the page's `<main>` (the inlined script holds the same markup as templates). */
function drawn(html: string): string {
  const start = html.indexOf('<main id="status">');
  const end = html.indexOf('</main>');
  assert.ok(start >= 0 && end > start, 'the page has its <main>');
  return html.slice(start, end);
}

/** Each replica badge the server drew. */
function replicaStates(html: string): Array<{ replica: string; state: string }> {
  return [...drawn(html).matchAll(/<li class="replica" data-replica="([^"]+)" data-state="([^"]+)"/g)].map(
    (m) => ({
      replica: m[1]!,
      state: m[2]!,
    }),
  );
}

describe('the routing status page and its JSON', () => {
  let service: ServiceApp | undefined;
  before(async () => {
    service = await startServiceApp();
  });
  after(async () => {
    await service?.close();
  });

  test('/status/ draws each replica’s state, the charts and the timeline, with nothing from the network and no secret', async () => {
    const { app, db } = service!;
    // Readable at once: the replica is healthy once its first probe answered (the app is ready by then).
    for (let i = 0; i < 3; i++)
      assert.equal((await app.inject('/api/performance/framework/')).statusCode, 200);
    const res = await app.inject('/status/');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
    assert.equal(res.headers['cache-control'], 'no-store');
    const html = res.body;
    assert.deepEqual(replicaStates(html), [{ replica: 'replica_1', state: 'healthy' }]);
    assert.match(html, /<body data-routing="on">/);
    assert.match(drawn(html), /data-color="green"/);
    assert.match(drawn(html), /<tr data-reason="routed" data-count="\d+">/);
    for (const id of ['lag-chart', 'share-chart', 'timeline-chart', 'replica-share', 'events', 'reasons']) {
      assert.match(drawn(html), new RegExp(`id="${id}"`), id);
    }
    // The script polls the two JSON URLs and loads nothing else: no src, no stylesheet link, no absolute URL
    // but the SVG namespace.
    assert.match(html, /startStatusPage\(\{/);
    assert.doesNotMatch(html, /<script[^>]+src=|@import/);
    assert.deepEqual(html.match(/<link\b[^>]*>/g), ['<link rel="icon" href="data:,">'], 'no favicon request');
    const urls = [...html.matchAll(/https?:\/\/[^\s"'`)]+/g)].map((m) => m[0]);
    assert.deepEqual([...new Set(urls)], ['http://www.w3.org/2000/svg']);
    const password = new URL(db.urls.primary).password;
    assert.ok(password.length > 0);
    assert.ok(!html.includes(password), 'no password');
    assert.ok(!html.includes('postgres://') && !html.includes('postgresql://'), 'no connection URL');
  });

  test('/api/status/routing/ keeps pool.stats()’s shape', async () => {
    const { app } = service!;
    const res = await app.inject('/api/status/routing/');
    assert.equal(res.statusCode, 200);
    const body = res.json() as { routingEnabled: boolean; replicas: Array<{ name: string; state: string }> };
    assert.equal(body.routingEnabled, true);
    assert.deepEqual(
      body.replicas.map((r) => [r.name, r.state]),
      [['replica_1', 'healthy']],
    );
    assert.deepEqual(
      Object.keys(body).sort(),
      Object.keys(JSON.parse(JSON.stringify(app.db.stats()))).sort(),
    );
  });

  test('/api/status/routing/history/ returns the samples and events, only newer ones with since', async () => {
    const { app } = service!;
    // The history samples each second: wait (bounded) until it holds a few.
    let history: RoutingHistorySnapshot | undefined;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      history = (await app.inject('/api/status/routing/history/')).json() as RoutingHistorySnapshot;
      if (history.samples.length >= 3) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(history && history.samples.length >= 3, JSON.stringify(history));
    assert.equal(history.routingEnabled, true);
    assert.equal(history.sampleMs, 1000);
    assert.equal(history.windowMs, 600_000);
    const last = history.samples.at(-1)!;
    assert.deepEqual(
      last.replicas.map((r) => [r.name, r.state]),
      [['replica_1', 'healthy']],
    );
    const since = history.samples.at(-2)!.at;
    const newer = (
      await app.inject(`/api/status/routing/history/?since=${since}`)
    ).json() as RoutingHistorySnapshot;
    assert.ok(newer.samples.length >= 1);
    assert.ok(newer.samples.every((s) => s.at > since));
  });

  test('the OpenAPI document lists the JSON routes, not the page', async () => {
    const doc = (await service!.app.inject('/docs/json')).json() as { paths: Record<string, unknown> };
    assert.ok(doc.paths['/api/status/routing/']);
    assert.ok(doc.paths['/api/status/routing/history/']);
    assert.equal(doc.paths['/status/'], undefined);
  });

  test('a bad since, or an unknown parameter, is a 400 naming it', async () => {
    const { app } = service!;
    for (const [query, name] of [
      ['since=yesterday', 'since'],
      ['since=-1', 'since'],
      ['until=5', 'non_field_errors'],
    ] as const) {
      const res = await app.inject(`/api/status/routing/history/?${query}`);
      assert.equal(res.statusCode, 400, query);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.ok(name in (res.json() as object), `${query}: ${res.body}`);
    }
  });

  test('a replica whose replay is paused shows amber, lagging, with its lag charted and the change in the timeline', async () => {
    const { db } = service!;
    const replica = db.cluster.replicas[0]!;
    const app = await buildServiceApp(db.urls, { pool: { maxLagMs: 500 } });
    const page = async () => (await app.inject('/status/')).body;
    /** Poll the page (bounded) until `done` holds of it. */
    let writes = 0;
    const until = async (done: (html: string) => boolean, what: string) => {
      const deadline = Date.now() + 60_000;
      let html = await page();
      while (!done(html)) {
        assert.ok(Date.now() < deadline, `timed out waiting for ${what}: ${drawn(html).slice(0, 2000)}`);
        // Keep the primary moving, so a paused replica falls further behind.
        await db.primary.query('INSERT INTO performance_tag (name) VALUES ($1)', [
          `status-page-lag-${writes++}`,
        ]);
        await new Promise((r) => setTimeout(r, 200));
        html = await page();
      }
      return html;
    };
    try {
      await until((h) => replicaStates(h)[0]?.state === 'healthy', 'healthy');
      await replica.pauseReplay();
      try {
        const html = await until((h) => replicaStates(h)[0]?.state === 'lagging', 'lagging');
        assert.match(drawn(html), /data-replica="replica_1" data-state="lagging" data-color="amber"/);
        assert.match(drawn(html), /reason <b>replica_lagging<\/b>/);
        assert.match(
          drawn(html),
          /<li data-kind="replica_state" data-replica="replica_1" data-from="healthy" data-to="lagging" data-reason="replica_lagging">/,
        );
        // The history samples each second: its newest sample shows the lag too (bounded wait).
        const deadline = Date.now() + 30_000;
        let sampled: RoutingHistorySnapshot['samples'][number]['replicas'][number] | undefined;
        for (;;) {
          const history = (await app.inject('/api/status/routing/history/')).json() as RoutingHistorySnapshot;
          sampled = history.samples.at(-1)?.replicas[0];
          if (sampled?.state === 'lagging' || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        assert.equal(sampled?.state, 'lagging');
        assert.equal(sampled?.reason, 'replica_lagging');
        assert.ok((sampled?.lagMs ?? 0) > 500, `lag ${sampled?.lagMs}`);
        // Charted: a line once it has two samples, a dot while it has one.
        assert.match(drawn(await page()), /<(polyline|circle)[^>]+data-series="replica_1"/);
      } finally {
        await replica.resumeReplay();
      }
      const back = await until((h) => replicaStates(h)[0]?.state === 'healthy', 'healthy again');
      assert.match(
        drawn(back),
        /<li data-kind="replica_state" data-replica="replica_1" data-from="lagging" data-to="healthy">/,
      );
    } finally {
      await app.close();
      await db.primary.query("DELETE FROM performance_tag WHERE name LIKE 'status-page-lag-%'");
    }
  });

  test('with routing off (kill switch) the page says so and shows no replica', async () => {
    const app = await buildServiceApp(service!.db.urls, { replicas: false });
    try {
      assert.equal((await app.inject('/api/performance/framework/')).statusCode, 200);
      const html = (await app.inject('/status/')).body;
      assert.match(html, /<body data-routing="off">/);
      assert.match(drawn(html), /id="kill-switch"/);
      assert.match(drawn(html), /Routing is off \(kill switch\)/);
      assert.deepEqual(replicaStates(html), []);
      const history = (await app.inject('/api/status/routing/history/')).json() as RoutingHistorySnapshot;
      assert.equal(history.routingEnabled, false);
      assert.deepEqual(history.samples.at(-1)?.replicas, []);
    } finally {
      await app.close();
    }
  });
});
