import type { FastifyInstance } from 'fastify';
import { badRequest } from './service-errors.ts';

const MESSAGE = 'Null characters are not allowed.';

function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value !== null && typeof value === 'object') return Object.values(value).some(holdsNul);
  return false;
}

/**
 * A NUL character cannot be stored in, or compared with, PostgreSQL text: the server rejects the whole
 * statement (SQLSTATE 22021), which would be a 500. DRF's CharField refuses it up front; so does the
 * service, for every path parameter, query parameter and top-level body field, before any handler runs:
 * 400 `{"<name>": ["Null characters are not allowed."]}`.
 */
export function installNullCharacterCheck(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    for (const source of [request.params, request.query, request.body]) {
      if (source === null || typeof source !== 'object') continue;
      for (const [name, value] of Object.entries(source)) {
        if (holdsNul(value)) throw badRequest({ [name]: [MESSAGE] });
      }
    }
  });
}
