import type { Random } from '../generators/random.ts';
import { SHERIFFED_FRAMEWORKS } from '../perf/alert-summary/alert-summary-query.ts';
import type { PushRef } from './seed-pushes.ts';
import type { RunUnit, Series } from './seed-series.ts';
import type { SizeProfile } from './seed-size.ts';

/** One series moved by an event, with its alert's before/after values. */
export interface AffectedSeries {
  readonly unit: RunUnit;
  readonly series: Series;
  readonly factor: number;
  readonly prevValue: number;
  readonly newValue: number;
}

/** A change landed by one push: one alert summary, one alert per affected series. */
export interface AlertEvent {
  readonly summaryId: number;
  readonly unit: RunUnit;
  readonly push: PushRef;
  readonly prevPush: PushRef;
  readonly sheriffed: boolean;
  /** Summary status 0-9. */
  readonly status: number;
  readonly regression: boolean;
  readonly affected: AffectedSeries[];
}

/** Frameworks whose alerts sheriffs triage (the reference's SHERIFFED_FRAMEWORKS). */
const SHERIFFED = new Set(SHERIFFED_FRAMEWORKS);

// Older summaries have been triaged; recent ones are mostly still untriaged.
const TRIAGED_STATUSES: readonly (readonly [number, number])[] = [
  [0, 1],
  [1, 2],
  [2, 2],
  [3, 2],
  [4, 3],
  [5, 2],
  [6, 2],
  [7, 3],
  [8, 2],
  [9, 1],
];

function assignStatuses(random: Random, count: number): number[] {
  const statuses = Array.from({ length: count }, (_, i) =>
    i >= count * 0.85 ? (random.chance(0.8) ? 0 : 5) : random.weighted(TRIAGED_STATUSES),
  );
  // Every status must appear (the API's filters and tests look for each); steal from repeated ones.
  for (let status = 0; status <= 9; status++) {
    if (statuses.includes(status)) continue;
    const donors = statuses.flatMap((s, i) => (statuses.filter((x) => x === s).length > 1 ? [i] : []));
    statuses[random.pick(donors)] = status;
  }
  return statuses;
}

/**
 * Decides where the data changes: per alerting repository, a set of pushes that each move some series
 * of one task up or down. Each event becomes an alert summary with a status (every status 0-9 occurs,
 * which needs at least ten events), and its step changes are recorded on the series so the generated
 * values really do jump there.
 */
export function planAlerts(
  random: Random,
  profile: SizeProfile,
  units: readonly RunUnit[],
  pushesByRepo: ReadonlyMap<number, readonly PushRef[]>,
): AlertEvent[] {
  type Draft = {
    unit: RunUnit;
    units: RunUnit[];
    push: PushRef;
    prevPush: PushRef;
    sheriffed: boolean;
    /** One of the untriaged talos summaries the Alerts page shows by default. */
    untriagedTalos: boolean;
  };
  const drafts: Draft[] = [];
  const repos = [...new Set(units.map((u) => u.repo))].filter((r) => r.spec.alertsEnabled && !r.spec.isTry);
  const siblingsOf = (unit: RunUnit, repoUnits: readonly RunUnit[]) =>
    repoUnits.filter((u) => u.task === unit.task && u.option === unit.option && u !== unit);
  for (const repo of repos) {
    const pushes = pushesByRepo.get(repo.id) ?? [];
    const repoUnits = units.filter((u) => u.repo === repo);
    if (pushes.length < 3 || repoUnits.length === 0) continue;
    const count = Math.min(
      pushes.length - 2,
      Math.max(profile.minEvents, Math.floor(pushes.length / profile.pushesPerEvent)),
    );
    const indexes = random.sample(
      pushes.slice(1, -1).map((p) => p.index),
      count,
    );
    for (const index of indexes) {
      const unit = random.pick(repoUnits);
      drafts.push({
        unit,
        units: [unit, ...random.sample(siblingsOf(unit, repoUnits), random.int(0, 2))],
        push: pushes[index] as PushRef,
        prevPush: pushes[index - 1] as PushRef,
        sheriffed: SHERIFFED.has(unit.task.framework) && random.chance(0.92),
        untriagedTalos: false,
      });
    }
  }
  drafts.sort((a, b) => a.push.time - b.push.time || a.unit.repo.id - b.unit.repo.id);

  // What the Alerts page shows on entry (framework talos, status untriaged, sheriffed, active repository):
  // the newest events of active repositories become talos regressions and improvements nobody triaged.
  const active = drafts.filter((d) => d.unit.repo.spec.activeStatus === 'active');
  let untriaged = 0;
  for (const draft of [...active].reverse()) {
    if (untriaged >= profile.untriagedTalos) break;
    const repoUnits = units.filter((u) => u.repo === draft.unit.repo);
    const talos = repoUnits.filter((u) => u.task.framework === 'talos');
    if (talos.length === 0) continue;
    draft.unit = random.pick(talos);
    draft.units = [draft.unit, ...random.sample(siblingsOf(draft.unit, repoUnits), random.int(0, 1))];
    draft.sheriffed = true;
    draft.untriagedTalos = true;
    untriaged += 1;
  }
  const others = drafts.filter((d) => !d.untriagedTalos);
  if (others.length < 10)
    throw new Error(`the seed plan has ${others.length} other alert events; it needs at least 10`);
  // The Monitoring tab lists sheriffed=false summaries: at least two on active repositories.
  const monitored = others.filter((d) => d.unit.repo.spec.activeStatus === 'active');
  for (const draft of monitored.slice(-2)) draft.sheriffed = false;
  const statuses = assignStatuses(random, others.length);
  const statusOf = new Map(others.map((d, i) => [d, statuses[i] ?? 0]));

  let forcedRegression = true;
  const events = drafts.map((draft, i): AlertEvent => {
    const status = statusOf.get(draft) ?? 0;
    let regression = status === 4 ? false : status === 0 ? random.chance(0.6) : random.chance(0.85);
    if (draft.untriagedTalos) {
      // Alternating, starting with a regression: the default view holds both kinds.
      regression = forcedRegression;
      forcedRegression = !forcedRegression;
    }
    const suite = random.pick(draft.unit.task.suites);
    const magnitude = 0.02 + 0.2 * random.float() ** 2;
    const affected: AffectedSeries[] = [];
    for (const unit of draft.units) {
      const family = unit.series.filter((s) => s.suite === suite);
      const [parent, ...subtests] = family;
      if (!parent) continue;
      for (const series of [parent, ...random.sample(subtests, random.int(1, 4))]) {
        const size = magnitude * (0.7 + 0.6 * random.float());
        const up = series.lowerIsBetter === regression;
        const factor = up ? 1 + size : 1 / (1 + size);
        series.changes.push({ pushIndex: draft.push.index, factor });
        affected.push({ unit, series, factor, prevValue: 0, newValue: 0 });
      }
    }
    return {
      unit: draft.unit,
      push: draft.push,
      prevPush: draft.prevPush,
      sheriffed: draft.sheriffed,
      summaryId: i + 1,
      status,
      regression,
      affected,
    };
  });

  for (const unit of units) for (const s of unit.series) s.changes.sort((a, b) => a.pushIndex - b.pushIndex);
  // With every change known, the values before and after each event follow from the steps.
  for (const event of events) {
    for (const [i, a] of event.affected.entries()) {
      const before = a.series.changes
        .filter((c) => c.pushIndex < event.push.index)
        .reduce((level, c) => level * c.factor, a.series.baseline);
      event.affected[i] = { ...a, prevValue: before, newValue: before * a.factor };
    }
  }
  return events;
}
