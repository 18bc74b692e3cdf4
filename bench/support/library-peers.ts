/**
 * The peers of bench/peers.ts that are other projects: Drizzle `withReplicas`, kysely-replication, Prisma with
 * @prisma/extension-read-replicas (each through its own API, over the benchmark's two raw pools) and pgpool-II
 * (installed when missing as root). A peer that cannot run here is skipped, with the reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import { readReplicas } from '@prisma/extension-read-replicas';
import { sql as dsql, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { doublePrecision, integer, pgTable, text, timestamp, withReplicas } from 'drizzle-orm/pg-core';
import { Kysely, sql as ksql, PostgresDialect } from 'kysely';
import { KyselyReplicationDialect } from 'kysely-replication';
import { RoundRobinReplicaStrategy } from 'kysely-replication/strategy/round-robin';
import pg from 'pg';
import { generatePrismaClient as generatePrisma } from '../../packages/replica-router/test/support/prisma-generate.ts';
import type { Peer, Workload } from './paired-runs.ts';
import { ensurePgpool, startPgpool } from './pgpool.ts';
import { keptConnections } from './point-fixture.ts';

export interface LibraryPeersOptions {
  readonly rawPrimary: pg.Pool;
  readonly rawReplica: pg.Pool;
  readonly primaryUrl: string;
  readonly replicaUrl: string;
  /** The endpoint workload's statement and its parameters. */
  readonly endpoint: { readonly sql: string; readonly repo: string; readonly interval: number };
  readonly sqlOf: (w: Workload) => string;
  readonly paramsOf: (w: Workload, id: number) => unknown[];
  readonly poolMax: number;
  /** Where each peer leaves what must be closed at the end (run first to last). */
  readonly closers: (() => Promise<unknown>)[];
  readonly log: (line: string) => void;
}

export interface LibraryPeers {
  readonly peers: Peer[];
  readonly skipped: { peer: string; reason: string }[];
  readonly versions: Record<string, string>;
}

const benchItem = pgTable('bench_item', {
  id: integer('id').primaryKey(),
  signatureId: integer('signature_id').notNull(),
  value: doublePrecision('value').notNull(),
  pushTimestamp: timestamp('push_timestamp', { withTimezone: true }).notNull(),
  note: text('note').notNull(),
});
interface KyselyDb {
  bench_item: { id: number; signature_id: number; value: number; push_timestamp: Date; note: string };
}
interface PrismaLike {
  benchItem: { findUnique(args: { where: { id: number } }): Promise<unknown> };
  $replica(): { $queryRawUnsafe(sql: string, ...values: unknown[]): Promise<unknown> };
  $disconnect(): Promise<void>;
}
interface PrismaBase extends PrismaLike {
  $extends(extension: unknown): unknown;
}

export async function libraryPeers(o: LibraryPeersOptions): Promise<LibraryPeers> {
  const { rawPrimary, rawReplica, endpoint, closers } = o;
  const peers: Peer[] = [];
  const skipped: { peer: string; reason: string }[] = [];
  const versions: Record<string, string> = {
    'drizzle-orm': packageVersion('drizzle-orm'),
    kysely: packageVersion('kysely'),
    'kysely-replication': packageVersion('kysely-replication'),
  };
  const endpointTemplate = templateOf(endpoint.sql);

  // Drizzle: withReplicas over one drizzle instance per raw pool; selects go to the replica.
  const ddb = withReplicas(drizzle({ client: rawPrimary }), [drizzle({ client: rawReplica })]);
  peers.push({
    name: 'Drizzle withReplicas',
    onFloorPool: true,
    expected: 'replica',
    run: (w, id) =>
      w === 'point'
        ? ddb.select().from(benchItem).where(eq(benchItem.id, id))
        : ddb
            .select({ platform: dsql<string>`t.platform` })
            .from(dsql`(${dsql(endpointTemplate, endpoint.repo, endpoint.interval)}) AS t`),
  });

  // kysely-replication: selects go to a replica; raw `sql` as the main query would go to the primary, so
  // the endpoint statement is a derived table of a select.
  const kdb = new Kysely<KyselyDb>({
    dialect: new KyselyReplicationDialect({
      primaryDialect: new PostgresDialect({ pool: rawPrimary }),
      replicaDialects: [new PostgresDialect({ pool: rawReplica })],
      replicaStrategy: new RoundRobinReplicaStrategy({}),
    }),
  });
  peers.push({
    name: 'kysely-replication',
    onFloorPool: true,
    expected: 'replica',
    run: (w, id) =>
      w === 'point'
        ? kdb.selectFrom('bench_item').selectAll().where('id', '=', id).execute()
        : kdb
            .selectFrom(
              ksql<{ platform: string }>`(${ksql(endpointTemplate, endpoint.repo, endpoint.interval)})`.as(
                't',
              ),
            )
            .selectAll()
            .execute(),
  });

  // Prisma: a client per raw pool through @prisma/adapter-pg, the replica one given to the extension; model
  // reads go to the replica, raw SQL through `$replica()`.
  try {
    versions.prisma = packageVersion('prisma');
    versions['@prisma/extension-read-replicas'] = packageVersion('@prisma/extension-read-replicas');
    const generated = await generatePrismaClient();
    const replicaClient = new generated.PrismaClient({ adapter: new PrismaPg(rawReplica) });
    const prisma = new generated.PrismaClient({ adapter: new PrismaPg(rawPrimary) }).$extends(
      readReplicas({ replicas: [replicaClient as never] }),
    ) as unknown as PrismaLike;
    closers.unshift(() => prisma.$disconnect().catch(() => {}));
    peers.push({
      name: 'Prisma read-replicas',
      onFloorPool: true,
      expected: 'replica',
      run: (w, id) =>
        w === 'point'
          ? prisma.benchItem.findUnique({ where: { id } })
          : prisma.$replica().$queryRawUnsafe(endpoint.sql, endpoint.repo, endpoint.interval),
    });
  } catch (e) {
    skipped.push({
      peer: 'Prisma read-replicas',
      reason: `Prisma did not run: ${(e as Error).message.split('\n')[0]}`,
    });
  }

  // pgpool-II
  const pgpoolBinary = ensurePgpool(o.log);
  if ('skipped' in pgpoolBinary) {
    skipped.push({ peer: 'pgpool-II', reason: pgpoolBinary.skipped });
  } else {
    try {
      const pgpool = await startPgpool(pgpoolBinary.binary, o.primaryUrl, o.replicaUrl);
      versions.pgpool = pgpool.version;
      closers.push(() => pgpool.stop());
      const viaPgpool = new pg.Pool({ ...keptConnections(pgpool.url), max: o.poolMax });
      viaPgpool.on('error', () => {});
      closers.unshift(() => viaPgpool.end());
      peers.push({
        name: 'pgpool-II',
        expected: 'replica',
        run: (w, id) => viaPgpool.query(o.sqlOf(w), o.paramsOf(w, id)),
      });
    } catch (e) {
      skipped.push({ peer: 'pgpool-II', reason: (e as Error).message.split('\n')[0] ?? 'did not start' });
    }
  }
  return { peers, skipped, versions };
}

/** A template-strings array of `text` split at its `$n` placeholders, for the builders' `sql` tags. */
function templateOf(text: string): TemplateStringsArray {
  const parts = text.split(/\$\d+/);
  return Object.assign([...parts], { raw: [...parts] }) as unknown as TemplateStringsArray;
}

/** The installed version of a (hoisted) package, from its package.json. */
function packageVersion(name: string): string {
  const file = join(import.meta.dirname, '..', '..', 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** `prisma generate` for bench/prisma/schema.prisma (offline, as the router's Prisma test does), then the generated client. */
async function generatePrismaClient(): Promise<{
  PrismaClient: new (o: { adapter: PrismaPg }) => PrismaBase;
}> {
  const here = join(import.meta.dirname, '..', 'prisma');
  generatePrisma(join(here, 'schema.prisma'));
  return (await import(pathToFileURL(join(here, 'generated', 'client.ts')).href)) as {
    PrismaClient: new (o: { adapter: PrismaPg }) => PrismaBase;
  };
}
