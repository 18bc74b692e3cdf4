import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import pg from 'pg';
import { type IngestProgress, type IngestResult, runIngest } from '../../src/ingest/index.ts';
import { ingestProgram } from '../../src/ingest/ingest-program.ts';
import { seed } from '../../src/seed/index.ts';
import { withTestDatabase } from '../support/database.ts';

const db = await withTestDatabase();

interface Snapshot {
  readonly datums: number;
  readonly jobs: number;
  readonly pushes: number;
  readonly taskcluster: number;
  readonly newestSignatureUpdate: Date;
}

async function snapshot(url: string): Promise<Snapshot> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const row = (
      await client.query(
        `SELECT (SELECT count(*) FROM performance_datum)::int AS datums,
                (SELECT count(*) FROM job)::int AS jobs,
                (SELECT count(*) FROM push)::int AS pushes,
                (SELECT count(*) FROM taskcluster_metadata)::int AS taskcluster,
                (SELECT max(last_updated) FROM performance_signature) AS newest`,
      )
    ).rows[0];
    return {
      datums: row.datums,
      jobs: row.jobs,
      pushes: row.pushes,
      taskcluster: row.taskcluster,
      newestSignatureUpdate: row.newest,
    };
  } finally {
    await client.end();
  }
}

describe('runIngest', () => {
  const rate = 200;
  const durationMs = 2000;
  let before_: Snapshot;
  let result: IngestResult;
  const progress: IngestProgress[] = [];
  const startedAt = new Date();

  before(async () => {
    await seed(db.urls.primary, { size: 'tiny', seed: 7, endTime: new Date(Date.now() - 86_400_000) });
    await db.cluster.waitForReplicas();
    before_ = await snapshot(db.urls.primary);
    result = await runIngest(db.urls.primary, {
      ratePerSecond: rate,
      durationMs,
      seed: 7,
      progressIntervalMillis: 500,
      onProgress: (p) => progress.push(p),
    });
    // Reported, not asserted: wall-clock rates depend on the machine.
    console.log(
      `ingest: ${result.datums} datums in ${(result.elapsedMs / 1000).toFixed(2)} s ` +
        `(${result.achievedRate.toFixed(0)}/s of ${rate}/s), ${result.jobs} jobs, ${result.pushes} pushes, ` +
        `${result.walBytes} WAL bytes`,
    );
  });

  test('writes pushes, jobs with Taskcluster metadata and datums on the primary', async () => {
    const after = await snapshot(db.urls.primary);
    assert.ok(result.datums > 0, 'wrote datums');
    assert.ok(result.datums <= rate * (durationMs / 1000) * 1.5, `at most 1.5× the rate: ${result.datums}`);
    assert.equal(after.datums - before_.datums, result.datums);
    assert.equal(after.jobs - before_.jobs, result.jobs);
    assert.equal(after.taskcluster - before_.taskcluster, result.jobs);
    assert.equal(after.pushes - before_.pushes, result.pushes);
    assert.ok(result.pushes > 0 && result.jobs > 0);
    assert.equal(result.aborted, false);
  });

  test('new pushes have 40-hex revisions and datums point at their push and job', async () => {
    const rows = await db.primary.query(
      `SELECT p.revision, p.time, d.push_timestamp, d.job_id, j.push_id AS job_push, d.push_id,
              j.repository_id AS job_repo, d.repository_id, s.repository_id AS sig_repo
       FROM performance_datum d
       JOIN push p ON p.id = d.push_id
       JOIN performance_signature s ON s.id = d.signature_id
       LEFT JOIN job j ON j.id = d.job_id
       WHERE p.time >= $1`,
      [new Date(startedAt.getTime() - 1000)],
    );
    assert.equal(rows.rowCount, result.datums);
    for (const r of rows.rows) {
      assert.match(r.revision, /^[0-9a-f]{40}$/);
      assert.equal(r.push_timestamp.getTime(), r.time.getTime());
      assert.notEqual(r.job_id, null);
      assert.equal(r.job_push, r.push_id);
      assert.equal(r.job_repo, r.repository_id);
      assert.equal(r.sig_repo, r.repository_id);
    }
  });

  test('new pushes arrive at now with their commits: the tip is the push revision, the search vector is filled', async () => {
    const { rows } = await db.primary.query(
      `SELECT p.id, p.revision, p.time,
              (SELECT array_agg(c.revision ORDER BY c.id) FROM commit c WHERE c.push_id = p.id) AS commits,
              (SELECT bool_and(c.search_vector IS NOT NULL AND c.comments <> '') FROM commit c WHERE c.push_id = p.id)
                AS searchable
       FROM push p WHERE p.time >= $1`,
      [new Date(startedAt.getTime() - 1000)],
    );
    assert.equal(rows.length, result.pushes);
    for (const r of rows) {
      assert.ok(r.commits?.length >= 1, `push ${r.id} has commits`);
      assert.equal(r.commits.at(-1), r.revision, 'the newest commit is the tip');
      assert.equal(r.searchable, true);
      assert.ok(Date.now() - r.time.getTime() < 60_000, 'pushed at the time of ingestion');
    }
  });

  test('bumps last_updated of the signatures it wrote', async () => {
    const after = await snapshot(db.urls.primary);
    assert.ok(after.newestSignatureUpdate > before_.newestSignatureUpdate);
    assert.ok(after.newestSignatureUpdate >= new Date(startedAt.getTime() - 1000));
    assert.ok(result.signatureUpdates > 0);
    const stale = await db.primary.query(
      `SELECT count(*)::int AS n FROM performance_signature s
       WHERE s.last_updated < (SELECT max(push_timestamp) FROM performance_datum d WHERE d.signature_id = s.id)`,
    );
    assert.equal(stale.rows[0].n, 0);
  });

  test('the replica has every row once it has replayed the primary', async () => {
    await db.cluster.waitForReplicas();
    const primary = await snapshot(db.urls.primary);
    const replica = await snapshot(db.urls.replicas[0] as string);
    assert.deepEqual(replica, primary);
  });

  test('reports progress with WAL rate and the replica seen from the primary', () => {
    assert.ok(progress.length >= 2, `${progress.length} reports`);
    const last = progress.at(-1) as IngestProgress;
    assert.equal(last.datums, result.datums);
    assert.ok(progress.some((p) => p.walBytesPerSecond > 0));
    assert.equal(last.replicas.length, 1);
  });

  test('refuses a replica URL', async () => {
    await assert.rejects(
      runIngest(db.urls.replicas[0] as string, { ratePerSecond: 10, durationMs: 1000, seed: 1 }),
      { code: 'PH_ERR_INGEST_REPLICA' },
    );
  });

  test('refuses a duration over an hour and a non-positive rate', async () => {
    await assert.rejects(runIngest(db.urls.primary, { ratePerSecond: 10, durationMs: 3_600_001, seed: 1 }), {
      code: 'PH_ERR_INGEST_OPTIONS',
    });
    await assert.rejects(runIngest(db.urls.primary, { ratePerSecond: 0, durationMs: 1000, seed: 1 }), {
      code: 'PH_ERR_INGEST_OPTIONS',
    });
  });

  test('stops early when the signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const early = await runIngest(db.urls.primary, {
      ratePerSecond: 100,
      durationMs: 60_000,
      seed: 8,
      signal: controller.signal,
    });
    assert.equal(early.aborted, true);
    assert.ok(early.elapsedMs < 5000);
  });

  test('the command names DATABASE_URL when it is missing', async () => {
    const program = ingestProgram({}, { out: () => {}, progress: { write: () => true } });
    await assert.rejects(program.parseAsync(['node', 'ingest', '--rate', '10', '--duration', '1']), {
      code: 'PH_ERR_DATABASE_URL',
      message: /DATABASE_URL/,
    });
  });
});
