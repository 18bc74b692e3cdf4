import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { statementKey } from '../../http/answer-memo.ts';
import {
  type CompareSide,
  compareStatement,
  parseCompareBody,
  signaturesLeftWindowSql,
} from './perfcompare-data.ts';
import { matchRows, RawJson, type RowContext, studentTRow } from './perfcompare-rows.ts';

/** A Student-t comparison to answer: both sides, and what every row needs from the request. */
export interface StudentTComparison {
  readonly base: CompareSide;
  readonly next: CompareSide;
  readonly ctx: RowContext;
  /** The `interval` in force (recomputed from the pushes when there is a base revision). */
  readonly interval: number | null;
}

/**
 * Sends a Student-t comparison (spec §3.12): both sides read by one statement ({@link compareStatement}), the
 * rows and their statistics built in JavaScript, the lists PostgreSQL built spliced in as they are
 * ({@link RawJson}). Through the answer memo (http/answer-memo.ts): a repeat is sent from memory while the
 * database proves it current, that is the same snapshot and no signature of either repository past the edge
 * of the `interval` window (`updatedSince`, the one now-relative input of the statement, the same on both sides).
 */
export async function sendStudentT(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  comparison: StudentTComparison,
): Promise<FastifyReply> {
  const { base, next, ctx } = comparison;
  const { params } = ctx;
  const { text, values } = compareStatement(base, next, params.replicates);
  const cutoff = base.filter.updatedSince;
  const repositories = [base.filter.repositoryId, next.filter.repositoryId];
  const sent = await app.answerMemo.send(app.db, request, reply, {
    // Every input but the cutoff: the statement's, and what JavaScript adds (the parameters, the graphs' range).
    key: statementKey('perfcompare', text, [
      values.filter((value) => value !== cutoff),
      params,
      ctx.timerange,
      comparison.interval,
    ]),
    text,
    values,
    window:
      cutoff === null
        ? null
        : {
            cutoff: cutoff.toISOString(),
            crossed: (arg, older, newer) => signaturesLeftWindowSql(repositories, arg, older, newer),
          },
    transform: (body) => {
      const [b, n] = parseCompareBody(body);
      const matched = matchRows(b.signatures, n.signatures, b.data, n.data, params.replicates);
      const raw = new RawJson();
      return raw.stringify(matched.map((row) => studentTRow(row, { ...ctx, json: raw.embed })));
    },
  });
  if (sent === null) throw new Error('the comparison statement returned no row');
  return sent;
}
