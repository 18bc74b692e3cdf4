/**
 * Prisma (7, no Rust query engine) on a RoutedPool through its node-postgres driver adapter,
 * `new PrismaPg(pool)`. The client is generated here from test/prisma/schema.prisma with Prisma's own
 * CLI; the model `ItemWhere` reads a view whose every row carries `pg_is_in_recovery()` and
 * `inet_server_port()`, so a Prisma read says itself which server produced it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import { type Cluster, startCluster } from 'pg-devcluster';
import { RoutedPool, runInReplicaScope } from '../src/index.ts';
import { type CapturedQuery, captureQueries } from '../src/testing/index.ts';
import { generatePrismaClient } from './support/prisma-generate.ts';

const DATABASE = 'prisma';
const here = join(import.meta.dirname, 'prisma');

interface ItemWhere {
  id: number;
  name: string;
  in_recovery: boolean;
  server_port: number;
}
interface Item {
  id: number;
  name: string;
  hits: number;
}
/** The slice of the generated client this test uses (the generated types exist only after `generate`). */
interface Models {
  item: {
    update(args: { where: { id: number }; data: { hits: { increment: number } } }): Promise<Item>;
  };
  itemWhere: {
    findUnique(args: { where: { id: number } }): Promise<ItemWhere | null>;
    findMany(args?: { orderBy?: { id: 'asc' } }): Promise<ItemWhere[]>;
  };
}
interface Prisma extends Models {
  $transaction<T>(fn: (tx: Models) => Promise<T>): Promise<T>;
  $transaction<T extends readonly unknown[]>(batch: [...{ [K in keyof T]: Promise<T[K]> }]): Promise<T>;
  $disconnect(): Promise<void>;
}

function generateClient(): void {
  generatePrismaClient(join(here, 'schema.prisma'));
}

function where(queries: readonly CapturedQuery[]): string[] {
  return queries.map((q) => `${q.alias}:${q.reason}`);
}

describe('Prisma through @prisma/adapter-pg on a RoutedPool', () => {
  let cluster: Cluster;
  let pool: RoutedPool;
  let prisma: Prisma;
  let primaryPort: number;
  let replicaPort: number;

  before(async () => {
    const [started] = await Promise.all([
      startCluster({ replicas: 1 }),
      Promise.resolve().then(generateClient),
    ]);
    cluster = started;
    primaryPort = cluster.primary.port;
    replicaPort = cluster.replicas[0]!.port;
    const urls = await cluster.createDatabase(DATABASE);
    await cluster.primary.query(
      `CREATE TABLE prisma_item (id serial PRIMARY KEY, name text NOT NULL, hits int NOT NULL DEFAULT 0);
       INSERT INTO prisma_item (name) VALUES ('one'), ('two');
       CREATE VIEW prisma_item_where AS
         SELECT id, name, pg_is_in_recovery() AS in_recovery, inet_server_port() AS server_port FROM prisma_item;`,
      [],
      DATABASE,
    );
    await cluster.waitForReplicas();
    pool = new RoutedPool({
      primary: urls.primary,
      replicas: urls.replicas,
      tableApps: { prisma_item: 'perf', prisma_item_where: 'perf' },
      max: 4,
      // A loaded test machine can take over the 1 s default to open a probe connection.
      probeTimeoutMs: 5_000,
    });
    await pool.probeReplicas();
    const generated = (await import(pathToFileURL(join(here, 'generated', 'client.ts')).href)) as {
      PrismaClient: new (options: { adapter: PrismaPg }) => Prisma;
    };
    prisma = new generated.PrismaClient({ adapter: new PrismaPg(pool) });
  });

  after(async () => {
    await prisma?.$disconnect();
    await pool?.end();
    await cluster?.stop();
  });

  it('a model read in an opted-in request is served by the replica', async () => {
    const { result, queries } = await captureQueries(() =>
      runInReplicaScope(() => prisma.itemWhere.findUnique({ where: { id: 1 } }), { method: 'GET' }),
    );
    assert.deepEqual(result, { id: 1, name: 'one', in_recovery: true, server_port: replicaPort });
    assert.deepEqual(where(queries), ['read_replica:routed']);
  });

  it('the same read outside a request scope stays on the primary', async () => {
    const rows = await prisma.itemWhere.findMany({ orderBy: { id: 'asc' } });
    assert.deepEqual(
      rows.map((r) => [r.name, r.in_recovery, r.server_port]),
      [
        ['one', false, primaryPort],
        ['two', false, primaryPort],
      ],
    );
  });

  it('an interactive transaction runs on the primary, reads included, even in an opted-in request', async () => {
    const { result, queries } = await captureQueries(() =>
      runInReplicaScope(
        () =>
          prisma.$transaction(async (tx) => {
            const before = await tx.itemWhere.findUnique({ where: { id: 2 } });
            const updated = await tx.item.update({ where: { id: 2 }, data: { hits: { increment: 1 } } });
            return { before, updated };
          }),
        { method: 'GET' },
      ),
    );
    assert.deepEqual(
      [result.before?.in_recovery, result.before?.server_port],
      [false, primaryPort],
      'the read inside the transaction ran on the primary',
    );
    assert.equal(result.updated.hits, 1);
    assert.match(queries[0]?.sql ?? '', /^begin/i);
    assert.match(queries.at(-1)?.sql ?? '', /^commit/i);
    for (const q of queries) assert.equal(`${q.alias}:${q.reason}`, 'default:in_transaction', q.sql);
  });

  it('a batch transaction runs on the primary too', async () => {
    const { result, queries } = await captureQueries(() =>
      runInReplicaScope(
        () =>
          prisma.$transaction([
            prisma.itemWhere.findUnique({ where: { id: 1 } }),
            prisma.item.update({ where: { id: 1 }, data: { hits: { increment: 1 } } }),
          ]),
        { method: 'GET' },
      ),
    );
    assert.deepEqual([result[0]?.in_recovery, result[0]?.server_port], [false, primaryPort]);
    assert.ok(queries.length >= 4, where(queries).join(' '));
    for (const q of queries) assert.equal(`${q.alias}:${q.reason}`, 'default:in_transaction', q.sql);
  });

  it('a write in the request sends its later reads to the primary (read-your-writes)', async () => {
    const { result, queries } = await captureQueries(() =>
      runInReplicaScope(
        async () => {
          await prisma.item.update({ where: { id: 1 }, data: { hits: { increment: 1 } } });
          return prisma.itemWhere.findUnique({ where: { id: 1 } });
        },
        { method: 'GET' },
      ),
    );
    assert.deepEqual([result?.in_recovery, result?.server_port], [false, primaryPort]);
    assert.deepEqual(where(queries), ['default:write', 'default:after_write']);
  });
});
