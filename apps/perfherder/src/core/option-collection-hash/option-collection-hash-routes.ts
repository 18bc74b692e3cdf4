import type { FastifyPluginAsync } from 'fastify';
import { refuseWrites } from '../../auth/refuse-writes.ts';

const entrySchema = {
  type: 'object',
  properties: {
    option_collection_hash: { type: 'string' },
    options: {
      type: 'array',
      items: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
    },
  },
  required: ['option_collection_hash', 'options'],
} as const;

/** One entry per option collection hash, in first-seen order (the reference's map, rebuilt per request). */
function byHash(rows: readonly { hash: string; name: string }[]): unknown[] {
  const names = new Map<string, string[]>();
  for (const row of rows) {
    const list = names.get(row.hash);
    if (list) list.push(row.name);
    else names.set(row.hash, [row.name]);
  }
  // The reference joins a hash's names with spaces and splits them again: kept, so a name with a space
  // comes out as the reference sends it.
  return [...names].map(([hash, list]) => ({
    option_collection_hash: hash,
    options: list
      .join(' ')
      .split(' ')
      .map((name) => ({ name })),
  }));
}

/**
 * treeherder-core-api.md section 3: every option collection hash with its option names. Replica-routed
 * (model app). Not cached: the reference keeps the map in Redis for 300 s; here the replica takes the read.
 */
export const optionCollectionHashRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/api/optioncollectionhash/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['treeherder'],
        summary: 'Option collection hashes and their option names',
        response: { 200: { type: 'array', items: entrySchema } },
      },
    },
    async () => {
      const { rows } = await app.db.query(
        `SELECT oc.option_collection_hash AS hash, o.name
         FROM option_collection oc JOIN option o ON o.id = oc.option_id
         ORDER BY oc.id`,
      );
      return byHash(rows);
    },
  );
  refuseWrites(app, '/api/optioncollectionhash/', 'GET, HEAD, OPTIONS');
};
