import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import Negotiator from 'negotiator';
import { type PreparedQueryable, queryNamed } from '../../db/queryable.ts';
import type { AnswerMemo, KeptAnswer, MemoWindow } from '../../http/answer-memo.ts';
import { ifNoneMatchTags, markFixedAnswer } from '../../http/etag.ts';
import { badRequest } from '../../http/service-errors.ts';
import { addVary } from '../../http/vary.ts';
import { repeatedParam } from '../signatures/series-params.ts';
import {
  type KnownAnswer,
  MwuAnswerMemo,
  type MwuCacheHit,
  mwuCacheKeyTemplate,
  readMwuCacheKeyed,
  writeMwuCache,
} from './mwu-cache.ts';
import { idsAndCountsCtes } from './perfcompare-counts.ts';
import {
  type DataSelection,
  loadGroupedData,
  loadSignatures,
  type SignatureFilter,
  SNAPSHOT,
  signaturesLeftSql,
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
  /** The statement's `pg_current_snapshot()`. */
  readonly snapshot: string;
}

async function lookUp(db: PreparedQueryable, params: PerfCompareParams): Promise<Lookup> {
  const { rows } = await queryNamed(
    db,
    `WITH r AS (SELECT (SELECT id FROM repository WHERE name = $1) AS base_id,
                       (SELECT id FROM repository WHERE name = $2) AS new_id)
     SELECT r.base_id, r.new_id, np.id AS new_push_id, np.time AS new_push_time,
       bp.id AS base_push_id, bp.time AS base_push_time, ${SNAPSHOT} AS snapshot
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
    snapshot: row.snapshot,
  };
}

/** A 400 whose body is a bare JSON string, as the reference answers for a missing push. */
function sendJsonString(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).type('application/json; charset=utf-8').send(JSON.stringify(message));
}

/**
 * What a Mann-Whitney answer kept in the answer memo was built from, besides its parameters: the interval
 * (recomputed from the pushes' ages when there is a base revision: `pushTimes`, base then new) and both
 * sides' signature filters (their `updatedSince` is the now-relative window).
 */
interface MwuNote {
  readonly interval: number | null;
  readonly pushTimes: readonly [Date, Date] | null;
  readonly filters: readonly [SignatureFilter, SignatureFilter];
}

/** The signatures' `last_updated` window of an `interval`, at `nowMs` (whole seconds, as the route cuts it). */
function updatedSinceAt(nowMs: number, interval: number | null): Date | null {
  return interval ? new Date((Math.trunc(nowMs / 1000) - interval) * 1000) : null;
}

/**
 * Sends a stored Mann-Whitney answer with its headers (as read from the cache row, or kept in memory): the
 * ETag (the ETag hook answers a matching If-None-Match with a 304), `Vary: Accept-Encoding`, gzip when the
 * body is the gzip copy.
 */
function sendStored(reply: FastifyReply, stored: Pick<MwuCacheHit, 'etag' | 'body' | 'gzip'>): FastifyReply {
  reply.type('application/json');
  if (stored.etag !== null) {
    reply.header('etag', stored.etag);
    addVary(reply, 'accept-encoding');
    if (stored.gzip) reply.header('content-encoding', 'gzip');
  }
  return reply.send(stored.body);
}

/**
 * The Mann-Whitney answer `kept` in the answer memo for these parameters (its ETag; the bytes are in `bytes`,
 * the route's copy), sent when one statement proves it current (the snapshot its key and stored answer were
 * read at, nothing past the window's edge; see http/answer-memo.ts) and the interval recomputed now is the
 * same; null otherwise (or when the bytes of the client's encoding are not of that ETag).
 */
async function sendKept(
  answers: AnswerMemo,
  db: PreparedQueryable,
  kept: KeptAnswer,
  bytes: KnownAnswer | undefined,
  client: MwuClient,
  reply: FastifyReply,
  params: PerfCompareParams,
): Promise<FastifyReply | null> {
  const note = kept.note as MwuNote;
  const matched = client.ifNoneMatch.any || client.ifNoneMatch.tags.includes(kept.etag.slice(2));
  if (!matched && bytes?.etag !== kept.etag) return null;
  const nowMs = Date.now();
  const interval = note.pushTimes
    ? intervalForPushes(nowMs, note.pushTimes[0], note.pushTimes[1])
    : params.interval;
  if (interval !== note.interval) return null;
  const since = updatedSinceAt(nowMs, interval);
  const window: MemoWindow | null = since && {
    cutoff: since.toISOString(),
    crossed: (arg, older, newer) => signaturesLeftSql(note.filters, arg, older, newer),
  };
  if (!(await answers.current(db, kept, window))) return null;
  answers.countHit();
  if (note.pushTimes) markFixedAnswer(reply);
  const sent = matched || bytes === undefined ? { body: '', gzip: false } : bytes;
  return sendStored(reply, { etag: kept.etag, body: sent.body, gzip: sent.gzip });
}

/** How the client asked for a Mann-Whitney answer. */
interface MwuClient {
  readonly acceptsGzip: boolean;
  readonly ifNoneMatch: { readonly any: boolean; readonly tags: readonly string[] };
}

/** Bytes of stored Mann-Whitney answers kept per process (a medium-set answer: 0.7 MB gzipped, 4 MB text). */
const MWU_BYTES = 64 * 1024 * 1024;

/**
 * Spec 3.12: `GET /api/perfcompare/results/`, Student-t (default) or Mann-Whitney-U
 * (`test_version=mann-whitney-u`, cached in `perf_compare_mwu_cache`). Replica-routed: every read,
 * including the cache lookup, goes to a replica; the cache insert is a write and goes to the primary.
 */
export const perfcompareRoutes: FastifyPluginAsync = async (app) => {
  // The bytes read of stored answers, by parameters and encoding, with their ETag: the stored-answer read
  // does not read them again while the row has that ETag (memo on or off), and the answer memo's hits send them.
  const stored = new MwuAnswerMemo(MWU_BYTES);
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
      const client = {
        acceptsGzip: new Negotiator(request).encoding(['gzip', 'identity']) === 'gzip',
        ifNoneMatch: ifNoneMatchTags(request.headers['if-none-match']),
      };
      // A stored Mann-Whitney answer kept in memory by its parameters: one small statement when current.
      const memoKey = `mwu ${JSON.stringify(params)}`;
      const bytesKey = `${memoKey} ${client.acceptsGzip ? 'gzip' : 'identity'}`;
      const bytes = params.testVersion === 'mann-whitney-u' ? stored.get(bytesKey) : undefined;
      const kept = params.testVersion === 'mann-whitney-u' ? app.answerMemo.recall(memoKey) : undefined;
      if (kept !== undefined) {
        const sent = await sendKept(app.answerMemo, db, kept, bytes, client, reply, params);
        if (sent !== null) return sent;
      }
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
      const updatedSince = updatedSinceAt(nowMs, interval);
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

      // The cache key holds both sides' signature ids and numbers of statistics: one statement reads them,
      // hashes the key and reads the stored answer (the ids come back only when there is none).
      const template = mwuCacheKeyTemplate({
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
      });
      const sides = [
        { filter: baseFilter, selection: baseSelection },
        { filter: newFilter, selection: newSelection },
      ] as const;
      const lookup = await readMwuCacheKeyed(
        db,
        (arg) => idsAndCountsCtes(sides, params.replicates, arg),
        template,
        client,
        bytes,
      );
      const { hit, hashKey } = lookup;
      if (hit !== undefined) {
        if (hit.etag !== null) {
          if (!hit.notModified && typeof hit.body !== 'string') {
            stored.set(bytesKey, { etag: hit.etag, body: hit.body, gzip: hit.gzip });
          }
          // Kept by the parameters (its ETag; the bytes are the copy above), checked by its snapshot when
          // both statements of the answer saw the same one.
          const note: MwuNote = {
            interval,
            pushTimes: basePush ? [basePush.time, newPush.time] : null,
            filters: [baseFilter, newFilter],
          };
          app.answerMemo.keep(memoKey, {
            snapshot: found.snapshot === lookup.snapshot ? lookup.snapshot : null,
            cutoff: updatedSince?.toISOString() ?? null,
            etag: hit.etag,
            identity: null,
            gzip: null,
            note,
          });
        }
        // The ETag hook answers 304 to the matching If-None-Match (no body was read).
        return answer(sendStored(reply, hit));
      }
      const [baseIds, newIds] = lookup.ids ?? [[], []];
      const results = (await loadRows([baseIds, newIds])).map((row) => mannWhitneyRow(row, ctx));
      await writeMwuCache(db, hashKey, results);
      return answer(results);
    },
  );
};
