import type { FastifyPluginAsync } from 'fastify';
import { optionalUser } from '../../auth/auth-plugin.ts';
import { refuseWrites } from '../../auth/refuse-writes.ts';
import { idParamsSchema, intIdParam } from '../../http/integer-param.ts';
import { notFound, notFoundBody } from '../../http/service-errors.ts';

const userSchema = {
  type: 'object',
  properties: {
    username: { type: 'string' },
    is_superuser: { type: 'boolean' },
    is_staff: { type: 'boolean' },
    email: { type: 'string' },
  },
  required: ['username', 'is_superuser', 'is_staff', 'email'],
} as const;

const SELECT = 'SELECT username, is_superuser, is_staff, email FROM auth_user WHERE id = $1';

/**
 * treeherder-core-api.md section 5: the caller's own user. Anonymous → `[]` (what the Treeherder UI
 * always gets: it sends no Authorization header), a bearer token → a one-element array; the detail route
 * finds only the caller's own id. Not replica-routed: users are the `auth` app, read on the primary.
 */
export const userRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/api/user/',
    {
      schema: {
        tags: ['treeherder'],
        summary: "The caller's own user ([] when anonymous)",
        response: { 200: { type: 'array', items: userSchema } },
      },
    },
    async (request) => {
      const user = await optionalUser(request);
      if (!user) return [];
      return (await app.db.query(SELECT, [user.id])).rows;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/user/:id/',
    {
      schema: {
        tags: ['treeherder'],
        summary: "The caller's own user, by id",
        params: idParamsSchema,
        response: { 200: userSchema },
      },
    },
    async (request) => {
      const id = intIdParam(request.params.id);
      if (id === undefined) throw notFoundBody({ detail: 'Not found.' });
      const user = await optionalUser(request);
      if (!user || user.id !== id) throw notFound('User');
      const { rows } = await app.db.query(SELECT, [id]);
      if (rows.length === 0) throw notFound('User');
      return rows[0];
    },
  );

  refuseWrites(app, '/api/user/');
  refuseWrites(app, '/api/user/:id/');
};
