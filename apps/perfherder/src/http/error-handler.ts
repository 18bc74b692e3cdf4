import type { FastifyError, FastifyInstance } from 'fastify';
import { ServiceError } from './service-errors.ts';

/**
 * Turns errors into responses. Schema validation failures become 400 field errors in DRF's shape
 * (`{"param": ["message"]}`); ServiceErrors send their body; anything else is a 500 with a generic
 * body (details go to the log, never to the client).
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ServiceError, request, reply) => {
    if (error instanceof ServiceError) {
      reply.code(error.statusCode);
      // A bare JSON string body (the push detail's 404) must be encoded here: Fastify sends a string as is.
      return typeof error.body === 'string'
        ? reply.type('application/json').send(JSON.stringify(error.body))
        : reply.send(error.body);
    }
    if ((error as FastifyError).validation) {
      const fields: Record<string, string[]> = {};
      for (const v of (error as FastifyError).validation ?? []) {
        const missing = (v.params as { missingProperty?: string } | undefined)?.missingProperty;
        const name = missing ?? (v.instancePath.replace(/^\//, '').split('/')[0] || 'non_field_errors');
        const message = missing ? 'This field is required.' : (v.message ?? 'Invalid value.');
        const list = fields[name] ?? [];
        list.push(message);
        fields[name] = list;
      }
      return reply.code(400).send(fields);
    }
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.code(status).send({ detail: error.message });
    }
    request.log.error({ err: error, code: 'PH_ERR_INTERNAL' }, 'unhandled error');
    return reply.code(500).send({ detail: 'A server error occurred.' });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ detail: 'Not found.' }));
}
