import type { FastifyPluginAsync } from 'fastify';
import { idParamsSchema, pathId } from '../../http/integer-param.ts';
import { last } from '../../http/query-params.ts';
import { notFound, ServiceError } from '../../http/service-errors.ts';
import type { AlertReadOptions } from '../alert-read-options.ts';
import { repeatedParam } from '../signatures/series-params.ts';
import { summaryFilter, summaryOrdering } from './alert-summary-query.ts';
import { pageLink } from './page-links.ts';
import { loadSummaries } from './serialize-summary.ts';

const PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 100;

function invalidPage(): ServiceError {
  return new ServiceError('PH_ERR_NOT_FOUND', 404, { detail: 'Invalid page.' });
}

/** DRF's `page_size_query_param` (`limit`): a positive integer capped at 100, else the default 10. */
function pageSize(value: string | undefined): number {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return PAGE_SIZE;
  const n = Number(value);
  return n > 0 ? Math.min(n, MAX_PAGE_SIZE) : PAGE_SIZE;
}

/**
 * Spec 3.13 GET: `/api/performance/alertsummary/` (page-number pagination, filters, sheriffed rule) and
 * `/api/performance/alertsummary/:id/`. On the primary unless `replicaReads` (`READ_REPLICA_ALERT_READS`) opts them in.
 */
export const alertSummaryRoutes: FastifyPluginAsync<AlertReadOptions> = async (app, options) => {
  const config = { readReplica: options.replicaReads === true };
  app.get(
    '/api/performance/alertsummary/',
    {
      config,
      schema: {
        tags: ['performance'],
        summary: 'Alert summaries (page-number pagination: page, limit ≤ 100)',
        description:
          'Filters: id, status, framework, repository, alerts__series_signature, filter_text, hide_improvements, ' +
          'hide_related_and_invalid, untriaged_regressions, untriaged_improvements, with_assignee, timerange, ' +
          'show_sheriffed_frameworks, monitored_alerts; ordering (default -created,-id).',
        querystring: {
          type: 'object',
          properties: Object.fromEntries(
            [
              'id',
              'status',
              'framework',
              'repository',
              'alerts__series_signature',
              'filter_text',
              'hide_improvements',
              'hide_related_and_invalid',
              'untriaged_regressions',
              'untriaged_improvements',
              'with_assignee',
              'timerange',
              'show_sheriffed_frameworks',
              'monitored_alerts',
              'ordering',
              'page',
              'limit',
            ].map((name) => [name, repeatedParam('see the description; the last value counts')]),
          ),
        },
      },
    },
    async (request) => {
      const query = request.query as Record<string, unknown>;
      const filter = summaryFilter(query, Date.now());
      const size = pageSize(last(query.limit));
      const { rows: countRows } = await app.db.query(
        `SELECT count(*)::integer AS count FROM performance_alert_summary s JOIN push p ON p.id = s.push_id
          WHERE ${filter.where}`,
        filter.params,
      );
      const count = countRows[0].count as number;
      const pages = Math.max(1, Math.ceil(count / size));
      const pageParam = last(query.page);
      let page = 1;
      if (pageParam !== undefined && pageParam !== '') {
        if (pageParam === 'last') page = pages;
        else if (/^\s*\d+\s*$/.test(pageParam)) page = Number(pageParam);
        else throw invalidPage();
        if (page < 1 || page > pages) throw invalidPage();
      }
      const { rows } = await app.db.query(
        `SELECT s.id FROM performance_alert_summary s JOIN push p ON p.id = s.push_id
          WHERE ${filter.where}
          ORDER BY ${summaryOrdering(query)}
          LIMIT ${size} OFFSET ${(page - 1) * size}`,
        filter.params,
      );
      const results = await loadSummaries(
        app.db,
        rows.map((r: { id: number }) => r.id),
      );
      return {
        count,
        next: page < pages ? pageLink(request, 'page', page + 1) : null,
        previous: page > 1 ? pageLink(request, 'page', page === 2 ? null : page - 1) : null,
        results,
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/performance/alertsummary/:id/',
    {
      config,
      schema: {
        tags: ['performance'],
        summary: 'One alert summary',
        params: idParamsSchema,
      },
    },
    async (request) => {
      const id = pathId(request.params.id, 'PerformanceAlertSummary');
      // The sheriffed rule lives in the reference's list(): retrieve sees every summary of an active repository.
      const { rows } = await app.db.query(
        `SELECT s.id FROM performance_alert_summary s JOIN repository r ON r.id = s.repository_id
          WHERE s.id = $1 AND r.active_status = 'active'`,
        [id],
      );
      if (rows.length === 0) throw notFound('PerformanceAlertSummary');
      const [summary] = await loadSummaries(app.db, [id]);
      if (!summary) throw notFound('PerformanceAlertSummary');
      return summary;
    },
  );
};
