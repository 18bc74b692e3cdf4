import type { FastifyInstance } from 'fastify';
import { methodNotAllowed, ServiceError } from '../http/service-errors.ts';
import { requireUser } from './auth-plugin.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route that only refuses writes (see {@link refuseWrites}); OPTIONS leaves it out of `Allow`. */
    refusesWrites?: boolean;
  }
}

const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * Writes on a read-only endpoint, answered as DRF answers them on a read-only viewset: permissions
 * first, so an anonymous request gets 401 "Authentication credentials were not provided." (401 with
 * `WWW-Authenticate: Bearer` where the reference's session auth says 403) and an invalid token 401
 * "Invalid token."; an authenticated one then gets 405 `{"detail": "Method \"POST\" not allowed."}` with
 * `Allow`. Authentication runs before the body is parsed, as DRF checks permissions before reading data.
 *
 * @example
 * refuseWrites(app, '/api/repository/');
 */
export function refuseWrites(app: FastifyInstance, url: string, allow = 'GET, HEAD, OPTIONS'): void {
  app.route({
    method: [...WRITE_METHODS],
    url,
    config: { refusesWrites: true },
    schema: { hide: true },
    onRequest: async (request, reply) => {
      try {
        await requireUser(request);
      } catch (error) {
        if (error instanceof ServiceError && error.statusCode === 401)
          reply.header('www-authenticate', 'Bearer');
        throw error;
      }
    },
    handler: async (request, reply) => {
      reply.header('allow', allow);
      throw methodNotAllowed(request.method);
    },
  });
}
