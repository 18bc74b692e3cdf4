import { dueDateOffsets } from './due-date-offsets.ts';

/**
 * The SET assignments of the summary model's save hook: `last_updated = now()` and the due dates
 * recomputed from `created` (2 and 4 business days). `params` receives the day offsets.
 */
export function saveSummaryAssignments(created: Date, params: unknown[]): string {
  const { triageDays, bugDays } = dueDateOffsets(created);
  params.push(triageDays, bugDays);
  const triage = `$${params.length - 1}`;
  const bug = `$${params.length}`;
  return `last_updated = now(),
          triage_due_date = created + make_interval(days => ${triage}::integer),
          bug_due_date = created + make_interval(days => ${bug}::integer)`;
}
