/**
 * The routed pool under the three clients the service may use, unchanged: raw `pg`, Kysely's
 * `PostgresDialect` and Drizzle's node-postgres driver. Where each statement ran is asked from the server
 * (`pg_is_in_recovery()`, `pg_backend_pid()`), and `captureQueries` says why.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql as dsql, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { integer, pgTable, serial, text } from 'drizzle-orm/pg-core';
import { type Generated, Kysely, sql as ksql, PostgresDialect } from 'kysely';
import pg from 'pg';
import { type Cluster, startCluster } from 'pg-devcluster';
import { RoutedPool, runInReplicaScope, usePrimary } from '../src/index.ts';
import { type CapturedQuery, captureQueries } from '../src/testing/index.ts';

const DATABASE = 'orm';
const SERVER = 'pg_is_in_recovery() AS in_recovery, pg_backend_pid() AS pid';
const BY_ID = `SELECT id, name, ${SERVER} FROM orm_item WHERE id = $1`;

interface Database {
  orm_item: { id: Generated<number>; name: string; hits: Generated<number> };
}

const items = pgTable('orm_item', {
  id: serial('id').primaryKey(),
  name: text('name').notNull(),
  hits: integer('hits').notNull().default(0),
});

type Row = Record<string, unknown>;

/** Run `fn` as an opted-in GET request and capture where each statement went. */
function inScope<T>(fn: () => Promise<T>): Promise<{ result: T; queries: CapturedQuery[] }> {
  return captureQueries(() => runInReplicaScope(fn, { path: '/orm', method: 'GET' }));
}

function where(queries: readonly CapturedQuery[]): [string, string][] {
  return queries.map((q) => [q.alias, q.reason]);
}

/** The statements of one transaction: BEGIN … COMMIT, every one on the primary, reason in_transaction. */
function assertOneTransaction(queries: readonly CapturedQuery[], end = /^commit$/i): void {
  assert.ok(queries.length >= 3);
  assert.match(queries[0]?.sql ?? '', /^(begin|start transaction)/i);
  assert.match(queries.at(-1)?.sql ?? '', end);
  for (const q of queries) assert.deepEqual([q.alias, q.reason], ['default', 'in_transaction'], q.sql);
}

describe('ORM and driver compatibility', () => {
  let cluster: Cluster;
  let urls: { primary: string; replicas: readonly string[] };
  const pools: RoutedPool[] = [];

  before(async () => {
    cluster = await startCluster({ replicas: 1 });
    urls = await cluster.createDatabase(DATABASE);
    await cluster.primary.query(
      'CREATE TABLE orm_item (id serial PRIMARY KEY, name text NOT NULL, hits int NOT NULL DEFAULT 0)',
      [],
      DATABASE,
    );
    await cluster.primary.query("INSERT INTO orm_item (name) VALUES ('one'), ('two')", [], DATABASE);
    await cluster.waitForReplicas();
  });

  after(async () => {
    await Promise.allSettled(pools.map((p) => (p.ended ? undefined : p.end())));
    await cluster?.stop();
  });

  function newPool(): RoutedPool {
    const pool = new RoutedPool({
      primary: urls.primary,
      replicas: urls.replicas,
      tableApps: { orm_item: 'perf' },
      max: 4,
    });
    pools.push(pool);
    return pool;
  }

  describe('raw pg', () => {
    let pool: RoutedPool;
    before(() => {
      pool = newPool();
    });

    it('is a pg.Pool', () => {
      assert.ok(pool instanceof pg.Pool);
    });

    it('pool.query in every promise form: replica in scope, primary out of it', async () => {
      const forms: [string, () => Promise<pg.QueryResult>][] = [
        ['(text, values)', () => pool.query(BY_ID, [1])],
        ['({ text, values })', () => pool.query({ text: BY_ID, values: [1] })],
        ['({ text }, values)', () => pool.query({ text: BY_ID }, [1])],
        ['named prepared statement', () => pool.query({ name: 'orm_by_id', text: BY_ID, values: [1] })],
      ];
      for (const [form, run] of forms) {
        const { result, queries } = await inScope(run);
        assert.equal(result.rows[0]?.name, 'one', form);
        assert.equal(result.rows[0]?.in_recovery, true, `${form} in scope: replica`);
        assert.deepEqual(where(queries), [['read_replica', 'routed']], form);
        const outside = await run();
        assert.equal(outside.rows[0]?.in_recovery, false, `${form} out of scope: primary`);
      }
    });

    it("rowMode 'array' keeps its shape on both servers", async () => {
      const config = {
        text: `SELECT name, pg_is_in_recovery() FROM orm_item WHERE id = $1`,
        rowMode: 'array',
      };
      const { result } = await inScope(() => pool.query<unknown[]>({ ...config, values: [2] }));
      assert.deepEqual(result.rows, [['two', true]]);
      assert.deepEqual(
        result.fields.map((f) => f.name),
        ['name', 'pg_is_in_recovery'],
      );
      assert.deepEqual((await pool.query<unknown[]>({ ...config, values: [2] })).rows, [['two', false]]);
    });

    it('pool.query in every callback form, still in scope inside the callback', async () => {
      const viaCallback = (call: (cb: (err: Error | null, r?: pg.QueryResult) => void) => unknown) =>
        new Promise<pg.QueryResult>((resolve, reject) => {
          const returned = call((err, r) => (err ? reject(err) : resolve(r!)));
          assert.equal(returned, undefined, 'the callback form returns nothing, as pg does');
        });
      const forms: [string, () => Promise<pg.QueryResult>][] = [
        ['(text, cb)', () => viaCallback((cb) => pool.query(`SELECT ${SERVER} FROM orm_item LIMIT 1`, cb))],
        ['(text, values, cb)', () => viaCallback((cb) => pool.query(BY_ID, [1], cb))],
        ['(config, cb)', () => viaCallback((cb) => pool.query({ text: BY_ID, values: [1] }, cb))],
      ];
      for (const [form, run] of forms) {
        const { result, queries } = await inScope(run);
        assert.equal(result.rows[0]?.in_recovery, true, form);
        assert.deepEqual(where(queries), [['read_replica', 'routed']], form);
      }
      const failed = await inScope(() =>
        viaCallback((cb) => pool.query('SELECT no_such_column FROM orm_item', cb)).catch((e: unknown) => e),
      );
      assert.equal((failed.result as { code?: string }).code, '42703');
    });

    it('pool.connect + client.query + release: reads on the replica, a transaction on one primary backend', async () => {
      const { result, queries } = await inScope(async () => {
        const client = await pool.connect();
        try {
          const read = (await client.query(BY_ID, [1])).rows[0] as Row;
          await client.query('BEGIN');
          const inTx = (await client.query(BY_ID, [1])).rows[0] as Row;
          const written = (
            await client.query(`INSERT INTO orm_item (name) VALUES ($1) RETURNING ${SERVER}`, ['raw'])
          ).rows[0] as Row;
          await client.query('ROLLBACK');
          const after = (await client.query(BY_ID, [1])).rows[0] as Row;
          return { read, inTx, written, after };
        } finally {
          client.release();
        }
      });
      assert.equal(result.read.in_recovery, true);
      assert.equal(result.inTx.in_recovery, false);
      assert.equal(result.written.pid, result.inTx.pid, 'one primary connection for the transaction');
      // The request wrote (then rolled back): later reads stay on the primary, which is never wrong.
      assert.equal(result.after.in_recovery, false);
      assert.deepEqual(where(queries), [
        ['read_replica', 'routed'],
        ['default', 'in_transaction'],
        ['default', 'in_transaction'],
        ['default', 'in_transaction'],
        ['default', 'in_transaction'],
        ['default', 'after_write'],
      ]);
    });

    it('pool.connect(callback) + client.query(text, values, callback) + done()', async () => {
      const { result } = await inScope(
        () =>
          new Promise<Row>((resolve, reject) => {
            pool.connect((err, client, done) => {
              if (err || !client) return reject(err);
              client.query(BY_ID, [2], (qerr: Error | null, r: pg.QueryResult) => {
                done();
                if (qerr) reject(qerr);
                else resolve(r.rows[0] as Row);
              });
            });
          }),
      );
      assert.equal(result.name, 'two');
      assert.equal(result.in_recovery, true);
    });
  });

  describe('raw pg Submittables (pg.Query; pg-cursor and pg-query-stream use the same path)', () => {
    let pool: RoutedPool;
    before(() => {
      pool = newPool();
    });

    /** Rows and end of a pg.Query, through its events as a stream or cursor would read them. */
    function drain(query: pg.Query): Promise<Row[]> {
      const rows: Row[] = [];
      return new Promise((resolve, reject) => {
        query.on('row', (row: Row) => rows.push(row));
        query.on('error', reject);
        query.on('end', () => resolve(rows));
      });
    }

    it('client.query(submittable) returns the submittable itself and runs it on the primary', async () => {
      const client = await pool.connect();
      try {
        const { result, queries } = await inScope(async () => {
          const query = new pg.Query(BY_ID, [1]);
          const returned = client.query(query as never) as unknown;
          assert.equal(returned, query, 'pg hands the submittable back, to read or pipe');
          return drain(query);
        });
        assert.equal(result[0]?.name, 'one');
        assert.equal(result[0]?.in_recovery, false);
        assert.deepEqual(queries, [], 'submittables are not routed, hence not published');
      } finally {
        client.release();
      }
    });

    it('pool.query(submittable) gives its connection back', async () => {
      for (let i = 0; i < 6; i++) {
        const query = new pg.Query(BY_ID, [2]);
        const rows = drain(query);
        await pool.query(query as never);
        assert.equal((await rows)[0]?.name, 'two');
      }
      // More runs than the pool has connections (4): none was kept.
      assert.equal(pool.waitingCount, 0);
      assert.equal(pool.idleCount, pool.totalCount);
    });
  });

  describe('Kysely PostgresDialect', () => {
    let pool: RoutedPool;
    let db: Kysely<Database>;
    before(() => {
      pool = newPool();
      db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    });
    after(() => db.destroy());

    const server = [
      ksql<boolean>`pg_is_in_recovery()`.as('in_recovery'),
      ksql<number>`pg_backend_pid()`.as('pid'),
    ] as const;

    it('selects in scope go to the replica, out of scope to the primary', async () => {
      const select = () =>
        db
          .selectFrom('orm_item')
          .select(['id', 'name', ...server])
          .where('id', '=', 1)
          .executeTakeFirstOrThrow();
      const { result, queries } = await inScope(select);
      assert.equal(result.name, 'one');
      assert.equal(result.in_recovery, true);
      assert.deepEqual(where(queries), [['read_replica', 'routed']]);
      assert.equal((await select()).in_recovery, false);
    });

    it('inserts go to the primary, and the request then reads its own write from the primary', async () => {
      const { result, queries } = await inScope(async () => {
        const inserted = await db
          .insertInto('orm_item')
          .values({ name: 'kysely' })
          .returning(['id', ...server])
          .executeTakeFirstOrThrow();
        const read = await db
          .selectFrom('orm_item')
          .select(['name', ...server])
          .where('id', '=', inserted.id)
          .executeTakeFirst();
        return { inserted, read };
      });
      assert.equal(result.inserted.in_recovery, false);
      assert.equal(result.read?.name, 'kysely');
      assert.equal(result.read?.in_recovery, false);
      assert.deepEqual(where(queries), [
        ['default', 'write'],
        ['default', 'after_write'],
      ]);
    });

    it('db.transaction().execute keeps every statement on one primary connection', async () => {
      const { result, queries } = await inScope(() =>
        db.transaction().execute(async (trx) => {
          const before = await trx
            .selectFrom('orm_item')
            .select(server)
            .where('id', '=', 1)
            .executeTakeFirst();
          const inserted = await trx
            .insertInto('orm_item')
            .values({ name: 'kysely-tx' })
            .returning(server)
            .executeTakeFirst();
          const after = await trx
            .selectFrom('orm_item')
            .select(server)
            .where('id', '=', 2)
            .executeTakeFirst();
          return [before, inserted, after];
        }),
      );
      const pids = new Set(result.map((r) => r?.pid));
      assert.equal(pids.size, 1, 'one backend');
      for (const r of result) assert.equal(r?.in_recovery, false);
      assertOneTransaction(queries);
    });

    it('a rolled-back transaction leaves nothing behind', async () => {
      const { queries } = await inScope(() =>
        db
          .transaction()
          .execute(async (trx) => {
            await trx.insertInto('orm_item').values({ name: 'kysely-rollback' }).execute();
            throw new Error('roll back');
          })
          .catch(() => undefined),
      );
      assertOneTransaction(queries, /^rollback$/i);
      const left = await pool.query("SELECT count(*)::int AS n FROM orm_item WHERE name = 'kysely-rollback'");
      assert.equal(left.rows[0]?.n, 0);
    });

    it('a writable CTE built with Kysely goes to the primary', async () => {
      const { result, queries } = await inScope(() =>
        db
          .with('bumped', (qb) =>
            qb.updateTable('orm_item').set({ hits: ksql`hits + 1` }).where('id', '=', 1).returning('id'),
          )
          .selectFrom('bumped')
          .select(['id', ...server])
          .execute(),
      );
      assert.equal(result[0]?.in_recovery, false);
      assert.deepEqual(where(queries), [['default', 'write']]);
    });
  });

  describe('Drizzle node-postgres', () => {
    let pool: RoutedPool;
    let db: ReturnType<typeof drizzle>;
    before(() => {
      pool = newPool();
      db = drizzle({ client: pool });
    });

    const server = {
      inRecovery: dsql<boolean>`pg_is_in_recovery()`,
      pid: dsql<number>`pg_backend_pid()`,
    };

    it('selects in scope go to the replica (array row mode and custom type parsers pass through)', async () => {
      const select = () =>
        db
          .select({ id: items.id, name: items.name, ...server })
          .from(items)
          .where(eq(items.id, 1));
      const { result, queries } = await inScope(() => select());
      assert.deepEqual(
        result.map((r) => [r.id, r.name, r.inRecovery]),
        [[1, 'one', true]],
      );
      assert.deepEqual(where(queries), [['read_replica', 'routed']]);
      assert.equal((await select())[0]?.inRecovery, false);
    });

    it('usePrimary around a lazy Drizzle query keeps it on the primary inside an opted-in request', async () => {
      // Drizzle's builders run their query in `then`, after the callback returned: the scope must still hold.
      const { result, queries } = await inScope(() =>
        usePrimary(() => db.select(server).from(items).where(eq(items.id, 1))),
      );
      assert.equal(result[0]?.inRecovery, false);
      assert.deepEqual(where(queries), [['default', 'not_in_scope']]);
    });

    it('inserts go to the primary', async () => {
      const { result, queries } = await inScope(() =>
        db
          .insert(items)
          .values({ name: 'drizzle' })
          .returning({ id: items.id, ...server }),
      );
      assert.equal(result[0]?.inRecovery, false);
      assert.deepEqual(where(queries), [['default', 'write']]);
    });

    it('db.transaction keeps every statement on one primary connection (pool.connect, since instanceof pg.Pool)', async () => {
      const { result, queries } = await inScope(() =>
        db.transaction(async (tx) => {
          const [before] = await tx.select(server).from(items).where(eq(items.id, 1));
          const [inserted] = await tx.insert(items).values({ name: 'drizzle-tx' }).returning(server);
          const [after] = await tx.select(server).from(items).where(eq(items.id, 2));
          return [before, inserted, after];
        }),
      );
      assert.equal(new Set(result.map((r) => r?.pid)).size, 1, 'one backend');
      for (const r of result) assert.equal(r?.inRecovery, false);
      assertOneTransaction(queries);
    });

    it('Drizzle #4185: a writable CTE built with the ORM goes to the primary', async () => {
      const before = await pool.query('SELECT hits FROM orm_item WHERE id = 2');
      const bumped = db.$with('bumped').as(
        db
          .update(items)
          .set({ hits: dsql`${items.hits} + 1` })
          .where(eq(items.id, 2))
          .returning({ id: items.id, hits: items.hits }),
      );
      const { result, queries } = await inScope(() =>
        db
          .with(bumped)
          .select({ id: bumped.id, hits: bumped.hits, ...server })
          .from(bumped),
      );
      assert.match(queries[0]?.sql ?? '', /^with "bumped" as \(update "orm_item"/i);
      assert.deepEqual(where(queries), [['default', 'write']]);
      assert.equal(result[0]?.inRecovery, false);
      assert.equal(result[0]?.hits, (before.rows[0]?.hits as number) + 1);
    });

    it('the same writable CTE through the sql template goes to the primary', async () => {
      const { result, queries } = await inScope(() =>
        db.execute<{ id: number; in_recovery: boolean }>(
          dsql`WITH bumped AS (UPDATE ${items} SET hits = hits + 1 WHERE id = ${1} RETURNING id) SELECT id, pg_is_in_recovery() AS in_recovery FROM bumped`,
        ),
      );
      assert.deepEqual(where(queries), [['default', 'write']]);
      assert.equal(result.rows[0]?.in_recovery, false);
    });
  });
});
