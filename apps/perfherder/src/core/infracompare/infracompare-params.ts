import type { Queryable } from '../../db/queryable.ts';
import { last } from '../../http/query-params.ts';
import { badRequest, ServiceError } from '../../http/service-errors.ts';
import { parseInterval } from '../../perf/signatures/series-params.ts';
import { DATETIME_FORMAT_ERROR, parseQueryDatetime } from '../../perf/summary/iso-datetime.ts';

/** Which jobs an infracompare request asks for. */
export type InfraCompareWindow =
  | { readonly kind: 'revision'; readonly revision: string }
  | { readonly kind: 'range'; readonly startday: string; readonly endday: string }
  | { readonly kind: 'interval'; readonly seconds: number };

/** The validated query of `/api/infracompare/`. */
export interface InfraCompareParams {
  readonly repositoryId: number;
  readonly window: InfraCompareWindow;
}

const REQUIRED_ONE_OF = 'Required: revision, startday and endday, or interval.';

/**
 * Validates the query like the reference's serializer: every field error at once (`project` required and
 * not blank, `revision` not blank, `interval` an integer, `startday`/`endday` ISO datetimes), then the
 * cross-field rule. Where the reference answers 500 this answers 400: an unknown project
 * (`{"project": ["<name> does not exist."]}`, the reference's intended message), and `interval` with only
 * one of `startday`/`endday`. `interval` is bounded like the series endpoints' (±100000000000 s).
 */
export async function parseInfraCompareParams(
  db: Queryable,
  query: Record<string, unknown>,
): Promise<InfraCompareParams> {
  const errors: Record<string, string[]> = {};
  const field = <T>(name: string, read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      errors[name] = (error.body as Record<string, string[]>)[name] ?? ['Invalid value.'];
      return undefined;
    }
  };

  const project = last(query.project);
  if (project === undefined) errors.project = ['This field is required.'];
  else if (project.trim() === '') errors.project = ['This field may not be blank.'];
  const revision = last(query.revision);
  if (revision !== undefined && revision.trim() === '') errors.revision = ['This field may not be blank.'];
  const interval = field('interval', () => parseInterval(last(query.interval)));
  const datetime = (name: string): string | undefined => {
    const raw = last(query[name]);
    if (raw === undefined || raw === '') return undefined;
    const parsed = parseQueryDatetime(raw);
    if (parsed === undefined) errors[name] = [DATETIME_FORMAT_ERROR];
    return parsed;
  };
  const startday = datetime('startday');
  const endday = datetime('endday');

  let repositoryId: number | undefined;
  if (project !== undefined && project.trim() !== '') {
    const { rows } = await db.query('SELECT id FROM repository WHERE name = $1', [project.trim()]);
    repositoryId = rows[0]?.id;
    if (repositoryId === undefined) errors.project = [`${project.trim()} does not exist.`];
  }
  if (Object.keys(errors).length > 0 || repositoryId === undefined) throw badRequest(errors);

  if (revision !== undefined)
    return { repositoryId, window: { kind: 'revision', revision: revision.trim() } };
  if (startday !== undefined && endday !== undefined) {
    return { repositoryId, window: { kind: 'range', startday, endday } };
  }
  if (interval !== undefined && (startday !== undefined || endday !== undefined)) {
    throw badRequest({ non_field_errors: ['startday and endday must be given together.'] });
  }
  if (interval !== undefined) return { repositoryId, window: { kind: 'interval', seconds: interval } };
  throw badRequest({ non_field_errors: [REQUIRED_ONE_OF] });
}
