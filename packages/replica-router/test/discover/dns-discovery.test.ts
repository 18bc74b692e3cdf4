// DnsDiscovery against a DNS server on loopback (no PostgreSQL): what it reports, when, and what it logs.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { DnsDiscovery } from '../../src/discover/dns-discovery.ts';
import { systemClock } from '../../src/health/clock.ts';
import type { RouterLogger } from '../../src/index.ts';
import { type LoopbackDns, startLoopbackDns } from '../support/loopback-dns.ts';

let dns: LoopbackDns;
before(async () => {
  dns = await startLoopbackDns();
});
after(() => dns?.close());

function recorder(): RouterLogger & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: () => {},
    info: (_o, msg) => void lines.push(`INFO ${msg}`),
    warn: (_o, msg) => void lines.push(`WARN ${msg}`),
  };
}

function discovery(host: string, servers: string[], logger: RouterLogger, changes: string[][]) {
  return new DnsDiscovery(
    { host, port: 5432, intervalMs: 60_000, servers },
    { clock: systemClock, logger, onChange: (a) => void changes.push([...a]) },
  );
}

describe('DnsDiscovery', () => {
  test('reports the sorted A records, only when they change; keeps them through failures with one WARN', async () => {
    const logger = recorder();
    const changes: string[][] = [];
    dns.setA('fleet.test', ['10.0.0.2', '10.0.0.1']);
    const d = discovery('fleet.test', [dns.server], logger, changes);
    try {
      await d.start();
      await d.refresh();
      assert.deepEqual(changes, [['10.0.0.1', '10.0.0.2']], 'an unchanged answer is not a change');
      dns.setA('fleet.test', ['10.0.0.2', '10.0.0.3']);
      await d.refresh();
      dns.fail(true);
      await d.refresh();
      await d.refresh();
      dns.fail(false);
      dns.setA('fleet.test', []);
      await d.refresh();
      assert.deepEqual(d.addresses, ['10.0.0.2', '10.0.0.3'], 'no such name: the set is kept');
      dns.setA('fleet.test', ['10.0.0.3']);
      await d.refresh();
      assert.deepEqual(changes, [['10.0.0.1', '10.0.0.2'], ['10.0.0.2', '10.0.0.3'], ['10.0.0.3']]);
      assert.deepEqual(d.counts, { resolutions: 7, failures: 3, failing: false });
      assert.deepEqual(logger.lines, [
        'WARN db_routing_discovery_failed host=fleet.test code=ESERVFAIL kept=2',
        'INFO db_routing_discovery_recovered host=fleet.test addresses=1',
      ]);
    } finally {
      d.stop();
    }
  });

  test('a DNS server that never answers: ETIMEOUT, the (empty) set kept', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', () => resolve()));
    const logger = recorder();
    const changes: string[][] = [];
    const d = new DnsDiscovery(
      { host: 'fleet.test', port: 5432, intervalMs: 200, servers: [`127.0.0.1:${silent.address().port}`] },
      { clock: systemClock, logger, onChange: (a) => void changes.push([...a]) },
    );
    try {
      await d.start();
      assert.deepEqual(changes, []);
      assert.deepEqual(logger.lines, [
        'WARN db_routing_discovery_failed host=fleet.test code=ETIMEOUT kept=0',
      ]);
    } finally {
      d.stop();
      silent.close();
    }
  });

  test('an IP address is a set of one, with no query', async () => {
    const changes: string[][] = [];
    const before = dns.queries;
    const d = discovery('127.0.0.9', [dns.server], recorder(), changes);
    await d.start();
    d.stop();
    assert.deepEqual(changes, [['127.0.0.9']]);
    assert.equal(dns.queries, before);
  });
});
