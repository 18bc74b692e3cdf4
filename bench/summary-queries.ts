/**
 * Summary-query benchmark: the two statements the endpoint benchmark found slow on the `medium` data set,
 * before and after their rewrite, on the same data and with the same parameters.
 *
 * 1. `GET /api/performance/summary/?repository=autoland&framework=<most used>&interval=1209600`: its
 *    datums statement. The parameters are the ones the endpoint sends: `runSummary` runs against a
 *    recording pool, which keeps the text and values of its second statement. OLD is the text the app sent
 *    before the rewrite (frozen below), with those same values.
 * 2. `GET /api/performance/alertsummary-tasks/?id=<summary with the most alerts>`: OLD (frozen below)
 *    and the app's {@link ALERT_SUMMARY_TASKS_SQL}.
 *
 * First both versions are checked to return the same rows in the same order (the summary statement for
 * the benchmarked shape and for `all_data` on one signature with and without replicates, and by revision;
 * the tasks statement for every alert summary). Then each pair runs alternately (OLD, NEW, OLD, NEW, ...)
 * after a warm-up, timed at the client (statement sent to rows parsed, one connection, warm cache):
 * median and p95. Last, `EXPLAIN (ANALYZE, BUFFERS)` of each, summarized to one line and kept whole in the
 * JSON.
 *
 * Usage: node --conditions=@perfherder/source --import tsx bench/summary-queries.ts [--runs 20] [--size medium]
 * Prints tables, writes bench/results/summary-queries.json. Not part of npm test.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { RoutedPool } from 'replica-router';
import { ALERT_SUMMARY_TASKS_SQL } from '../apps/perfherder/src/perf/alertsummary-tasks/alertsummary-tasks-routes.ts';
import { quantize2HalfEvenSql } from '../apps/perfherder/src/perf/perfcompare/stats/quantize.ts';
import { parseSummaryParams } from '../apps/perfherder/src/perf/summary/summary-params.ts';
import { runSummary } from '../apps/perfherder/src/perf/summary/summary-query.ts';
import { seed } from '../apps/perfherder/src/seed/index.ts';
import {
  benchEnvironment,
  createMigratedDatabase,
  startBenchCluster,
  writeResult,
} from './support/bench-env.ts';
import { summarizePlan } from './support/slow-statements.ts';

/** What `runSummary` produced for its datums statement before the rewrite, for any shape. */
function oldSummaryDataSql(modeA: boolean, replicates: boolean, timeCond: string): string {
  const iso = (c: string) =>
    `(to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || CASE WHEN date_trunc('second', ${c}) = ${c} THEN '' ELSE to_char(${c} AT TIME ZONE 'UTC', '.US') END)`;
  return `SELECT d.signature_id, d.id, d.value, ${replicates ? 'rep.value' : 'NULL::double precision'} AS replicate_value, d.job_id, d.push_id,
       ${iso('j.submit_time')} AS submit_time
       ${modeA ? `, ${iso('d.push_timestamp')} AS push_timestamp, p.revision, m.name AS machine_name` : ''}
     FROM performance_datum d
     JOIN push p ON p.id = d.push_id
     ${replicates ? 'LEFT JOIN performance_datum_replicate rep ON rep.performance_datum_id = d.id' : ''}
     LEFT JOIN job j ON j.id = d.job_id
     ${modeA ? 'LEFT JOIN machine m ON m.id = j.machine_id' : ''}
     WHERE d.repository_id = $1 AND d.signature_id = ANY($2::int[]) AND ${timeCond}
     ORDER BY ${modeA ? 'd.push_timestamp, d.push_id, d.job_id, d.id' : 'd.job_id, d.id'}${replicates ? ', rep.id' : ''}`;
}

/** The OLD datums statement of the benchmarked request (interval, output mode B, no replicates), verbatim. */
const OLD_SUMMARY_DATA_SQL = `SELECT d.signature_id, d.id, d.value, NULL::double precision AS replicate_value, d.job_id, d.push_id,
       (to_char(j.submit_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || CASE WHEN date_trunc('second', j.submit_time) = j.submit_time THEN '' ELSE to_char(j.submit_time AT TIME ZONE 'UTC', '.US') END) AS submit_time
       
     FROM performance_datum d
     JOIN push p ON p.id = d.push_id
     
     LEFT JOIN job j ON j.id = d.job_id
     
     WHERE d.repository_id = $1 AND d.signature_id = ANY($2::int[]) AND d.push_timestamp > $3::timestamptz
     ORDER BY d.job_id, d.id`;

/** The OLD alert-summary tasks statement, verbatim. */
const OLD_ALERT_SUMMARY_TASKS_SQL = `SELECT s.id, ARRAY(
           SELECT DISTINCT jt.name
           FROM performance_datum d
           LEFT JOIN job j ON j.id = d.job_id
           LEFT JOIN job_type jt ON jt.id = j.job_type_id
           WHERE d.signature_id IN (
             SELECT a.series_signature_id FROM performance_alert a
             WHERE a.summary_id = s.id OR a.related_summary_id = s.id
           )
           ORDER BY jt.name
         ) AS tasks
         FROM performance_alert_summary s
         WHERE s.id = $1`;

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    size: { type: 'string', default: 'medium' },
  },
});
const runs = Number(args.runs);
const size = args.size === 'small' || args.size === 'tiny' ? args.size : 'medium';
const DATABASE = 'perfherder_bench';
const WARMUP = 3;
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Statement {
  readonly text: string;
  readonly values: unknown[];
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
const round = (x: number) => Math.round(x * 100) / 100;

const { cluster, stopCluster } = await startBenchCluster({
  replicas: 0,
  settings: { shared_buffers: '128MB' },
});
let client: pg.Client | undefined;
try {
  const urls = await createMigratedDatabase(cluster, DATABASE);
  const seedStarted = performance.now();
  const counts = await seed(urls.primary, { size, seed: 1 });
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  // As autovacuum would have by the time anyone reads: visibility map, fresh statistics.
  await cluster.primary.query('VACUUM (ANALYZE)', [], DATABASE);
  log(`seeded ${counts.performance_datum} datums in ${seedSeconds.toFixed(0)} s`);

  const c = new pg.Client({ connectionString: urls.primary, application_name: 'bench-summary-queries' });
  // The server going away at the end is expected; anything earlier fails the awaited query.
  c.on('error', () => {});
  client = c;
  await c.connect();
  const one = async <R extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R> => {
    const row = (await c.query<R>(sql, params)).rows[0];
    if (!row) throw new Error(`no row for: ${sql}`);
    return row;
  };

  // --- parameters: chosen as bench/endpoints.ts chooses them
  const repo = 'autoland';
  const interval = 14 * 86_400;
  const { framework } = await one<{ framework: number }>(
    `SELECT s.framework_id AS framework FROM performance_signature s JOIN repository r ON r.id = s.repository_id
     JOIN performance_framework f ON f.id = s.framework_id
     WHERE r.name = $1 AND f.enabled GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
    [repo],
  );
  const { signature } = await one<{ signature: number }>(
    `SELECT s.id AS signature FROM performance_signature s JOIN repository r ON r.id = s.repository_id
     WHERE r.name = $1 AND s.framework_id = $2 AND s.parent_signature_id IS NULL
     ORDER BY s.last_updated DESC, s.id LIMIT 1`,
    [repo, framework],
  );
  const { summary } = await one<{ summary: number }>(
    'SELECT summary_id AS summary FROM performance_alert GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1',
  );
  const { revision } = await one<{ revision: string }>(
    `SELECT p.revision FROM push p JOIN repository r ON r.id = p.repository_id WHERE r.name = $1
       AND EXISTS (SELECT 1 FROM performance_datum d WHERE d.push_id = p.id) ORDER BY p.time DESC LIMIT 1`,
    [repo],
  );

  /** The datums statement `runSummary` sends for a summary query string (text and values). */
  const summaryStatement = async (query: string): Promise<Statement> => {
    const parsed = parseSummaryParams(Object.fromEntries(new URLSearchParams(query)));
    if (!parsed.ok) throw new Error(`bad summary query ${query}: ${JSON.stringify(parsed.errors)}`);
    const sent: Statement[] = [];
    const recorder = {
      query: (text: string, values: unknown[]) => {
        sent.push({ text, values });
        return c.query(text, values);
      },
    };
    await runSummary(recorder as unknown as RoutedPool, parsed.params);
    const datums = sent[1];
    if (!datums) throw new Error(`no datums statement for ${query}`);
    return datums;
  };
  const endpointQuery = `repository=${repo}&framework=${framework}&interval=${interval}`;
  const newSummary = await summaryStatement(endpointQuery);
  const oldSummary: Statement = { text: OLD_SUMMARY_DATA_SQL, values: newSummary.values };
  const oldTasks: Statement = { text: OLD_ALERT_SUMMARY_TASKS_SQL, values: [summary] };
  const newTasks: Statement = { text: ALERT_SUMMARY_TASKS_SQL, values: [summary] };

  // --- same rows, same order
  const rowsOf = async (s: Statement) => {
    const { rows, fields } = await c.query({ text: s.text, values: s.values, rowMode: 'array' });
    return { names: fields.map((f) => f.name), rows };
  };
  const sameRows = async (label: string, a: Statement, b: Statement): Promise<number> => {
    const x = await rowsOf(a);
    const y = await rowsOf(b);
    // Compare by column name: NEW may list columns in another order.
    const pick = (r: { names: string[]; rows: unknown[][] }) =>
      JSON.stringify(r.rows.map((row) => x.names.map((n) => row[r.names.indexOf(n)])));
    if ([...x.names].sort().join() !== [...y.names].sort().join() || pick(x) !== pick(y)) {
      throw new Error(`${label}: OLD and NEW differ (${x.rows.length} vs ${y.rows.length} rows)`);
    }
    return x.rows.length;
  };
  const explain = async (s: Statement): Promise<string> =>
    (await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${s.text}`, s.values)).rows
      .map((r) => r['QUERY PLAN'] as string)
      .join('\n');
  /** Server-side execution time of one warm run, for the shapes that are checked but not timed. */
  const execMs = async (s: Statement): Promise<number> => {
    await c.query(s.text, s.values);
    const line = (await explain(s)).split('\n').find((l) => l.startsWith('Execution Time'));
    return Number(line?.match(/([\d.]+) ms/)?.[1]);
  };
  const checks: Record<string, { rows: number; oldExecMs?: number; newExecMs?: number }> = {};
  // Since issue 14 the parallel-list shapes come as one row per signature (json_agg, values rounded in SQL):
  // OLD's datum rows are aggregated the same way to compare, both sorted by signature.
  const asLists = (old: Statement): Statement => ({
    text: `SELECT o.signature_id,
             json_agg(${quantize2HalfEvenSql('v.t')} ORDER BY o.job_id, o.id)::text AS values,
             json_agg(o.job_id ORDER BY o.job_id, o.id)::text AS job_ids,
             json_agg(o.submit_time ORDER BY o.job_id, o.id)::text AS submit_times
           FROM (${old.text}) o
           CROSS JOIN LATERAL (SELECT coalesce(o.replicate_value, o.value)::text AS t) v
           GROUP BY o.signature_id ORDER BY o.signature_id`,
    values: old.values,
  });
  const bySignature = (s: Statement): Statement => ({
    text: `SELECT * FROM (${s.text}) n ORDER BY n.signature_id`,
    values: s.values,
  });
  checks[`summary ${endpointQuery}`] = {
    rows: await sameRows('summary', asLists(oldSummary), bySignature(newSummary)),
  };
  for (const [label, query, modeA, replicates, byRevision] of [
    [
      'all_data',
      `repository=${repo}&signature=${signature}&interval=${interval}&all_data=true`,
      true,
      false,
      false,
    ],
    [
      'all_data replicates',
      `repository=${repo}&signature=${signature}&interval=${interval}&all_data=true&replicates=true`,
      true,
      true,
      false,
    ],
    ['revision', `repository=${repo}&framework=${framework}&revision=${revision}`, false, false, true],
    [
      'revision all_data',
      `repository=${repo}&signature=${signature}&revision=${revision}&all_data=true`,
      true,
      false,
      true,
    ],
  ] as const) {
    const s = await summaryStatement(query);
    const timeCond = byRevision ? 'p.revision = $3' : 'd.push_timestamp > $3::timestamptz';
    const old = { text: oldSummaryDataSql(modeA, replicates, timeCond), values: s.values };
    checks[`summary ${label}: ${query}`] = {
      rows: await sameRows(label, modeA ? old : asLists(old), modeA ? s : bySignature(s)),
      oldExecMs: await execMs(old),
      newExecMs: await execMs(s),
    };
  }
  const summaryIds = (await c.query<{ id: number }>('SELECT id FROM performance_alert_summary ORDER BY id'))
    .rows;
  for (const { id } of summaryIds) {
    await sameRows(`tasks ${id}`, { ...oldTasks, values: [id] }, { ...newTasks, values: [id] });
  }
  checks[`tasks: every alert summary (${summaryIds.length})`] = { rows: summaryIds.length };
  log(`OLD and NEW return the same rows: ${JSON.stringify(checks)}`);

  // --- timing: ABAB after a warm-up
  const time = async (s: Statement): Promise<number> => {
    const started = performance.now();
    await c.query(s.text, s.values);
    return performance.now() - started;
  };
  const compare = async (name: string, old: Statement, next: Statement) => {
    for (let i = 0; i < WARMUP; i++) {
      await time(old);
      await time(next);
    }
    const ms = { old: [] as number[], new: [] as number[] };
    for (let i = 0; i < runs; i++) {
      ms.old.push(await time(old));
      ms.new.push(await time(next));
    }
    const stats = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return { medianMs: round(percentile(sorted, 50)), p95Ms: round(percentile(sorted, 95)) };
    };
    const oldPlan = await explain(old);
    const newPlan = await explain(next);
    const result = {
      rows: (await c.query(next.text, next.values)).rowCount,
      old: { ...stats(ms.old), planSummary: summarizePlan(oldPlan), plan: oldPlan, sql: old.text },
      new: { ...stats(ms.new), planSummary: summarizePlan(newPlan), plan: newPlan, sql: next.text },
      values: next.values,
    };
    log(`${name}: OLD median ${result.old.medianMs} ms, NEW median ${result.new.medianMs} ms`);
    return result;
  };
  const results = {
    summary: {
      path: `/api/performance/summary/?${endpointQuery}`,
      ...(await compare('summary', oldSummary, newSummary)),
    },
    tasks: {
      path: `/api/performance/alertsummary-tasks/?id=${summary}`,
      ...(await compare('alertsummary-tasks', oldTasks, newTasks)),
    },
  };

  console.log(`\nOLD vs NEW, ${runs} alternating runs each after ${WARMUP} warm-up pairs (client-side ms)`);
  console.table(
    Object.fromEntries(
      Object.entries(results).flatMap(([name, r]) =>
        (['old', 'new'] as const).map((v) => [
          `${name} ${v.toUpperCase()}`,
          { rows: r.rows, 'median ms': r[v].medianMs, 'p95 ms': r[v].p95Ms },
        ]),
      ),
    ),
  );
  console.log('\nPlans (EXPLAIN (ANALYZE, BUFFERS), one line each)');
  for (const [name, r] of Object.entries(results)) {
    console.log(`${name} OLD: ${r.old.planSummary}`);
    console.log(`${name} NEW: ${r.new.planSummary}`);
  }

  const out = {
    benchmark: 'summary-queries',
    ...benchEnvironment({ postgres: cluster.version, roundLoad: true }),
    size,
    datums: counts.performance_datum,
    seedSeconds: Math.round(seedSeconds),
    settings: { shared_buffers: '128MB', runs, warmupPairs: WARMUP, order: 'OLD, NEW alternating' },
    parameters: { repo, framework, interval, summary, signature, revision },
    sameRows: checks,
    results,
  };
  writeResult('summary-queries.json', out);
} finally {
  await client?.end().catch(() => {});
  await stopCluster();
}
