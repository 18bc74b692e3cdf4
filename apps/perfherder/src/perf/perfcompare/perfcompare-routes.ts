import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import Negotiator from 'negotiator';
import { type PreparedQueryable, queryNamed } from '../../db/queryable.ts';
import { ifNoneMatchTags, markFixedAnswer } from '../../http/etag.ts';
import { badRequest } from '../../http/service-errors.ts';
import { addVary } from '../../http/vary.ts';
import { repeatedParam } from '../signatures/series-params.ts';
import { MwuAnswerMemo, mwuCacheKey, readMwuCache, writeMwuCache } from './mwu-cache.ts';
import {
  countDataPoints,
  type DataSelection,
  loadGroupedData,
  loadSignatureIds,
  loadSignatures,
} from './perfcompare-data.ts';
import { type PerfCompareParams, parsePerfCompareParams } from './perfcompare-params.ts';
import { mannWhitneyRow, matchRows, type RowContext } from './perfcompare-rows.ts';
import { sendStudentT } from './perfcompare-student-t.ts';
import { graphsTimerange, intervalForPushes } from './perfcompare-timeranges.ts';

interface PushRow {
  id: number;
  time: Date;
}

/** Both repositories' ids and the pushes of the two revisions (undefined when missing), in one statement. */
interface Lookup {
  readonly baseRepoId: number;
  readonly newRepoId: number;
  readonly newPush: PushRow | undefined;
  readonly basePush: PushRow | undefined;
}

async function lookUp(db: PreparedQueryable, params: PerfCompareParams): Promise<Lookup> {
  const { rows } = await queryNamed(
    db,
    `WITH r AS (SELECT (SELECT id FROM repository WHERE name = $1) AS base_id,
                       (SELECT id FROM repository WHERE name = $2) AS new_id)
     SELECT r.base_id, r.new_id, np.id AS new_push_id, np.time AS new_push_time,
       bp.id AS base_push_id, bp.time AS base_push_time
     FROM r
     LEFT JOIN push np ON np.repository_id = r.new_id AND np.revision = $3
     LEFT JOIN push bp ON bp.repository_id = r.base_id AND bp.revision = $4`,
    [params.baseRepository, params.newRepository, params.newRevision, params.baseRevision ?? null],
  );
  const row = rows[0];
  if (row?.base_id == null || row.new_id == null) {
    throw badRequest({
      non_field_errors: [`${params.baseRepository} or ${params.newRepository} does not exist.`],
    });
  }
  const push = (id: number | null, time: Date | null) =>
    id === null || time === null ? undefined : { id, time };
  return {
    baseRepoId: row.base_id,
    newRepoId: row.new_id,
    newPush: push(row.new_push_id, row.new_push_time),
    basePush: push(row.base_push_id, row.base_push_time),
  };
}

/** A 400 whose body is a bare JSON string, as the reference answers for a missing push. */
function sendJsonString(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).type('application/json; charset=utf-8').send(JSON.stringify(message));
}

/** Bytes of cached Mann-Whitney answers kept in memory per process (a medium-set answer: 0.7 MB gzipped). */
const MWU_MEMO_BYTES = 64 * 1024 * 1024;

/**
 * Spec 3.12: `GET /api/perfcompare/results/`, Student-t (default) or Mann-Whitney-U
 * (`test_version=mann-whitney-u`, cached in `perf_compare_mwu_cache`). Replica-routed: every read,
 * including the cache lookup, goes to a replica; the cache insert is a write and goes to the primary.
 */
export const perfcompareRoutes: FastifyPluginAsync = async (app) => {
  const memo = new MwuAnswerMemo(MWU_MEMO_BYTES);
  app.get(
    '/api/perfcompare/results/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['perfcompare'],
        summary: 'Compare two revisions (Student-t or Mann-Whitney-U)',
        description:
          'Required: new_revision, base_repository, new_repository; base_revision or interval. ' +
          'Optional: framework, no_subtests (missing = subtests only), base_parent_signature, ' +
          'new_parent_signature, replicates, test_version (student-t | mann-whitney-u), enable_silverman_kde.',
        querystring: {
          type: 'object',
          properties: Object.fromEntries(
            [
              'new_revision',
              'base_repository',
              'new_repository',
              'base_revision',
              'interval',
              'framework',
              'no_subtests',
              'base_parent_signature',
              'new_parent_signature',
              'replicates',
              'test_version',
              'enable_silverman_kde',
            ].map((name) => [name, repeatedParam('see the description; the last value counts')]),
          ),
        },
      },
    },
    async (request, reply) => {
      const params = parsePerfCompareParams(request.query as Record<string, unknown>);
      const db = app.db;
      const found = await lookUp(db, params);
      const { baseRepoId, newRepoId, newPush } = found;
      if (!newPush) {
        return sendJsonString(
          reply,
          `No new push with revision ${params.newRevision} from repo ${params.newRepository}.`,
        );
      }
      const nowMs = Date.now();
      let interval = params.interval;
      let basePush: PushRow | undefined;
      let baseSelection: DataSelection;
      if (params.baseRevision) {
        basePush = found.basePush;
        if (!basePush) {
          return sendJsonString(
            reply,
            `No base push with revision ${params.baseRevision} from repo ${params.baseRepository}.`,
          );
        }
        interval = intervalForPushes(nowMs, basePush.time, newPush.time);
        if (interval === null) {
          // The reference fails with a 500 here (no time range covers the pushes).
          throw badRequest({
            non_field_errors: [
              'Comparisons of pushes older than a year (31536000 seconds) are not supported.',
            ],
          });
        }
        baseSelection = { revision: params.baseRevision };
      } else {
        const newSeconds = newPush.time.getTime() / 1000;
        baseSelection = {
          after: new Date(Math.trunc(newSeconds - (interval ?? 0)) * 1000),
          before: newPush.time,
        };
      }
      const updatedSince = interval ? new Date((Math.trunc(nowMs / 1000) - interval) * 1000) : null;
      // `if framework:` in the reference: 0 means no framework filter.
      const signatureFilter = {
        noSubtests: params.noSubtests,
        framework: params.framework || null,
        updatedSince,
      };
      const baseFilter = {
        ...signatureFilter,
        repositoryId: baseRepoId,
        parentSignature: params.baseParentSignature,
      };
      const newFilter = {
        ...signatureFilter,
        repositoryId: newRepoId,
        parentSignature: params.newParentSignature,
      };
      const newSelection: DataSelection = { revision: params.newRevision };
      // Both revisions fixed: Cache-Control (a late job's or retrigger's data changes the ETag).
      const answer = <T>(body: T): T => {
        if (basePush) markFixedAnswer(reply);
        return body;
      };
      const ctx: RowContext = {
        params,
        timerange: graphsTimerange(nowMs, basePush ? [newPush.time, basePush.time] : [newPush.time]),
        json: JSON.parse,
      };
      if (params.testVersion !== 'mann-whitney-u') {
        if (basePush) markFixedAnswer(reply);
        return sendStudentT(app, request, reply, {
          base: { filter: baseFilter, selection: baseSelection },
          next: { filter: newFilter, selection: newSelection },
          ctx,
          interval,
        });
      }

      // Both sides' signatures and data points, matched into rows. Each pair of statements (one per side)
      // runs at once, on two connections. `only`: the signature ids a cache key was built with.
      const loadRows = async (only?: readonly [number[], number[]]) => {
        let [baseSignatures, newSignatures] = await Promise.all([
          loadSignatures(db, baseFilter),
          loadSignatures(db, newFilter),
        ]);
        if (only) {
          const [baseIds, newIds] = only.map((ids) => new Set(ids));
          baseSignatures = baseSignatures.filter((s) => baseIds?.has(s.id));
          newSignatures = newSignatures.filter((s) => newIds?.has(s.id));
        }
        const [baseData, newData] = await Promise.all([
          loadGroupedData(
            db,
            baseRepoId,
            baseSignatures.map((s) => s.id),
            baseSelection,
            params.replicates,
          ),
          loadGroupedData(
            db,
            newRepoId,
            newSignatures.map((s) => s.id),
            newSelection,
            params.replicates,
          ),
        ]);
        return matchRows(baseSignatures, newSignatures, baseData, newData, params.replicates);
      };

      // The cache key holds both sides' signature ids and numbers of statistics: two statements, both sides
      // in each; a hit reads no data points and sends the stored answer as it is.
      const [baseIds, newIds] = await loadSignatureIds(db, baseFilter, newFilter);
      const counts = await countDataPoints(
        db,
        [
          { repositoryId: baseRepoId, signatureIds: baseIds, selection: baseSelection },
          { repositoryId: newRepoId, signatureIds: newIds, selection: newSelection },
        ],
        params.replicates,
      );
      const totalDataPoints = counts[0] + counts[1];
      const hashKey = mwuCacheKey({
        base_rev: params.baseRevision,
        new_rev: params.newRevision,
        base_repo: params.baseRepository,
        new_repo: params.newRepository,
        framework: params.framework,
        interval,
        no_subtests: params.noSubtests,
        base_parent_signature: params.baseParentSignature,
        new_parent_signature: params.newParentSignature,
        replicates: params.replicates,
        enable_silverman_kde: params.enableSilvermanKde,
        base_sig_ids: baseIds,
        new_sig_ids: newIds,
        total_data_points: totalDataPoints,
      });
      const cached = await readMwuCache(
        db,
        hashKey,
        {
          acceptsGzip: new Negotiator(request).encoding(['gzip', 'identity']) === 'gzip',
          ifNoneMatch: ifNoneMatchTags(request.headers['if-none-match']),
        },
        memo,
      );
      if (cached !== undefined) {
        reply.type('application/json');
        if (cached.etag !== null) {
          // The ETag hook keeps this tag (and answers 304 to the matching If-None-Match: no body was read).
          reply.header('etag', cached.etag);
          addVary(reply, 'accept-encoding');
          if (cached.gzip) reply.header('content-encoding', 'gzip');
        }
        return answer(reply.send(cached.body));
      }
      const results = (await loadRows([baseIds, newIds])).map((row) => mannWhitneyRow(row, ctx));
      await writeMwuCache(db, hashKey, results);
      return answer(results);
    },
  );
};
