import type { FastifyPluginAsync } from 'fastify';
import {
  checkIntegerRange,
  filterNumber,
  idParamsSchema,
  integerRangeMessage,
  pathId,
} from '../../http/integer-param.ts';
import { asList } from '../../http/query-params.ts';
import { badRequest, notFound, ServiceError } from '../../http/service-errors.ts';
import type { AlertReadOptions } from '../alert-read-options.ts';
import { pageLink } from '../alert-summary/page-links.ts';
import { loadAlerts } from '../alert-summary/serialize-alert.ts';
import { repeatedParam } from '../signatures/series-params.ts';

const PAGE_SIZE = 10;

/** The opaque cursor: a position (alert id) and a direction (`r` = reverse, i.e. the previous page). */
interface Cursor {
  readonly p: number;
  readonly r: boolean;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ p: cursor.p, r: cursor.r ? 1 : 0 })).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { p?: unknown; r?: unknown };
    const { p, r } = value;
    // The position is compared with the integer id column: outside its range the cursor is not ours.
    const position = typeof p === 'number' && Number.isSafeInteger(p) && !integerRangeMessage(BigInt(p));
    if (position && (r === 0 || r === 1)) return { p: p as number, r: r === 1 };
  } catch {
    // fall through
  }
  throw new ServiceError('PH_ERR_NOT_FOUND', 404, { detail: 'Invalid cursor' });
}

/**
 * Spec 3.14 GET: `/api/performance/alert/` with cursor pagination (ordering `-id`, 10 per page,
 * `{next, previous, results}`, opaque base64 `cursor`) and the `id` filter, and `/api/performance/alert/:id/`.
 * Replica-routed only with `replicaReads` (`READ_REPLICA_ALERT_READS`).
 */
export const alertRoutes: FastifyPluginAsync<AlertReadOptions> = async (app, options) => {
  const config = { readReplica: options.replicaReads === true };
  app.get(
    '/api/performance/alert/',
    {
      config,
      schema: {
        tags: ['performance'],
        summary: 'Performance alerts, newest first (cursor pagination)',
        description: 'Filter: id. Pagination: follow `next`/`previous` (opaque `cursor`).',
        querystring: {
          type: 'object',
          properties: {
            id: repeatedParam('Alert id (the last value counts)'),
            cursor: repeatedParam('Opaque position from `next`/`previous`'),
          },
        },
      },
    },
    async (request) => {
      const query = request.query as Record<string, unknown>;
      const ids = asList(query.id);
      const idText = ids[ids.length - 1];
      const conditions: string[] = [];
      const params: unknown[] = [];
      if (idText !== undefined && idText !== '') {
        // django-filter NumberFilter, like the alert summary filters.
        const id = filterNumber(idText);
        if (id === undefined) throw badRequest({ id: ['Enter a number.'] });
        checkIntegerRange('id', id.integer);
        if (id.fractional) conditions.push('false');
        else {
          params.push(id.integer.toString());
          conditions.push(`id = $${params.length}`);
        }
      }
      const cursorText = asList(query.cursor).at(-1);
      const cursor = cursorText ? decodeCursor(cursorText) : undefined;
      if (cursor) {
        params.push(cursor.p);
        conditions.push(cursor.r ? `id > $${params.length}` : `id < $${params.length}`);
      }
      const { rows } = await app.db.query(
        `SELECT id FROM performance_alert ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
          ORDER BY id ${cursor?.r ? 'ASC' : 'DESC'} LIMIT ${PAGE_SIZE + 1}`,
        params,
      );
      const more = rows.length > PAGE_SIZE;
      let pageIds = rows.slice(0, PAGE_SIZE).map((r: { id: number }) => r.id);
      if (cursor?.r) pageIds = pageIds.reverse();
      const first = pageIds[0];
      const last = pageIds[pageIds.length - 1];
      let next: string | null = null;
      let previous: string | null = null;
      if (cursor?.r) {
        next = pageLink(request, 'cursor', encodeCursor({ p: last ?? cursor.p, r: false }));
        if (more && first !== undefined)
          previous = pageLink(request, 'cursor', encodeCursor({ p: first, r: true }));
      } else {
        if (more && last !== undefined)
          next = pageLink(request, 'cursor', encodeCursor({ p: last, r: false }));
        if (cursor) previous = pageLink(request, 'cursor', encodeCursor({ p: first ?? cursor.p, r: true }));
      }
      const alerts = await loadAlerts(app.db, { alertIds: pageIds });
      const byId = new Map(alerts.map((a) => [a.id, a]));
      return { next, previous, results: pageIds.flatMap((id) => byId.get(id) ?? []) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/performance/alert/:id/',
    {
      config,
      schema: {
        tags: ['performance'],
        summary: 'One performance alert',
        params: idParamsSchema,
      },
    },
    async (request) => {
      const id = pathId(request.params.id, 'PerformanceAlert');
      const [alert] = await loadAlerts(app.db, { alertIds: [id] });
      if (!alert) throw notFound('PerformanceAlert');
      return alert;
    },
  );
};
