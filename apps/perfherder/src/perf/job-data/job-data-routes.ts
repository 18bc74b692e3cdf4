import type { FastifyPluginAsync } from 'fastify';
import { checkIntegerRange, INT8, pyInt } from '../../http/integer-param.ts';
import { last } from '../../http/query-params.ts';
import { badRequest } from '../../http/service-errors.ts';
import { pyRound2 } from '../data/py-round.ts';
import {
  parseAfterRepository,
  projectParamsSchema,
  repeatedParam,
  signatureCoreSchema,
  unknownProject,
} from '../signatures/series-params.ts';

interface JobDatumRow {
  repository_id: number;
  id: string | null;
  job_id: string;
  push_id: number;
  push_timestamp: string;
  revision: string;
  value: number;
  signature_id: number;
  signature_hash: string;
  framework_id: number;
  option_collection_hash: string;
  platform: string;
  suite: string;
  should_alert: boolean | null;
  lower_is_better: boolean;
  test: string;
  extra_options: string;
  measurement_unit: string | null;
}

const signatureDataSchema = {
  type: 'object',
  properties: {
    ...signatureCoreSchema.properties,
    lower_is_better: { type: 'boolean' },
    test: { type: ['string', 'null'], description: 'null when empty' },
    extra_options: { type: ['array', 'null'], items: { type: 'string' }, description: 'null when empty' },
    measurement_unit: { type: 'string', description: '"" when unset' },
  },
  required: [...signatureCoreSchema.required, 'lower_is_better', 'test', 'extra_options', 'measurement_unit'],
} as const;

const responseSchema = {
  type: 'object',
  properties: {
    job_id: { type: 'integer' },
    push_id: { type: 'integer' },
    push_timestamp: { type: 'string', description: 'ISO 8601, UTC without a zone, milliseconds kept' },
    revision: { type: 'string' },
    data: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          value: { type: 'number', description: 'Rounded to 2 decimals' },
          signature_data: signatureDataSchema,
        },
        required: ['id', 'value', 'signature_data'],
      },
    },
  },
  required: ['job_id', 'push_id', 'push_timestamp', 'revision', 'data'],
} as const;

// DRF's JSON encoder on a naive datetime: isoformat() with the microseconds cut to milliseconds, and no
// fraction at all when the microseconds are zero.
const PUSH_TIMESTAMP_ISO = `to_char(d.push_timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
  || CASE WHEN extract(microseconds FROM d.push_timestamp)::bigint % 1000000 = 0 THEN ''
     ELSE '.' || lpad(((extract(microseconds FROM d.push_timestamp)::bigint % 1000000) / 1000)::text, 3, '0')
     END`;

/**
 * Spec 3.4: the datums of one job with their signatures. One statement (repository row + lateral join);
 * it uses the datum index on `job_id`. Replica-routed.
 */
export const jobDataRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { project: string }; Querystring: Record<string, string[] | undefined> }>(
    '/api/project/:project/performance/job-data/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['performance'],
        summary: "One job's performance datums with their signatures",
        params: projectParamsSchema,
        querystring: {
          type: 'object',
          properties: { job_id: repeatedParam('Job id (required)') },
        },
        response: { 200: responseSchema },
      },
    },
    async (request) => {
      const jobId = await parseAfterRepository(app.db, request.params.project, () => {
        const raw = last(request.query.job_id);
        const n = raw === undefined ? undefined : pyInt(raw);
        if (n === undefined) throw badRequest({ message: 'Job id must be specified as integers' });
        return checkIntegerRange('job_id', n, INT8);
      });
      const { rows }: { rows: JobDatumRow[] } = await app.db.query(
        `SELECT r.id AS repository_id, x.*
         FROM repository r
         LEFT JOIN LATERAL (
           SELECT d.id, d.job_id, d.push_id, ${PUSH_TIMESTAMP_ISO} AS push_timestamp, p.revision, d.value,
             s.id AS signature_id, s.signature_hash, s.framework_id, oc.option_collection_hash, mp.platform,
             s.suite, s.should_alert, s.lower_is_better, s.test, s.extra_options, s.measurement_unit
           FROM performance_datum d
           JOIN push p ON p.id = d.push_id
           JOIN performance_signature s ON s.id = d.signature_id
           JOIN option_collection oc ON oc.id = s.option_collection_id
           JOIN machine_platform mp ON mp.id = s.platform_id
           WHERE d.repository_id = r.id AND d.job_id = $2::bigint
         ) x ON true
         WHERE r.name = $1
         ORDER BY x.id`,
        [request.params.project, jobId.toString()],
      );
      const first = rows[0];
      if (!first) throw unknownProject();
      if (first.id === null) throw badRequest({ message: `No data found for job_id=${jobId}` });
      return {
        job_id: Number(first.job_id),
        push_id: first.push_id,
        push_timestamp: first.push_timestamp,
        revision: first.revision,
        data: rows.map((row) => ({
          id: Number(row.id),
          value: pyRound2(row.value),
          signature_data: {
            id: row.signature_id,
            signature_hash: row.signature_hash,
            framework_id: row.framework_id,
            option_collection_hash: row.option_collection_hash,
            machine_platform: row.platform,
            suite: row.suite,
            should_alert: row.should_alert,
            lower_is_better: row.lower_is_better,
            test: row.test || null,
            extra_options: row.extra_options ? row.extra_options.split(' ') : null,
            measurement_unit: row.measurement_unit ?? '',
          },
        })),
      };
    },
  );
};
