import type pg from 'pg';

/**
 * The endpoint benchmark's requests, one per read endpoint, with real parameters (repository, framework,
 * signatures, job, alert summary, revisions) read from the seeded data through `client`.
 */
/** The requests (name, path) and the parameters they were built from (recorded with the results). */
export interface EndpointRequests {
  readonly endpoints: readonly (readonly [string, string])[];
  readonly parameters: Readonly<Record<string, unknown>>;
}

export async function endpointRequests(client: pg.Client): Promise<EndpointRequests> {
  const one = async <R extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R> => {
    const row = (await client.query<R>(sql, params)).rows[0];
    if (!row) throw new Error(`no row for: ${sql}`);
    return row;
  };
  const repo = 'autoland';
  const { framework } = await one<{ framework: number }>(
    `SELECT s.framework_id AS framework FROM performance_signature s JOIN repository r ON r.id = s.repository_id
     JOIN performance_framework f ON f.id = s.framework_id
     WHERE r.name = $1 AND f.enabled GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
    [repo],
  );
  const signatureIds = (
    await client.query<{ id: number }>(
      `SELECT s.id FROM performance_signature s JOIN repository r ON r.id = s.repository_id
       WHERE r.name = $1 AND s.framework_id = $2 AND s.parent_signature_id IS NULL
       ORDER BY s.last_updated DESC, s.id LIMIT 5`,
      [repo, framework],
    )
  ).rows.map((r) => r.id);
  const { job } = await one<{ job: string }>(
    `SELECT d.job_id AS job FROM performance_datum d JOIN repository r ON r.id = d.repository_id
     WHERE r.name = $1 AND d.job_id IS NOT NULL ORDER BY d.push_timestamp DESC LIMIT 1`,
    [repo],
  );
  const { summary } = await one<{ summary: number }>(
    'SELECT summary_id AS summary FROM performance_alert GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1',
  );
  const newestRevision = (name: string) =>
    one<{ revision: string }>(
      `SELECT p.revision FROM push p JOIN repository r ON r.id = p.repository_id WHERE r.name = $1
         AND EXISTS (SELECT 1 FROM performance_datum d JOIN performance_signature s ON s.id = d.signature_id
                     WHERE d.push_id = p.id AND s.framework_id = $2)
       ORDER BY p.time DESC LIMIT 1`,
      [name, framework],
    );
  const base = await newestRevision('mozilla-central');
  const head = await newestRevision(repo);
  const interval = 14 * 86_400;
  const sigs = signatureIds.map((id) => `signature_id=${id}`).join('&');
  const compare = `base_repository=mozilla-central&base_revision=${base.revision}&new_repository=${repo}&new_revision=${head.revision}&framework=${framework}&no_subtests=true`;
  const endpoints: readonly (readonly [string, string])[] = [
    ['framework list', '/api/performance/framework/'],
    ['bug-template', '/api/performance/bug-template/'],
    ['issue-tracker', '/api/performance/issue-tracker/'],
    ['tag (primary)', '/api/performance/tag/'],
    ['signatures interval', `/api/project/${repo}/performance/signatures/?interval=${interval}`],
    ['platforms', `/api/project/${repo}/performance/platforms/?interval=${interval}&framework=${framework}`],
    ['data 5 sigs interval', `/api/project/${repo}/performance/data/?${sigs}&interval=${interval}`],
    ['job-data', `/api/project/${repo}/performance/job-data/?job_id=${job}`],
    [
      'summary repo+fw+interval',
      `/api/performance/summary/?repository=${repo}&framework=${framework}&interval=${interval}`,
    ],
    [
      'summary sig all_data',
      `/api/performance/summary/?repository=${repo}&signature=${signatureIds[0]}&framework=${framework}&interval=${interval}&all_data=true`,
    ],
    ['alertsummary-tasks', `/api/performance/alertsummary-tasks/?id=${summary}`],
    ['validity-dashboard', `/api/performance/validity-dashboard/?framework=${framework}`],
    ['perfcompare student-t', `/api/perfcompare/results/?${compare}`],
    ['perfcompare mann-whitney', `/api/perfcompare/results/?${compare}&test_version=mann-whitney-u`],
    ['alertsummary page 1 (primary)', `/api/performance/alertsummary/?framework=${framework}&page=1`],
    ['alert list (primary)', '/api/performance/alert/'],
  ];
  return {
    endpoints,
    parameters: {
      repo,
      framework,
      signatureIds,
      job,
      summary,
      base: base.revision,
      new: head.revision,
      interval,
    },
  };
}
