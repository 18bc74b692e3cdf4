import type pg from 'pg';

/**
 * The requests of issue 14's speed table, one per measured endpoint, with the reference's figures (Treeherder's
 * Django under gunicorn on the medium data set, 200 sequential requests, ms). Parameters are read from the
 * seeded data: the newest pushes of mozilla-central and autoland, signatures of framework 13.
 */
export interface SpeedRequest {
  readonly name: string;
  readonly path: string;
  /** The reference's p50 and p99 in ms. */
  readonly reference: { readonly p50: number; readonly p99: number };
}

const DAY = 86_400;

export async function speedRequests(client: pg.Client): Promise<{
  readonly requests: readonly SpeedRequest[];
  readonly parameters: Readonly<Record<string, unknown>>;
}> {
  const one = async <R extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R> => {
    const row = (await client.query<R>(sql, params)).rows[0];
    if (!row) throw new Error(`no row for: ${sql}`);
    return row;
  };
  // The newest push of a repository with data of a framework.
  const newestPush = (repo: string, framework: number) =>
    one<{ id: number; revision: string; time: Date }>(
      `SELECT p.id, p.revision, p.time FROM push p JOIN repository r ON r.id = p.repository_id
       WHERE r.name = $1 AND EXISTS (SELECT 1 FROM performance_datum d
         JOIN performance_signature s ON s.id = d.signature_id WHERE d.push_id = p.id AND s.framework_id = $2)
       ORDER BY p.time DESC LIMIT 1`,
      [repo, framework],
    );
  const central = await newestPush('mozilla-central', 13);
  const autoland = await newestPush('autoland', 13);
  const talosAutoland = await newestPush('autoland', 1);
  // A parent signature of framework 13 with subtests, on both sides (the same hash per repository).
  const parents = await one<{ base: number; next: number }>(
    `SELECT b.id AS base, n.id AS next FROM performance_signature b
     JOIN repository br ON br.id = b.repository_id AND br.name = 'mozilla-central'
     JOIN performance_signature n ON n.signature_hash = b.signature_hash
     JOIN repository nr ON nr.id = n.repository_id AND nr.name = 'autoland'
     WHERE b.framework_id = 13 AND b.has_subtests
       AND EXISTS (SELECT 1 FROM performance_datum d WHERE d.push_id = $1 AND d.signature_id = n.id)
     ORDER BY b.id LIMIT 1`,
    [autoland.id],
  );
  const twoSignatures = (
    await client.query<{ id: number }>(
      `SELECT s.id FROM performance_signature s JOIN repository r ON r.id = s.repository_id
       WHERE r.name = 'autoland' AND s.framework_id = 13 AND s.parent_signature_id IS NULL
       ORDER BY s.id LIMIT 2`,
    )
  ).rows.map((r) => r.id);
  const end = new Date(central.time.getTime() + 1000);
  const start = new Date(end.getTime() - 30 * DAY * 1000);
  const day = (d: Date) => d.toISOString().slice(0, 19);
  const noBase = (revision: string, interval: number) =>
    `base_repository=mozilla-central&new_repository=autoland&new_revision=${revision}&interval=${interval}`;
  const requests: SpeedRequest[] = [
    {
      name: 'perfcompare MWU, no base, 14 days (cache hit)',
      path: `/api/perfcompare/results/?${noBase(talosAutoland.revision, 14 * DAY)}&test_version=mann-whitney-u`,
      reference: { p50: 134, p99: 259 },
    },
    {
      name: 'perfcompare, no base, 30 days',
      path: `/api/perfcompare/results/?${noBase(autoland.revision, 30 * DAY)}&framework=13&no_subtests=true`,
      reference: { p50: 72, p99: 186 },
    },
    {
      name: 'summary m-c fw 13, 30 days start/end, no_subtests',
      path: `/api/performance/summary/?repository=mozilla-central&framework=13&startday=${day(start)}&endday=${day(end)}&no_subtests=true`,
      reference: { p50: 78, p99: 204 },
    },
    {
      name: 'data, two signature_id',
      path: `/api/project/autoland/performance/data/?${twoSignatures.map((id) => `signature_id=${id}`).join('&')}`,
      reference: { p50: 20, p99: 28 },
    },
    {
      name: 'perfcompare t-test, subtests (base_parent_signature)',
      path: `/api/perfcompare/results/?base_repository=mozilla-central&base_revision=${central.revision}&new_repository=autoland&new_revision=${autoland.revision}&framework=13&base_parent_signature=${parents.base}&new_parent_signature=${parents.next}`,
      reference: { p50: 43, p99: 150 },
    },
    {
      name: 'data, push_id',
      path: `/api/project/autoland/performance/data/?push_id=${autoland.id}`,
      reference: { p50: 11, p99: 19 },
    },
    {
      name: 'signatures, whole repository',
      path: '/api/project/autoland/performance/signatures/',
      reference: { p50: 20, p99: 34 },
    },
    {
      name: 'signatures, fw 13, subtests=0',
      path: '/api/project/autoland/performance/signatures/?framework=13&subtests=0',
      reference: { p50: 5.2, p99: 12 },
    },
    {
      name: 'summary autoland fw 1, 14 days (heaviest)',
      path: `/api/performance/summary/?repository=autoland&framework=1&interval=${14 * DAY}`,
      reference: { p50: 118, p99: 258 },
    },
  ];
  return {
    requests,
    parameters: {
      centralPush: central.id,
      autolandPush: autoland.id,
      talosAutolandPush: talosAutoland.id,
      parents,
      twoSignatures,
    },
  };
}
