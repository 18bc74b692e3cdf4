import { filterNumber, INT4, type IntegerRange, integerRangeMessage } from '../../http/integer-param.ts';
import { last, orderingTerms } from '../../http/query-params.ts';
import { badRequest } from '../../http/service-errors.ts';
import { INTERVAL_RANGE } from '../signatures/series-params.ts';

/** `SHERIFFED_FRAMEWORKS` of the reference (by name). */
export const SHERIFFED_FRAMEWORKS = [
  'awsy',
  'browsertime',
  'build_metrics',
  'devtools',
  'js-bench',
  'mozperftest',
  'talos',
];

/** A WHERE clause over `performance_alert_summary s JOIN push p`, with its parameters. */
export interface SummaryFilter {
  readonly where: string;
  readonly params: unknown[];
}

type Query = Readonly<Record<string, unknown>>;

/** django-filter's NullBooleanSelect: these values make a BooleanFilter run (its method ignores the value). */
const BOOLEAN_FILTER_VALUES = new Set(['true', 'True', '2', 'false', 'False', '3']);

/**
 * The reference's `PerformanceAlertSummaryFilter` plus the base queryset (active repositories) and the
 * sheriffed rule. Invalid numbers are a 400 `{"<param>": ["Enter a number."]}` (all at once).
 */
export function summaryFilter(query: Query, nowMs: number): SummaryFilter {
  const conditions: string[] = [
    "EXISTS (SELECT 1 FROM repository r WHERE r.id = s.repository_id AND r.active_status = 'active')",
  ];
  const params: unknown[] = [];
  const errors: Record<string, string[]> = {};
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  // django-filter NumberFilter: undefined when absent (or invalid, with the error noted). The integer part
  // must fit `range`; a value with a fraction keeps it (it equals no integer).
  const number = (name: string, range: IntegerRange = INT4) => {
    const v = last(query[name]);
    if (v === undefined || v === '') return undefined;
    const n = filterNumber(v);
    const error = n === undefined ? 'Enter a number.' : integerRangeMessage(n.integer, range);
    if (error !== undefined) errors[name] = [error];
    return error === undefined ? n : undefined;
  };
  const flag = (name: string): boolean => BOOLEAN_FILTER_VALUES.has(last(query[name]) ?? '');

  const id = number('id');
  const idGiven = (last(query.id) ?? '') !== '';
  if (!idGiven) {
    const monitored = (last(query.monitored_alerts) ?? '') !== '';
    conditions.push(`s.sheriffed = ${monitored ? 'false' : 'true'}`);
  }
  const equal = (column: string, value: ReturnType<typeof number>) => {
    if (value === undefined) return;
    conditions.push(value.fractional ? 'false' : `${column} = ${param(value.integer.toString())}`);
  };
  equal('s.id', id);
  equal('s.status', number('status'));
  equal('s.framework_id', number('framework'));
  equal('s.repository_id', number('repository'));
  const signature = number('alerts__series_signature');
  if (signature !== undefined) {
    conditions.push(
      signature.fractional
        ? 'false'
        : `EXISTS (SELECT 1 FROM performance_alert a WHERE a.summary_id = s.id AND a.series_signature_id = ${param(signature.integer.toString())})`,
    );
  }

  const filterText = last(query.filter_text);
  if (filterText !== undefined && filterText !== '') {
    const text = (alias: string, sig: string, platform: string) =>
      `coalesce(${sig}.suite, '') || ' ' || coalesce(${sig}.test, '') || ' ' || coalesce(${platform}.platform, '') || ' ' ||
       coalesce(${sig}.extra_options, '') || ' ' || coalesce(${alias}.bug_number::text, '') || ' ' || ${alias}p.revision`;
    const words = filterText.split(' ').map((word) => {
      const w = param(word);
      return `(strpos(${text('t', 'sa', 'pa')}, ${w}) > 0 OR strpos(${text('t', 'sr', 'pr')}, ${w}) > 0)`;
    });
    // One row per (own alert, related alert) pair, like the reference's annotated join: every word must
    // match within the same row.
    conditions.push(
      `s.id IN (
         SELECT t.id FROM performance_alert_summary t
           JOIN push tp ON tp.id = t.push_id
           LEFT JOIN performance_alert oa ON oa.summary_id = t.id
           LEFT JOIN performance_signature sa ON sa.id = oa.series_signature_id
           LEFT JOIN machine_platform pa ON pa.id = sa.platform_id
           LEFT JOIN performance_alert ra ON ra.related_summary_id = t.id
           LEFT JOIN performance_signature sr ON sr.id = ra.series_signature_id
           LEFT JOIN machine_platform pr ON pr.id = sr.platform_id
          WHERE ${words.join(' AND ')})`,
    );
  }
  if (flag('hide_improvements')) {
    conditions.push(
      'EXISTS (SELECT 1 FROM performance_alert a WHERE a.summary_id = s.id AND a.is_regression)',
    );
  }
  if (flag('hide_related_and_invalid')) conditions.push('s.status NOT IN (1, 2, 3)');
  const relatedRegression =
    'EXISTS (SELECT 1 FROM performance_alert a WHERE a.related_summary_id = s.id AND a.is_regression)';
  const ownUntriagedRegression =
    'EXISTS (SELECT 1 FROM performance_alert a WHERE a.summary_id = s.id AND a.is_regression AND a.status = 0)';
  if (flag('untriaged_regressions')) conditions.push(`(${ownUntriagedRegression} OR ${relatedRegression})`);
  if (flag('untriaged_improvements')) {
    conditions.push(
      `(EXISTS (SELECT 1 FROM performance_alert a WHERE a.summary_id = s.id AND NOT a.is_regression AND a.status = 0)
        AND NOT ${ownUntriagedRegression} AND NOT ${relatedRegression})`,
    );
  }
  const assignee = last(query.with_assignee);
  if (assignee !== undefined && assignee !== '') {
    conditions.push(
      `EXISTS (SELECT 1 FROM auth_user u WHERE u.id = s.assignee_id AND u.username = ${param(assignee)})`,
    );
  }
  // Seconds back from now, whole seconds of a fraction.
  const timerange = number('timerange', INTERVAL_RANGE);
  if (timerange !== undefined) {
    const since = new Date(Math.trunc(nowMs / 1000 - Number(timerange.integer)) * 1000);
    conditions.push(`p.time > ${param(since)}`);
  }
  if (flag('show_sheriffed_frameworks')) {
    conditions.push(
      `EXISTS (SELECT 1 FROM performance_framework f WHERE f.id = s.framework_id AND f.name = ANY(${param(SHERIFFED_FRAMEWORKS)}::text[]))`,
    );
  }
  if (Object.keys(errors).length > 0) throw badRequest(errors);
  return { where: conditions.join(' AND '), params };
}

const ORDERING_COLUMNS: Record<string, string> = {
  id: 's.id',
  push_id: 's.push_id',
  prev_push_id: 's.prev_push_id',
  created: 's.created',
  first_triaged: 's.first_triaged',
  triage_due_date: 's.triage_due_date',
  repository: 's.repository_id',
  framework: 's.framework_id',
  status: 's.status',
  bug_number: 's.bug_number',
  bug_due_date: 's.bug_due_date',
  bug_updated: 's.bug_updated',
  issue_tracker: 's.issue_tracker_id',
  notes: 's.notes',
  // Fields whose source is a relation order by that relation's key, as DRF's OrderingFilter does.
  revision: 's.push_id',
  push_timestamp: 's.push_id',
  prev_push_revision: 's.prev_push_id',
  assignee_username: 's.assignee_id',
};

/** `?ordering=a,-b` over the serializer's sortable fields; unknown terms are ignored; default `-created, -id`. */
export function summaryOrdering(query: Query): string {
  const terms = orderingTerms(query.ordering, ORDERING_COLUMNS);
  if (terms.length === 0) return 's.created DESC, s.id DESC';
  return [...terms, 's.id DESC'].join(', ');
}
