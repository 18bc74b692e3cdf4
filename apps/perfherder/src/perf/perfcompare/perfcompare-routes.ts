import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import Negotiator from 'negotiator';
import type { Queryable } from '../../db/queryable.ts';
import { ifNoneMatchTags, markFixedAnswer } from '../../http/etag.ts';
import { badRequest } from '../../http/service-errors.ts';
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
import { mannWhitneyRow, matchRows, type RowContext, studentTRow } from './perfcompare-rows.ts';
import { graphsTimerange, intervalForPushes } from './perfcompare-timeranges.ts';

interface PushRow {
  id: number;
  time: Date;
}

async function repositoryIds(db: Queryable, params: PerfCompareParams): Promise<[number, number]> {
  const { rows } = await db.query('SELECT id, name FROM repository WHERE name = ANY($1::text[])', [
    [params.baseRepository, params.newRepository],
  ]);
  const byName = new Map((rows as { id: number; name: string }[]).map((r) => [r.name, r.id]));
  const base = byName.get(params.baseRepository);
  const next = byName.get(params.newRepository);
  if (base === undefined || next === undefined) {
    throw badRequest({
      non_field_errors: [`${params.baseRepository} or ${params.newRepository} does not exist.`],
    });
  }
  return [base, next];
}

async function findPush(db: Queryable, repositoryId: number, revision: string): Promise<PushRow | undefined> {
  const { rows } = await db.query('SELECT id, time FROM push WHERE repository_id = $1 AND revision = $2', [
    repositoryId,
    revision,
  ]);
  return rows[0] as PushRow | undefined;
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
      const [baseRepoId, newRepoId] = await repositoryIds(db, params);
      const newPush = await findPush(db, newRepoId, params.newRevision);
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
        basePush = await findPush(db, baseRepoId, params.baseRevision);
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
      };
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
          ),
          loadGroupedData(
            db,
            newRepoId,
            newSignatures.map((s) => s.id),
            newSelection,
          ),
        ]);
        return matchRows(baseSignatures, newSignatures, baseData, newData, params.replicates);
      };
      if (params.testVersion !== 'mann-whitney-u') {
        return answer((await loadRows()).map((row) => studentTRow(row, ctx)));
      }

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
          reply.header('etag', cached.etag).header('vary', 'Accept-Encoding');
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
