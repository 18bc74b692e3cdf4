import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AlertStatus as A,
  autodetermineStatus,
  SummaryStatus as S,
  type StatusAlert,
} from '../../src/perf/alert-status/index.ts';

const SUMMARY = 10;
const OTHER = 20;

let nextId = 1;
/** An own alert of the summary (no related summary unless given). */
function alert(status: number, isRegression = true, relatedSummaryId: number | null = null): StatusAlert {
  return { id: nextId++, status, isRegression, relatedSummaryId };
}

interface Case {
  readonly name: string;
  readonly summaryStatus: number;
  readonly alerts: readonly StatusAlert[];
  readonly expected: number;
  readonly untriaged?: (alerts: readonly StatusAlert[]) => number[];
}

const cases: Case[] = [
  {
    name: 'rule 1: no alerts → Untriaged',
    summaryStatus: S.Investigating,
    alerts: [],
    expected: S.Untriaged,
  },
  {
    name: 'rule 2: any Untriaged alert → Untriaged',
    summaryStatus: S.Fixed,
    alerts: [alert(A.Acknowledged), alert(A.Untriaged), alert(A.Invalid)],
    expected: S.Untriaged,
  },
  {
    name: 'rule 2 wins over rule 3 (untriaged alert, improvement summary with a reassigned regression)',
    summaryStatus: S.Improvement,
    alerts: [alert(A.Untriaged, false), alert(A.Reassigned, true, SUMMARY)],
    expected: S.Untriaged,
  },
  {
    name: 'rule 3: Improvement + a reassigned regression → Untriaged, Acknowledged alerts back to Untriaged',
    summaryStatus: S.Improvement,
    alerts: [alert(A.Acknowledged, false), alert(A.Acknowledged, false), alert(A.Reassigned, true, SUMMARY)],
    expected: S.Untriaged,
    untriaged: (alerts) => [alerts[0]!.id, alerts[1]!.id],
  },
  {
    name: 'rule 3 applies to a related regression reassigned into the summary',
    summaryStatus: S.Improvement,
    alerts: [alert(A.Acknowledged, false), alert(A.Reassigned, true, SUMMARY)],
    expected: S.Untriaged,
    untriaged: (alerts) => [alerts[0]!.id],
  },
  {
    name: 'rule 3 does not apply when the summary is not Improvement (rule 7 instead: Investigating)',
    summaryStatus: S.Untriaged,
    alerts: [alert(A.Acknowledged, false), alert(A.Reassigned, true, SUMMARY)],
    expected: S.Investigating,
  },
  {
    name: 'rule 3 does not apply to a reassigned improvement (rule 7: Improvement)',
    summaryStatus: S.Improvement,
    alerts: [alert(A.Acknowledged, false), alert(A.Reassigned, false, OTHER)],
    expected: S.Improvement,
  },
  {
    name: 'rule 4: all Invalid → Invalid',
    summaryStatus: S.Untriaged,
    alerts: [alert(A.Invalid), alert(A.Invalid, false)],
    expected: S.Invalid,
  },
  {
    name: 'rule 5: all Infra → Infra',
    summaryStatus: S.Untriaged,
    alerts: [alert(A.Infra), alert(A.Infra)],
    expected: S.Infra,
  },
  {
    name: 'rule 6: Invalid and Infra mixed → Invalid',
    summaryStatus: S.Untriaged,
    alerts: [alert(A.Infra), alert(A.Invalid)],
    expected: S.Invalid,
  },
  {
    name: 'rule 7: acknowledged improvements only → Improvement',
    summaryStatus: S.Untriaged,
    alerts: [alert(A.Acknowledged, false), alert(A.Invalid, true)],
    expected: S.Improvement,
  },
  {
    name: 'rule 7: a regression reassigned AWAY does not count → Improvement',
    summaryStatus: S.Untriaged,
    alerts: [alert(A.Acknowledged, false), alert(A.Reassigned, true, OTHER)],
    expected: S.Improvement,
  },
  {
    name: 'rule 7: a downstream regression does not count → Improvement',
    summaryStatus: S.Untriaged,
    alerts: [alert(A.Acknowledged, false), alert(A.Downstream, true, OTHER)],
    expected: S.Improvement,
  },
  {
    name: 'rule 7: an acknowledged regression, summary Untriaged → Investigating',
    summaryStatus: S.Untriaged,
    alerts: [alert(A.Acknowledged, true), alert(A.Infra)],
    expected: S.Investigating,
  },
  {
    name: 'rule 7: an acknowledged regression, summary Downstream → Investigating',
    summaryStatus: S.Downstream,
    alerts: [alert(A.Acknowledged, true)],
    expected: S.Investigating,
  },
  {
    name: 'rule 7: a regression reassigned INTO the summary counts → Investigating',
    summaryStatus: S.Reassigned,
    alerts: [alert(A.Acknowledged, false), alert(A.Reassigned, true, SUMMARY)],
    expected: S.Investigating,
  },
  ...[S.Improvement, S.Investigating, S.WontFix, S.Fixed, S.BackedOut].map(
    (status): Case => ({
      name: `rule 7: an acknowledged regression keeps the human-chosen status ${status}`,
      summaryStatus: status,
      alerts: [alert(A.Acknowledged, true), alert(A.Acknowledged, false)],
      expected: status,
    }),
  ),
  {
    name: 'rule 7 over rule 8: acknowledged + reassigned → rule 7 decides',
    summaryStatus: S.Untriaged,
    alerts: [alert(A.Acknowledged, true), alert(A.Reassigned, true, OTHER)],
    expected: S.Investigating,
  },
  {
    name: 'rule 8: any Reassigned (no Acknowledged) → Reassigned',
    summaryStatus: S.Untriaged,
    alerts: [alert(A.Downstream, true, OTHER), alert(A.Reassigned, true, OTHER), alert(A.Invalid)],
    expected: S.Reassigned,
  },
  {
    name: 'rule 8: a related alert reassigned into the summary → Reassigned',
    summaryStatus: S.Untriaged,
    alerts: [alert(A.Reassigned, true, SUMMARY)],
    expected: S.Reassigned,
  },
  {
    name: 'rule 9: only Downstream (and invalid/infra) → Downstream',
    summaryStatus: S.Untriaged,
    alerts: [alert(A.Downstream, true, OTHER), alert(A.Infra)],
    expected: S.Downstream,
  },
  {
    name: 'rule 9: a related alert marked downstream of the summary → Downstream',
    summaryStatus: S.Investigating,
    alerts: [alert(A.Downstream, false, SUMMARY)],
    expected: S.Downstream,
  },
];

describe('autodetermineStatus (spec 2.1 rules 1-9)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const decision = autodetermineStatus({ id: SUMMARY, status: c.summaryStatus }, c.alerts);
      assert.equal(decision.status, c.expected);
      assert.deepEqual(decision.untriageAlertIds, c.untriaged?.(c.alerts) ?? []);
    });
  }

  it('is pure: the input alerts are not changed', () => {
    const alerts = [alert(A.Acknowledged, false), alert(A.Reassigned, true, SUMMARY)];
    const copy = structuredClone(alerts);
    autodetermineStatus({ id: SUMMARY, status: S.Improvement }, alerts);
    assert.deepEqual(alerts, copy);
  });
});
