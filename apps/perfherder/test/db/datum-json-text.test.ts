import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { DATUM_VALUE_SQL, roundRawValues } from '../../src/perf/data/data-routes.ts';
import { pyRound2 } from '../../src/perf/data/py-round.ts';
import {
  insertJob,
  insertPerfDatum,
  insertPerfSignature,
  insertPush,
  testPerfSignature,
} from '../fixtures/index.ts';
import { withTestDatabase } from '../support/database.ts';

// Stopped after the file's tests (withTestDatabase registers it).
const db = await withTestDatabase({ replicas: 0 });

/** The texts migration 0010 keeps on a datum. */
async function texts(id: number): Promise<{ value_json: string | null; submit_time_json: string | null }> {
  const { rows } = await db.primary.query(
    'SELECT value_json, submit_time_json FROM performance_datum WHERE id = $1',
    [id],
  );
  return rows[0];
}

describe("performance_datum's stored JSON texts (value_json, submit_time_json) follow their sources", () => {
  beforeEach(() => db.reset());

  async function datumWithJob(submitTime: Date, value = 2.675) {
    const signature = await testPerfSignature(db.primary);
    const push = await insertPush(db.primary, {
      repository_id: signature.repository_id,
      revision: 'a'.repeat(40),
    });
    const job = await insertJob(db.primary, {
      repositoryId: signature.repository_id,
      pushId: push.id,
      submitTime,
    });
    const datum = await insertPerfDatum(db.primary, { signature, pushId: push.id, value, jobId: job.id });
    return { signature, push, job, datum };
  }

  it('an inserted datum has its rounded value and its job submit time; without a job, null', async () => {
    const { signature, push, datum } = await datumWithJob(new Date('2024-03-01T10:20:30.250Z'));
    assert.deepEqual(await texts(datum.id), {
      value_json: '2.68',
      submit_time_json: '"2024-03-01T10:20:30.250000"',
    });
    const alone = await insertPerfDatum(db.primary, { signature, pushId: push.id, value: 7, jobId: null });
    assert.deepEqual(await texts(alone.id), { value_json: '7', submit_time_json: null });
  });

  it('a writer whose extra_float_digits is 0 stores the same rounding (of the shortest text, not of 15 digits)', async () => {
    const { signature, push } = await datumWithJob(new Date('2024-03-01T10:20:30Z'));
    const client = await db.primary.connect();
    try {
      await client.query('SET extra_float_digits = 0');
      // 15 digits print 0.125 (a tie, half-even 0.12); the shortest text 0.12500000000000003 rounds to 0.13.
      const datum = await insertPerfDatum(client, { signature, pushId: push.id, value: 0.12500000000000003 });
      assert.equal((await texts(datum.id)).value_json, '0.13');
    } finally {
      client.release();
    }
  });

  it("a datum's new value or job, a job's new submit time, a deleted job and a direct write keep them right", async () => {
    const { push, job, datum } = await datumWithJob(new Date('2024-03-01T10:20:30Z'));
    await db.primary.query('UPDATE performance_datum SET value = 0.125 WHERE id = $1', [datum.id]);
    assert.equal((await texts(datum.id)).value_json, '0.12');

    await db.primary.query("UPDATE job SET submit_time = '2024-05-06T07:08:09.5Z' WHERE id = $1", [job.id]);
    assert.equal((await texts(datum.id)).submit_time_json, '"2024-05-06T07:08:09.500000"');

    const other = await insertJob(db.primary, {
      repositoryId: push.repository_id,
      pushId: push.id,
      submitTime: new Date('2025-01-02T03:04:05Z'),
    });
    await db.primary.query('UPDATE performance_datum SET job_id = $2 WHERE id = $1', [datum.id, other.id]);
    assert.equal((await texts(datum.id)).submit_time_json, '"2025-01-02T03:04:05"');

    await db.primary.query(
      "UPDATE performance_datum SET value_json = '1', submit_time_json = 'x' WHERE id = $1",
      [datum.id],
    );
    assert.deepEqual(await texts(datum.id), {
      value_json: '0.12',
      submit_time_json: '"2025-01-02T03:04:05"',
    });

    await db.primary.query('DELETE FROM job WHERE id = $1', [other.id]);
    assert.deepEqual(await texts(datum.id), { value_json: '0.12', submit_time_json: null });
  });

  it('a datum written before its job in the same transaction (deferred foreign key) gets the submit time', async () => {
    const { signature, push, job } = await datumWithJob(new Date('2024-03-01T10:20:30Z'));
    const client = await db.primary.connect();
    try {
      await client.query('BEGIN');
      const nextJob = job.id + 100;
      const { rows } = await client.query(
        `INSERT INTO performance_datum (repository_id, signature_id, value, push_timestamp, job_id, push_id)
         VALUES ($1, $2, 3.14159, now(), $3, $4) RETURNING id`,
        [signature.repository_id, signature.id, nextJob, push.id],
      );
      await client.query(
        `INSERT INTO job (id, repository_id, guid, push_id, job_type_id, job_group_id, machine_id, machine_platform_id,
           build_platform_id, option_collection_hash, result, state, submit_time, start_time, end_time)
         SELECT $1, repository_id, 'later-guid', push_id, job_type_id, job_group_id, machine_id, machine_platform_id,
           build_platform_id, option_collection_hash, result, state, '2023-12-31T23:59:59Z', start_time, end_time
         FROM job WHERE id = $2`,
        [nextJob, job.id],
      );
      await client.query('COMMIT');
      assert.deepEqual(await texts(Number(rows[0].id)), {
        value_json: '3.14',
        submit_time_json: '"2023-12-31T23:59:59"',
      });
    } finally {
      client.release();
    }
  });
});

describe("/data/'s datum value: the stored value_json where it is Python's round, else rounded in JavaScript", () => {
  it('both paths give pyRound2 of the double, on ties, near-ties, huge and tiny values and random ones', async () => {
    const values: number[] = [0, -0, 0.125, 0.375, 2.675, 1.005, 5e-324, 1e-7, 1.7976931348623157e308];
    values.push(999999999.995, 9999999999.995, 99999999999.995, 1e10, -1e10, 123456789.125, 2 ** 53);
    for (let i = 0; i < 20_000; i++) {
      const k = Math.floor(Math.random() * 2e6) - 1e6;
      const tie = (2 * k + 1) / 200;
      values.push(k / 1000, k / 200, k / 8, k * 1e-7, tie, tie + 1e-12, tie - 1e-12, tie + 1e-9);
      values.push((Math.random() - 0.5) * 10 ** (Math.random() * 24 - 8));
    }
    values.push(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
    const { rows } = await db.primary.query(
      `SELECT d.value::text AS raw, ${DATUM_VALUE_SQL} AS sent
         FROM (SELECT v AS value, performance_value_text_json(v::text) AS value_json FROM unnest($1::float8[]) v) d`,
      [values],
    );
    const stored = rows.filter((r) => !r.sent.startsWith('R')).length;
    assert.ok(stored > values.length / 4 && stored < values.length, `both paths taken (${stored} stored)`);
    for (const r of rows) {
      const x = pyRound2(Number.parseFloat(r.raw));
      const expected = `"value":${Number.isFinite(x) ? String(x) : 'null'}`;
      assert.equal(roundRawValues(`"value":${r.sent}`), expected, `${r.raw} sent as ${r.sent}`);
    }
  });
});

describe("performance_signature's stored sparse object (sparse_json, migration 0011) follows what it shows", () => {
  beforeEach(() => db.reset());

  /** The stored text and the one the function builds now; they must be the same. */
  async function sparse(id: number): Promise<string> {
    const { rows } = await db.primary.query(
      'SELECT s.sparse_json AS kept, performance_signature_sparse_json(s) AS now FROM performance_signature s WHERE id = $1',
      [id],
    );
    assert.equal(rows[0].kept, rows[0].now, 'the stored text is the current one');
    return rows[0].kept;
  }

  it('a new signature, a changed column, a parent and its new hash, a renamed platform and option collection', async () => {
    const parent = await testPerfSignature(db.primary);
    const child = await insertPerfSignature(db.primary, {
      signature_hash: 'c'.repeat(40),
      parent_signature_id: parent.id,
    });
    assert.equal(
      await sparse(parent.id),
      `{"id":${parent.id},"signature_hash":"${'t'.repeat(40)}","framework_id":${parent.framework_id},` +
        '"option_collection_hash":"my_option_hash","machine_platform":"win7","suite":"mysuite",' +
        '"should_alert":null,"test":"mytest","application":"firefox","tags":["warm","pageload"],' +
        '"extra_options":["e10s","opt"],"measurement_unit":"ms"}',
    );
    assert.match(await sparse(child.id), new RegExp(`"parent_signature":"${'t'.repeat(40)}"`));

    await db.primary.query(
      `UPDATE performance_signature SET suite = 'q"s', has_subtests = true WHERE id = $1`,
      [parent.id],
    );
    assert.match(await sparse(parent.id), /"suite":"q\\"s".*"has_subtests":true/);
    await db.primary.query(`UPDATE performance_signature SET signature_hash = $2 WHERE id = $1`, [
      parent.id,
      'p'.repeat(40),
    ]);
    assert.match(await sparse(child.id), new RegExp(`"parent_signature":"${'p'.repeat(40)}"`));
    await db.primary.query(`UPDATE machine_platform SET platform = 'win11' WHERE id = $1`, [
      parent.platform_id,
    ]);
    await db.primary.query(`UPDATE option_collection SET option_collection_hash = 'other' WHERE id = $1`, [
      parent.option_collection_id,
    ]);
    assert.match(await sparse(parent.id), /"option_collection_hash":"other","machine_platform":"win11"/);
    assert.match(await sparse(child.id), /"option_collection_hash":"other","machine_platform":"win11"/);
    // last_updated (what ingestion moves) is not in the object: the text stays.
    const before = await sparse(child.id);
    await db.primary.query('UPDATE performance_signature SET last_updated = now() WHERE id = $1', [child.id]);
    assert.equal(await sparse(child.id), before);
  });

  it('a child, platform and option collection written before their parent rows (deferred keys) get their text', async () => {
    const client = await db.primary.connect();
    try {
      await client.query('BEGIN');
      const existing = await testPerfSignature(client);
      const { rows } = await client.query(
        `INSERT INTO performance_signature (signature_hash, repository_id, framework_id, platform_id,
           option_collection_id, suite, test, last_updated, parent_signature_id, has_subtests)
         VALUES ($1, $2, $3, 900001, 900002, 'late', '', now(), 900003, false) RETURNING id`,
        ['l'.repeat(40), existing.repository_id, existing.framework_id],
      );
      const id = rows[0].id;
      await client.query(
        `INSERT INTO machine_platform (id, os_name, platform) VALUES (900001, 'linux', 'lin64')`,
      );
      await client.query(
        `INSERT INTO option_collection (id, option_collection_hash, option_id)
         SELECT 900002, 'late_hash', option_id FROM option_collection WHERE id = $1`,
        [existing.option_collection_id],
      );
      await client.query(
        `INSERT INTO performance_signature (id, signature_hash, repository_id, framework_id, platform_id,
           option_collection_id, suite, test, last_updated, has_subtests)
         VALUES (900003, $1, $2, $3, 900001, 900002, 'parent', '', now(), true)`,
        ['q'.repeat(40), existing.repository_id, existing.framework_id],
      );
      await client.query('COMMIT');
      assert.match(
        await sparse(id),
        new RegExp(
          `"option_collection_hash":"late_hash","machine_platform":"lin64".*"parent_signature":"${'q'.repeat(40)}"`,
        ),
      );
    } finally {
      client.release();
    }
  });
});
