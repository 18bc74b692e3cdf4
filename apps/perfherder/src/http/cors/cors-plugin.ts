import type { FastifyInstance, FastifyRequest } from 'fastify';
import { addVary } from '../vary.ts';
import type { CorsPolicy } from './cors-policy.ts';

function isPreflight(request: FastifyRequest): boolean {
  return request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
}

/**
 * CORS the way the reference's django-cors-headers middleware answers it, on every path and status:
 *
 * - every response gets `Vary: origin` (4xx, 5xx and the catch-all 404 too);
 * - a request with `Origin` gets `Access-Control-Allow-Origin`: `*` when every origin is allowed, the
 *   origin itself when it is in the allowed list, nothing when it is not;
 * - an allowed OPTIONS request with `Origin` also gets `Access-Control-Allow-Headers`, `…-Allow-Methods`
 *   and `…-Max-Age`; `Access-Control-Expose-Headers` is sent when the policy lists any header;
 * - a preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered before routing: 200, empty
 *   body, `Content-Length: 0`, whatever the path. Other OPTIONS requests reach the routes (DRF metadata).
 *
 * Not `@fastify/cors`: with a fixed `*` it sends the header without `Origin` and no `Vary`, and its
 * preflight handling either rejects or swallows every OPTIONS request (strict or not), which would
 * replace the DRF metadata answer; it also has no way to add the preflight lists to a plain OPTIONS.
 * Install first, before any route or other hook.
 *
 * @example
 * installCors(app, corsPolicy('*'));
 */
export function installCors(app: FastifyInstance, policy: CorsPolicy): void {
  const allowAll = policy.allowedOrigins === '*';
  const allowed = new Set(allowAll ? [] : policy.allowedOrigins);
  app.addHook('onRequest', async (request, reply) => {
    if (!isPreflight(request)) return;
    // Answered here, before routing, authentication and validation: the browser sends no credentials
    // on a preflight, so nothing after this point could answer it better.
    return reply.code(200).header('content-length', '0').send();
  });
  app.addHook('onSend', async (request, reply, payload) => {
    // onSend runs for every reply, errors and the not-found handler included.
    addVary(reply, 'origin');
    const origin = request.headers.origin;
    if (origin === undefined) return payload;
    if (!allowAll && !allowed.has(origin)) return payload;
    reply.header('access-control-allow-origin', allowAll ? '*' : origin);
    if (policy.exposeHeaders.length > 0) {
      reply.header('access-control-expose-headers', policy.exposeHeaders.join(', '));
    }
    if (request.method === 'OPTIONS') {
      reply.header('access-control-allow-headers', policy.allowHeaders.join(', '));
      reply.header('access-control-allow-methods', policy.allowMethods.join(', '));
      reply.header('access-control-max-age', String(policy.maxAgeSeconds));
    }
    return payload;
  });
}
