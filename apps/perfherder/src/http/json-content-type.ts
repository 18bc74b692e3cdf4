import type { FastifyInstance } from 'fastify';

const JSON_WITH_PARAMETERS = /^application\/json\s*;/i;

/**
 * Every JSON response goes out as exactly `Content-Type: application/json`, with no `charset` parameter,
 * as DRF sends it. Fastify's default (`application/json; charset=utf-8`) costs the Treeherder UI its error
 * messages: its fetch helper reads an error body only when the type is exactly `application/json`, and
 * otherwise shows just the status line. JSON is UTF-8 by definition (RFC 8259), so nothing is lost.
 */
export function installJsonContentType(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && JSON_WITH_PARAMETERS.test(type)) {
      reply.header('content-type', 'application/json');
    }
    return payload;
  });
}
