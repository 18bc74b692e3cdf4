import type { FastifyInstance, RouteOptions } from 'fastify';

/** The part of DRF's SimpleMetadata the reference answers OPTIONS with. */
interface Metadata {
  readonly name: string;
  readonly description: string;
  readonly renders: readonly string[];
  readonly parses: readonly string[];
}

const JSON_ONLY = ['application/json'];

/**
 * OPTIONS for every API path, as DRF answers it: the endpoint's name and description, JSON in and out,
 * and the allowed methods in the `Allow` header. An OPTIONS route takes the `readReplica` opt-in of the
 * GET route it describes (it reads nothing, but the scope and the routing log line follow the reference).
 * Install before the routes are registered: it watches them with an onRoute hook.
 */
export function installOptionsRoutes(app: FastifyInstance): void {
  const byPath = new Map<string, { methods: Set<string>; metadata: Metadata; readReplica: boolean }>();
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith('/api/') || route.method === 'OPTIONS') return;
    // Write refusals (auth/refuse-writes.ts) answer 401/405: the methods they take are not allowed ones.
    if (route.config?.refusesWrites === true) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    let entry = byPath.get(route.url);
    if (!entry) {
      const schema = (route.schema ?? {}) as { summary?: string; description?: string };
      entry = {
        methods: new Set(['OPTIONS']),
        metadata: {
          name: schema.summary ?? route.url,
          description: schema.description ?? '',
          renders: JSON_ONLY,
          parses: JSON_ONLY,
        },
        readReplica: false,
      };
      byPath.set(route.url, entry);
      const described = entry;
      // Registered once per path, after the hook returns (routes cannot be added from inside onRoute).
      queueMicrotask(() =>
        app.route({
          method: 'OPTIONS',
          url: route.url,
          config: { readReplica: described.readReplica },
          schema: { hide: true },
          handler: async (_request, reply) => {
            reply.header('allow', [...described.methods].sort().join(', '));
            return described.metadata;
          },
        }),
      );
    }
    for (const m of methods) entry.methods.add(m);
    if (methods.includes('GET') && route.config?.readReplica === true) entry.readReplica = true;
  });
}
