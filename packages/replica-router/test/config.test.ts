import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import type pg from 'pg';
import {
  RoutedPool,
  RouterConfigError,
  type RouterLogger,
  readRouterConfig,
  redactUrl,
  routerEnvironment,
  runInReplicaScope,
} from '../src/index.ts';
import { captureQueries } from '../src/testing/index.ts';

const PRIMARY = 'postgres://app@db.example:5432/perf';
const REPLICA = 'postgres://app@replica.example:5432/perf';

function configError(variable: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof RouterConfigError, `not a RouterConfigError: ${String(e)}`);
    assert.equal(e.code, 'RR_ERR_CONFIG');
    assert.equal(e.variable, variable);
    assert.ok(e.message.includes(variable), e.message);
    return true;
  };
}

describe('READ_REPLICA_ENABLED', () => {
  const truthy = ['true', 'TRUE', 'True', '1', 'yes', 'YES', 'Yes', 'on', 'ON', ' on '];
  const falsy = ['false', 'FALSE', 'False', '0', 'no', 'NO', 'No', 'off', 'OFF', 'oFf'];

  for (const value of truthy) {
    test(`${JSON.stringify(value)} enables routing`, () => {
      const config = readRouterConfig({ READ_REPLICA_DATABASE_URL: REPLICA, READ_REPLICA_ENABLED: value });
      assert.equal(config.enabled, true);
      assert.deepEqual(config.replicaUrls, [REPLICA]);
    });
  }

  for (const value of falsy) {
    test(`${JSON.stringify(value)} disables routing`, () => {
      const config = readRouterConfig({ READ_REPLICA_DATABASE_URL: REPLICA, READ_REPLICA_ENABLED: value });
      assert.equal(config.enabled, false);
      assert.deepEqual(config.replicaUrls, []);
    });
  }

  for (const value of ['maybe', 'enabled', 'y', 'n', '2', '-1', 'truee', 't', 'nope']) {
    test(`${JSON.stringify(value)} is refused, naming the variable and the accepted values`, () => {
      assert.throws(
        () => readRouterConfig({ READ_REPLICA_DATABASE_URL: REPLICA, READ_REPLICA_ENABLED: value }),
        (e: unknown) => {
          configError('READ_REPLICA_ENABLED')(e);
          const message = (e as Error).message;
          for (const accepted of ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']) {
            assert.match(message, new RegExp(`\\b${accepted}\\b`), `${message} lacks ${accepted}`);
          }
          return true;
        },
      );
    });
  }

  test('unset or blank means disabled', () => {
    assert.equal(readRouterConfig({ READ_REPLICA_DATABASE_URL: REPLICA }).enabled, false);
    assert.equal(
      readRouterConfig({ READ_REPLICA_DATABASE_URL: REPLICA, READ_REPLICA_ENABLED: '  ' }).enabled,
      false,
    );
  });
});

describe('the kill switch: the alias exists only when both variables are set and enabled', () => {
  const cases: [string, NodeJS.ProcessEnv, readonly string[]][] = [
    ['both set, enabled', { READ_REPLICA_DATABASE_URL: REPLICA, READ_REPLICA_ENABLED: 'true' }, [REPLICA]],
    ['URL set, enabled unset', { READ_REPLICA_DATABASE_URL: REPLICA }, []],
    ['URL set, disabled', { READ_REPLICA_DATABASE_URL: REPLICA, READ_REPLICA_ENABLED: 'false' }, []],
    ['enabled, URL unset', { READ_REPLICA_ENABLED: 'true' }, []],
    ['enabled, URL blank', { READ_REPLICA_DATABASE_URL: '  ', READ_REPLICA_ENABLED: 'true' }, []],
    ['nothing set', {}, []],
  ];
  for (const [name, env, expected] of cases) {
    test(name, () => {
      assert.deepEqual(readRouterConfig({ DATABASE_URL: PRIMARY, ...env }).replicaUrls, expected);
    });
  }

  test('DATABASE_URL is read when set and undefined when not', () => {
    assert.equal(readRouterConfig({ DATABASE_URL: PRIMARY }).primaryUrl, PRIMARY);
    assert.equal(readRouterConfig({}).primaryUrl, undefined);
  });
});

describe('READ_REPLICA_DATABASE_URL', () => {
  test('several comma-separated URLs, spaces trimmed, order kept', () => {
    const second = 'postgresql://app@replica-2.example:6432/perf';
    const third = 'postgres://app@10.0.0.3/perf';
    const config = readRouterConfig({
      READ_REPLICA_DATABASE_URL: `${REPLICA}, ${second} ,${third}`,
      READ_REPLICA_ENABLED: 'yes',
    });
    assert.deepEqual(config.replicaUrls, [REPLICA, second, third]);
  });

  test('an empty entry in the list is refused', () => {
    assert.throws(
      () =>
        readRouterConfig({ READ_REPLICA_DATABASE_URL: `${REPLICA},,${REPLICA}`, READ_REPLICA_ENABLED: '1' }),
      configError('READ_REPLICA_DATABASE_URL'),
    );
  });

  const password = 'Hunter2-Zebra-Quokka';
  const invalid = [
    `mysql://app:${password}@db.example/perf`,
    `http://app:${password}@db.example/perf`,
    `postgres://app:${password}@db.example:99999/perf`,
    `app:${password}@db.example/perf`,
    `${REPLICA},not a url ${password}`,
  ];
  for (const value of invalid) {
    test(`an invalid URL is refused without echoing its password: ${value.replace(password, '***')}`, () => {
      assert.throws(
        () => readRouterConfig({ READ_REPLICA_DATABASE_URL: value, READ_REPLICA_ENABLED: 'true' }),
        (e: unknown) => {
          configError('READ_REPLICA_DATABASE_URL')(e);
          assert.ok(!(e as Error).message.includes(password), (e as Error).message);
          assert.ok(!inspect(e).includes(password));
          return true;
        },
      );
    });
  }

  test('an invalid DATABASE_URL names DATABASE_URL and hides its password', () => {
    assert.throws(
      () => readRouterConfig({ DATABASE_URL: `mysql://app:${password}@db.example/perf` }),
      (e: unknown) => {
        configError('DATABASE_URL')(e);
        assert.ok(!(e as Error).message.includes(password));
        return true;
      },
    );
  });

  test('redactUrl replaces the password', () => {
    const redacted = redactUrl(`postgres://app:${password}@db.example:5432/perf`);
    assert.equal(redacted, 'postgres://app:***@db.example:5432/perf');
    assert.equal(redactUrl(`nonsense ${password}`), '(unparsable URL)');
  });
});

describe('tunables', () => {
  const tunables = [
    { name: 'DATABASE_POOL_MAX', key: 'poolMax', default: 10, min: 1, max: 1000 },
    {
      name: 'READ_REPLICA_CONNECT_TIMEOUT_MS',
      key: 'connectTimeoutMs',
      default: 2000,
      min: 50,
      max: 600_000,
    },
    {
      name: 'READ_REPLICA_QUERY_TIMEOUT_MS',
      key: 'queryTimeoutMs',
      default: 30_000,
      min: 100,
      max: 3_600_000,
    },
    {
      name: 'READ_REPLICA_CLASSIFIER_CACHE_SIZE',
      key: 'classifierCacheSize',
      default: 5000,
      min: 0,
      max: 1_000_000,
    },
    { name: 'READ_REPLICA_PROBE_MS', key: 'probeMs', default: 1000, min: 50, max: 600_000 },
    { name: 'READ_REPLICA_PROBE_TIMEOUT_MS', key: 'probeTimeoutMs', default: 1000, min: 50, max: 600_000 },
    { name: 'READ_REPLICA_MAX_LAG_MS', key: 'maxLagMs', default: 10_000, min: 0, max: 86_400_000 },
    {
      name: 'READ_REPLICA_MAX_LAG_BYTES',
      key: 'maxLagBytes',
      default: 16_777_216,
      min: 0,
      max: 1_099_511_627_776,
    },
    { name: 'READ_REPLICA_READMIT_PROBES', key: 'readmitProbes', default: 2, min: 1, max: 100 },
    { name: 'READ_REPLICA_TOKEN_TTL_MS', key: 'tokenTtlMs', default: 60_000, min: 1000, max: 604_800_000 },
    { name: 'READ_REPLICA_CATCHUP_WAIT_MS', key: 'catchUpWaitMs', default: 0, min: 0, max: 10_000 },
    { name: 'READ_REPLICA_HEDGE_FLOOR_MS', key: 'hedgeFloorMs', default: 20, min: 0, max: 60_000 },
    { name: 'READ_REPLICA_HEDGE_CAP_MS', key: 'hedgeCapMs', default: 250, min: 0, max: 60_000 },
  ] as const;

  /** Other variables a tunable's bounds depend on: the TTL must outlive the lag limit. */
  const companions: Readonly<Record<string, NodeJS.ProcessEnv>> = {
    READ_REPLICA_TOKEN_TTL_MS: { READ_REPLICA_MAX_LAG_MS: '0' },
    READ_REPLICA_MAX_LAG_MS: { READ_REPLICA_TOKEN_TTL_MS: '604800000' },
    READ_REPLICA_PROBE_MS: { READ_REPLICA_TOKEN_TTL_MS: '604800000' },
    // The cap may not be under the floor.
    READ_REPLICA_HEDGE_FLOOR_MS: { READ_REPLICA_HEDGE_CAP_MS: '60000' },
    READ_REPLICA_HEDGE_CAP_MS: { READ_REPLICA_HEDGE_FLOOR_MS: '0' },
  };

  test('every tunable is in routerEnvironment, with the units in the name where it has one', () => {
    for (const t of tunables) assert.ok((routerEnvironment as readonly string[]).includes(t.name), t.name);
    for (const name of ['DATABASE_URL', 'READ_REPLICA_DATABASE_URL', 'READ_REPLICA_ENABLED']) {
      assert.ok((routerEnvironment as readonly string[]).includes(name), name);
    }
  });

  for (const t of tunables) {
    test(`${t.name}: default ${t.default}, accepts ${t.min} and ${t.max}, refuses outside and non-integers`, () => {
      const env = companions[t.name] ?? {};
      assert.equal(readRouterConfig({})[t.key], t.default);
      assert.equal(readRouterConfig({ ...env, [t.name]: '' })[t.key], t.default);
      assert.equal(readRouterConfig({ ...env, [t.name]: String(t.min) })[t.key], t.min);
      assert.equal(readRouterConfig({ ...env, [t.name]: ` ${t.max} ` })[t.key], t.max);
      for (const bad of [String(t.min - 1), String(t.max + 1), '1.5', 'abc', '1e3', '0x10', '-0', '12ms']) {
        assert.throws(
          () => readRouterConfig({ ...env, [t.name]: bad }),
          configError(t.name),
          `${t.name}=${bad}`,
        );
      }
    });
  }
});

describe('hedged reads', () => {
  test('READ_REPLICA_HEDGE_MS: unset = adaptive, 0 = off, else a fixed delay; anything else names it', () => {
    assert.equal(readRouterConfig({}).hedgeMs, undefined);
    assert.equal(readRouterConfig({ READ_REPLICA_HEDGE_MS: ' ' }).hedgeMs, undefined);
    assert.equal(readRouterConfig({ READ_REPLICA_HEDGE_MS: '0' }).hedgeMs, 0);
    assert.equal(readRouterConfig({ READ_REPLICA_HEDGE_MS: ' 75 ' }).hedgeMs, 75);
    assert.equal(readRouterConfig({ READ_REPLICA_HEDGE_MS: '60000' }).hedgeMs, 60_000);
    for (const bad of ['-1', '60001', '1.5', 'off', '20ms', '1e2']) {
      assert.throws(
        () => readRouterConfig({ READ_REPLICA_HEDGE_MS: bad }),
        configError('READ_REPLICA_HEDGE_MS'),
        bad,
      );
    }
  });

  test('READ_REPLICA_HEDGE_BUDGET: a share from 0 to 1, default 0.1; anything else names it', () => {
    assert.equal(readRouterConfig({}).hedgeBudget, 0.1);
    assert.equal(readRouterConfig({ READ_REPLICA_HEDGE_BUDGET: '0' }).hedgeBudget, 0);
    assert.equal(readRouterConfig({ READ_REPLICA_HEDGE_BUDGET: '.25' }).hedgeBudget, 0.25);
    assert.equal(readRouterConfig({ READ_REPLICA_HEDGE_BUDGET: ' 1 ' }).hedgeBudget, 1);
    for (const bad of ['-0.1', '1.5', '10%', 'abc', '2', '0x1']) {
      assert.throws(
        () => readRouterConfig({ READ_REPLICA_HEDGE_BUDGET: bad }),
        configError('READ_REPLICA_HEDGE_BUDGET'),
        bad,
      );
    }
  });

  test('a cap under the floor names READ_REPLICA_HEDGE_CAP_MS', () => {
    assert.throws(
      () => readRouterConfig({ READ_REPLICA_HEDGE_FLOOR_MS: '100', READ_REPLICA_HEDGE_CAP_MS: '50' }),
      configError('READ_REPLICA_HEDGE_CAP_MS'),
    );
  });
});

describe('READ_REPLICA_CONSISTENCY', () => {
  test('defaults to read_your_writes', () => {
    assert.equal(readRouterConfig({}).consistency, 'read_your_writes');
    assert.equal(readRouterConfig({ READ_REPLICA_CONSISTENCY: '  ' }).consistency, 'read_your_writes');
  });

  for (const [value, level] of [
    ['eventual', 'eventual'],
    [' Read_Your_Writes ', 'read_your_writes'],
    ['MONOTONIC', 'monotonic'],
  ] as const) {
    test(`${JSON.stringify(value)} is ${level}`, () => {
      assert.equal(readRouterConfig({ READ_REPLICA_CONSISTENCY: value }).consistency, level);
    });
  }

  for (const value of ['strong', 'read-your-writes', 'ryw', 'monotonic_reads', '1']) {
    test(`${JSON.stringify(value)} is refused, naming the variable and the levels`, () => {
      assert.throws(
        () => readRouterConfig({ READ_REPLICA_CONSISTENCY: value }),
        (e: unknown) => {
          configError('READ_REPLICA_CONSISTENCY')(e);
          for (const level of ['eventual', 'read_your_writes', 'monotonic']) {
            assert.ok((e as Error).message.includes(level), (e as Error).message);
          }
          return true;
        },
      );
    });
  }
});

describe('READ_REPLICA_TOKEN_SECRET', () => {
  const secret = 'k9X-2mQ_7vR4tW8yZ1bN5cL3hJ6gF0dS-aP2eU9iO4q';

  test('unset means none (the pool then makes its own)', () => {
    assert.equal(readRouterConfig({}).tokenSecret, undefined);
  });

  test('is kept, and never prints: inspect, JSON, String of the whole configuration show ***', () => {
    const config = readRouterConfig({ READ_REPLICA_TOKEN_SECRET: ` ${secret} ` });
    assert.equal(config.tokenSecret?.reveal(), secret);
    for (const text of [
      inspect(config, { depth: null, showHidden: true }),
      JSON.stringify(config),
      String(config.tokenSecret),
      `${JSON.stringify({ ...config })}`,
    ]) {
      assert.ok(!text.includes(secret), text);
    }
  });

  for (const bad of ['short', 'x'.repeat(31), 'é'.repeat(15), 'y'.repeat(4097)]) {
    test(`a ${Buffer.byteLength(bad)}-byte secret is refused without echoing it`, () => {
      assert.throws(
        () => readRouterConfig({ READ_REPLICA_TOKEN_SECRET: bad }),
        (e: unknown) => {
          configError('READ_REPLICA_TOKEN_SECRET')(e);
          assert.ok(!(e as Error).message.includes(bad), (e as Error).message);
          return true;
        },
      );
    });
  }
});

describe('READ_REPLICA_TOKEN_TTL_MS must outlive the lag limit', () => {
  test('a TTL at or below MAX_LAG_MS + PROBE_MS is refused, naming the TTL', () => {
    assert.throws(
      () => readRouterConfig({ READ_REPLICA_MAX_LAG_MS: '10000', READ_REPLICA_TOKEN_TTL_MS: '11000' }),
      configError('READ_REPLICA_TOKEN_TTL_MS'),
    );
    assert.equal(
      readRouterConfig({ READ_REPLICA_MAX_LAG_MS: '10000', READ_REPLICA_TOKEN_TTL_MS: '11001' }).tokenTtlMs,
      11_001,
    );
  });

  test('with no time limit (MAX_LAG_MS=0) any TTL in bounds is accepted', () => {
    assert.equal(
      readRouterConfig({ READ_REPLICA_MAX_LAG_MS: '0', READ_REPLICA_TOKEN_TTL_MS: '1000' }).tokenTtlMs,
      1000,
    );
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

describe('no password in anything the pool prints', () => {
  const password = 'Zq9-Secret_Pw.4711';

  // A URL, or a pg config with a connectionString and settings of its own (parsed the same way, the settings kept).
  const forms = {
    URLs: (url: string): string | pg.PoolConfig => url,
    'pg configs with a connectionString': (url: string): string | pg.PoolConfig => ({
      connectionString: url,
      idleTimeoutMillis: 0,
    }),
  };
  for (const [form, given] of Object.entries(forms))
    test(`inspect, String, JSON, stats, logs and errors of a pool whose servers refuse connections, given ${form}`, async () => {
      const [primaryPort, replicaPort] = [await closedPort(), await closedPort()];
      const logged: string[] = [];
      const logger: RouterLogger = {
        debug: (obj, msg) => logged.push(`${msg} ${JSON.stringify(obj)}`),
        warn: (obj, msg) => logged.push(`${msg} ${JSON.stringify(obj)}`),
        error: (obj, msg) => logged.push(`${msg} ${JSON.stringify(obj)}`),
      };
      const pool = new RoutedPool({
        primary: given(`postgres://rr_user:${password}@127.0.0.1:${primaryPort}/perf`),
        replicas: [given(`postgresql://rr_user:${password}@127.0.0.1:${replicaPort}/perf`)],
        tableApps: { performance_framework: 'perf' },
        replicaConnectTimeoutMs: 5000,
        logger,
      });
      pool.on('error', () => {});
      const errors: unknown[] = [];
      try {
        const { queries } = await captureQueries(async () => {
          await pool.query('SELECT 1').catch((e: unknown) => errors.push(e));
          await runInReplicaScope(
            () => pool.query('SELECT * FROM performance_framework').catch((e: unknown) => errors.push(e)),
            { path: '/x', method: 'GET', log: logger },
          );
          const client = await pool.connect();
          await client.query('BEGIN').catch((e: unknown) => errors.push(e));
          client.release();
        });
        assert.equal(errors.length, 3, 'every statement failed');
        // The replica's probe found it down before the first read, so every statement went to the (also
        // refusing) primary, and the ejection was logged.
        assert.deepEqual(
          queries.map((q) => [q.alias, q.reason]),
          [
            ['default', 'not_in_scope'],
            ['default', 'replica_down'],
            ['default', 'in_transaction'],
          ],
        );
        assert.ok(
          logged.some((l) =>
            l.startsWith('db_routing_replica_ejected replica=replica_1 reason=probe_failed '),
          ),
          `the ejection was not logged: ${logged.join(' | ')}`,
        );
        const printed = [
          inspect(pool),
          inspect(pool, { showHidden: true, depth: null }),
          inspect({ nested: pool }),
          String(pool),
          `${pool}`,
          JSON.stringify(pool),
          JSON.stringify(pool.stats()),
          inspect(pool.stats(), { depth: null }),
          inspect(pool.options, { depth: null }),
          JSON.stringify(pool.options),
          ...errors.flatMap((e) => [String(e), inspect(e, { depth: null }), (e as Error).stack ?? '']),
          ...queries.map((q) => inspect(q, { depth: null })),
          ...logged,
        ];
        for (const text of printed) {
          assert.ok(!text.includes(password), `password leaked in: ${text.slice(0, 300)}`);
        }
        // …while still saying where it connected.
        assert.match(String(pool), new RegExp(`127\\.0\\.0\\.1:${primaryPort}`));
        assert.match(String(pool), new RegExp(`127\\.0\\.0\\.1:${replicaPort}`));
        // ECONNREFUSED, or a connect timeout's class name on a machine too busy to get the refusal in time.
        assert.match(pool.stats().replicas[0]?.lastError ?? '', /^(ECONNREFUSED|Error)$/);
        assert.deepEqual(
          [pool.stats().replicas[0]?.host, pool.stats().replicas[0]?.port],
          ['127.0.0.1', replicaPort],
        );
        // The config's own settings are kept (pg-pool's default idle timeout is 10 s).
        assert.equal(pool.options.idleTimeoutMillis, form === 'URLs' ? 10_000 : 0);
        assert.equal(pool.options.database, 'perf');
      } finally {
        await pool.end();
      }
    });
});

describe('several replicas and discovery', () => {
  const TWO = `${REPLICA},postgres://app@replica2.example:5432/perf`;
  const on = { READ_REPLICA_ENABLED: 'true' };

  test('READ_REPLICA_SELECTOR: the three names in any case, round_robin by default', () => {
    assert.equal(readRouterConfig({}).selector, 'round_robin');
    assert.equal(readRouterConfig({ READ_REPLICA_SELECTOR: ' Least_Lag ' }).selector, 'least_lag');
    assert.equal(
      readRouterConfig({ READ_REPLICA_SELECTOR: 'least_outstanding' }).selector,
      'least_outstanding',
    );
    for (const bad of ['random', 'least-lag', 'rr', '1'])
      assert.throws(
        () => readRouterConfig({ READ_REPLICA_SELECTOR: bad }),
        configError('READ_REPLICA_SELECTOR'),
      );
  });

  test('READ_REPLICA_WEIGHTS: one positive integer per replica URL', () => {
    const config = readRouterConfig({ ...on, READ_REPLICA_DATABASE_URL: TWO, READ_REPLICA_WEIGHTS: '2, 1' });
    assert.deepEqual(config.replicaWeights, [2, 1]);
    assert.equal(readRouterConfig({ READ_REPLICA_DATABASE_URL: TWO }).replicaWeights, undefined);
    for (const bad of ['2', '2,1,1', '0,1', '2.5,1', '-1,1', 'a,b', '2,,1', '1001,1']) {
      assert.throws(
        () => readRouterConfig({ ...on, READ_REPLICA_DATABASE_URL: TWO, READ_REPLICA_WEIGHTS: bad }),
        configError('READ_REPLICA_WEIGHTS'),
        bad,
      );
    }
  });

  test('READ_REPLICA_DISCOVERY: <hostname>:<port>, template from the replica URL or the primary', () => {
    const config = readRouterConfig({
      ...on,
      DATABASE_URL: PRIMARY,
      READ_REPLICA_DISCOVERY: 'db-replicas.prod.svc.cluster.local:6432',
      READ_REPLICA_DISCOVERY_DNS_SERVERS: '127.0.0.1:5353, [::1]:53, 10.0.0.2',
    });
    assert.deepEqual(config.discovery, {
      host: 'db-replicas.prod.svc.cluster.local',
      port: 6432,
      servers: ['127.0.0.1:5353', '[::1]:53', '10.0.0.2'],
      connectionUrl: undefined,
    });
    assert.deepEqual(config.replicaUrls, []);
    const templated = readRouterConfig({
      ...on,
      READ_REPLICA_DISCOVERY: '[fd00::1]:5432',
      READ_REPLICA_DATABASE_URL: REPLICA,
    });
    assert.deepEqual([templated.discovery?.host, templated.discovery?.connectionUrl], ['fd00::1', REPLICA]);
    assert.deepEqual(templated.replicaUrls, [], 'the URL is the template, not a replica');
    assert.equal(
      readRouterConfig({ READ_REPLICA_DISCOVERY: 'r.example:5432' }).discovery,
      undefined,
      'kill switch',
    );
    assert.equal(readRouterConfig({}).discoveryIntervalMs, 5000);
  });

  test('READ_REPLICA_DISCOVERY: bad values stop start-up naming the variable', () => {
    for (const bad of [
      'replicas.example',
      'replicas.example:',
      ':5432',
      'r.example:0',
      'r.example:70000',
      'r example:5432',
      'postgres://r:5432',
      '[zz]:5432',
    ]) {
      assert.throws(
        () => readRouterConfig({ READ_REPLICA_DISCOVERY: bad }),
        configError('READ_REPLICA_DISCOVERY'),
        bad,
      );
    }
    assert.throws(
      () => readRouterConfig({ READ_REPLICA_DISCOVERY: 'r.example:5432', READ_REPLICA_DATABASE_URL: TWO }),
      configError('READ_REPLICA_DATABASE_URL'),
    );
    assert.throws(
      () => readRouterConfig({ READ_REPLICA_DISCOVERY: 'r.example:5432', READ_REPLICA_WEIGHTS: '1' }),
      configError('READ_REPLICA_WEIGHTS'),
    );
    for (const bad of ['dns.example', '127.0.0.1:99999', '127.0.0.1,', '1.2.3']) {
      assert.throws(
        () =>
          readRouterConfig({
            READ_REPLICA_DISCOVERY: 'r.example:5432',
            READ_REPLICA_DISCOVERY_DNS_SERVERS: bad,
          }),
        configError('READ_REPLICA_DISCOVERY_DNS_SERVERS'),
        bad,
      );
    }
    assert.throws(
      () => readRouterConfig({ READ_REPLICA_DISCOVERY_DNS_SERVERS: '127.0.0.1' }),
      configError('READ_REPLICA_DISCOVERY_DNS_SERVERS'),
    );
    assert.throws(
      () => readRouterConfig({ READ_REPLICA_DISCOVERY_INTERVAL_MS: '10s' }),
      configError('READ_REPLICA_DISCOVERY_INTERVAL_MS'),
    );
  });

  test('pool options: weights aligned with replicas, a known selector, discovery not mixed with a list', () => {
    const make = (o: Partial<ConstructorParameters<typeof RoutedPool>[0]>) => () =>
      new RoutedPool({ primary: PRIMARY, replicas: [REPLICA, REPLICA], ...o });
    assert.throws(make({ replicaWeights: [1] }), configError('replicaWeights'));
    assert.throws(make({ replicaWeights: [1, 0] }), configError('replicaWeights'));
    assert.throws(make({ selector: 'fastest' as never }), configError('selector'));
    assert.throws(make({ selector: { name: 'x' } as never }), configError('selector'));
    assert.throws(make({ discovery: { host: 'r.example', port: 5432 } }), configError('discovery'));
    assert.throws(
      () => new RoutedPool({ primary: PRIMARY, discovery: { host: 'r.example', port: 0 } }),
      configError('discovery.port'),
    );
  });
});
