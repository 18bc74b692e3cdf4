import type { Queryable } from '../../db/queryable.ts';

/** One changeset of a push, as the push API serializes it. */
export interface PushCommit {
  readonly result_set_id: number;
  readonly repository_id: number;
  readonly revision: string;
  readonly author: string;
  readonly comments: string;
}

/** A push as the push API serializes it (keys in the reference's order). */
export interface Push {
  readonly id: number;
  readonly revision: string;
  readonly author: string;
  readonly branch: string | null;
  /** At most {@link MAX_REVISIONS}, newest commit first: `[0]` is normally the tip. */
  readonly revisions: readonly PushCommit[];
  /** Every commit of the push, not capped. */
  readonly revision_count: number;
  /** Epoch seconds of `push.time`, fractions dropped. */
  readonly push_timestamp: number;
  readonly repository_id: number;
}

/** Commits serialized per push, as the reference's serializer slices them. */
export const MAX_REVISIONS = 20;

const commitSchema = {
  type: 'object',
  properties: {
    result_set_id: { type: 'integer' },
    repository_id: { type: 'integer' },
    revision: { type: 'string' },
    author: { type: 'string' },
    comments: { type: 'string' },
  },
  required: ['result_set_id', 'repository_id', 'revision', 'author', 'comments'],
} as const;

/** JSON Schema of a serialized push, for the response schemas and the OpenAPI document. */
export const pushSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    revision: { type: 'string' },
    author: { type: 'string' },
    branch: { type: ['string', 'null'] },
    revisions: { type: 'array', items: commitSchema },
    revision_count: { type: 'integer' },
    push_timestamp: { type: 'integer' },
    repository_id: { type: 'integer' },
  },
  required: [
    'id',
    'revision',
    'author',
    'branch',
    'revisions',
    'revision_count',
    'push_timestamp',
    'repository_id',
  ],
} as const;

/**
 * The pushes matching `where` (SQL over `push p`, with `params` bound in order), newest first (time, then
 * id), at most `limit`, each with its newest {@link MAX_REVISIONS} commits and its commit count. The page
 * is cut before the commits are read, so a page costs `limit` index probes into `commit`, whatever the
 * repository's size.
 *
 * @example
 * await selectPushes(db, 'p.repository_id = $1', [1], 10);
 */
export async function selectPushes(
  db: Queryable,
  where: string,
  params: readonly unknown[],
  limit: number,
  prefix = '',
): Promise<Push[]> {
  const limitParam = `$${params.length + 1}`;
  const { rows } = await db.query(
    `${prefix}
     SELECT p.id, p.revision, p.author, p.branch, p.repository_id,
            floor(extract(epoch FROM p.time))::float8 AS push_timestamp,
            counted.total AS revision_count, newest.list AS revisions
     FROM (SELECT * FROM push p WHERE ${where} ORDER BY p.time DESC, p.id DESC LIMIT ${limitParam}) p
     CROSS JOIN LATERAL (SELECT count(*)::int AS total FROM commit c WHERE c.push_id = p.id) counted
     CROSS JOIN LATERAL (
       SELECT coalesce(json_agg(json_build_object(
                'result_set_id', c.push_id, 'repository_id', p.repository_id, 'revision', c.revision,
                'author', c.author, 'comments', c.comments) ORDER BY c.id DESC), '[]'::json) AS list
       FROM (SELECT * FROM commit c WHERE c.push_id = p.id ORDER BY c.id DESC LIMIT ${MAX_REVISIONS}) c
     ) newest
     ORDER BY p.time DESC, p.id DESC`,
    [...params, limit],
  );
  return rows.map(
    (r): Push => ({
      id: r.id,
      revision: r.revision,
      author: r.author,
      branch: r.branch,
      revisions: r.revisions,
      revision_count: r.revision_count,
      push_timestamp: r.push_timestamp,
      repository_id: r.repository_id,
    }),
  );
}
