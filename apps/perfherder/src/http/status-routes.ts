import type { FastifyPluginAsync } from 'fastify';
import { createRoutingHistory } from 'replica-router/status';
import { renderStatusPage } from './status-page/status-page.ts';

const ROUTING_URL = '/api/status/routing/';
const HISTORY_URL = '/api/status/routing/history/';
/** How often the page asks for new samples (the history samples every second). */
const PAGE_POLL_MS = 1500;

/**
 * `/healthz` (liveness: the primary answers), `/api/status/routing/` (routing state, no secrets), its sampled
 * history `/api/status/routing/history/` and the page that draws both, `/status/`.
 */
export const statusRoutes: FastifyPluginAsync = async (app) => {
  // A sample per second, 10 minutes kept; stops with the app (and by itself once the pool ends).
  const history = createRoutingHistory(app.db);
  app.addHook('onClose', async () => history.stop());

  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await app.db.query('SELECT 1');
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  app.get(ROUTING_URL, { schema: { tags: ['status'], summary: 'Routing state per replica' } }, async () =>
    app.db.stats(),
  );

  app.get<{ Querystring: { since?: number } }>(
    HISTORY_URL,
    {
      schema: {
        tags: ['status'],
        summary:
          'Routing history: per-replica state and lag, reads, fallbacks and hedges, sampled each second',
        querystring: {
          type: 'object',
          properties: {
            since: {
              type: 'integer',
              minimum: 0,
              description: 'Only samples and events after this time (ms since the epoch)',
            },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) =>
      history.snapshot(request.query.since === undefined ? {} : { sinceMs: request.query.since }),
  );

  app.get('/status/', { schema: { hide: true } }, async (_request, reply) => {
    const html = renderStatusPage({
      initial: { routing: app.db.stats(), history: history.snapshot() },
      routingUrl: ROUTING_URL,
      historyUrl: HISTORY_URL,
      pollMs: PAGE_POLL_MS,
    });
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  });
};
