import type { Random } from '../generators/random.ts';
import type { RowSink } from './bulk-writer.ts';
import { businessDue } from './business-due.ts';
import { NOISE_PROFILES } from './catalog.ts';
import type { AlertEvent } from './plan-alerts.ts';
import type { SeedWorld } from './seed-world.ts';

const HOUR = 3600;
const DAY = 86_400;

// Alert statuses that fit each summary status, so the stored summary status is what the reference's
// autodetermine_status would compute from the alerts.
function alertStatus(random: Random, summaryStatus: number): number {
  switch (summaryStatus) {
    case 0:
      return random.chance(0.8) ? 0 : 4;
    case 1:
      return 1;
    case 2:
      return random.chance(0.8) ? 2 : 3;
    case 3:
      return 3;
    case 9:
      return 5;
    default:
      return 4;
  }
}

const BUG_STATUS: Readonly<Record<number, number>> = { 5: 0, 6: 5, 7: 1, 8: 1 };

const NOTES: Readonly<Record<number, string>> = {
  3: 'Bimodal test, not a real change.',
  6: 'Accepted trade-off for the memory win in the same patch.',
  8: 'Backed out for the regression; relanded later with a fix.',
  9: 'Worker pool migration on this day.',
};

/**
 * Writes one alert summary per event, one alert per affected series, tags, and a few backfill reports.
 * Downstream and reassigned alerts point at another summary of the same framework when there is one.
 */
export function writeAlerts(
  sink: RowSink,
  random: Random,
  world: SeedWorld,
  events: readonly AlertEvent[],
  staffUserIds: readonly number[],
  endTime: number,
): void {
  const clamp = (t: number) => Math.min(t, endTime);
  let alertId = 0;
  let tagLinkId = 0;
  for (const event of events) {
    const { status } = event;
    const created = clamp(event.push.time + random.int(2 * HOUR, 14 * HOUR));
    const triaged = status === 0 ? null : clamp(created + random.int(4 * HOUR, 3 * DAY));
    const bugNumber =
      [5, 6, 7, 8].includes(status) || (status === 2 && random.chance(0.3))
        ? random.int(1_850_000, 1_990_000)
        : null;
    const bugUpdated =
      bugNumber === null || triaged === null ? null : clamp(triaged + random.int(HOUR, 2 * DAY));
    const assigned = [5, 6, 7, 8].includes(status) || (status === 0 && random.chance(0.3));
    const sheriff = random.pick(staffUserIds);
    sink.add('performance_alert_summary', [
      event.summaryId,
      event.unit.repo.id,
      event.unit.series[0]?.frameworkId,
      event.prevPush.id,
      event.push.id,
      event.prevPush.id,
      event.push.id,
      random.chance(0.03),
      NOTES[status] !== undefined && random.chance(0.6) ? NOTES[status] : null,
      assigned ? sheriff : null,
      event.sheriffed,
      created,
      businessDue(created, 2),
      triaged,
      triaged ?? created,
      status,
      bugNumber,
      businessDue(created, 4),
      bugUpdated,
      random.chance(0.05) ? 2 : 1,
      bugNumber === null ? null : (BUG_STATUS[status] ?? null),
    ]);

    const tags = new Set<string>();
    if (status === 4) tags.add('improvement');
    if (status === 8) tags.add('regression-backedout');
    if (status === 9) tags.add('infra');
    if (random.chance(0.15))
      tags.add(random.pick(['harness', 'regression-fix', 'early-beta-or-earlier', 'bisection']));
    for (const tag of tags) {
      tagLinkId += 1;
      sink.add('performance_tag_alert_summaries', [tagLinkId, world.tags.get(tag), event.summaryId]);
    }

    const relatives = events.filter(
      (e) => e !== event && e.unit.task.framework === event.unit.task.framework,
    );
    const pool = relatives.length > 0 ? relatives : events.filter((e) => e !== event);
    const related = random.pick(pool);
    const alertIds: number[] = [];
    for (const [i, affected] of event.affected.entries()) {
      alertId += 1;
      alertIds.push(alertId);
      // An untriaged summary keeps at least one untriaged alert: the Alerts page shows it by default.
      const alertState = status === 0 && i === 0 ? 0 : alertStatus(random, status);
      const prev = affected.prevValue;
      const next = affected.newValue;
      sink.add('performance_alert', [
        alertId,
        event.summaryId,
        alertState === 1 || alertState === 2 ? related.summaryId : null,
        affected.series.id,
        affected.series.lowerIsBetter === next > prev,
        random.chance(0.05),
        alertState === 0 ? null : sheriff,
        event.sheriffed,
        created,
        alertState === 0 ? null : triaged,
        triaged ?? created,
        alertState,
        (100 * Math.abs(next - prev)) / prev,
        next - prev,
        prev,
        next,
        3 + 25 * random.float(),
        null,
        null,
        random.weighted(NOISE_PROFILES.map((p, i) => [p, i < 2 ? 4 : 1] as const)),
        random.chance(0.02),
      ]);
    }

    if (event.regression && event.sheriffed && random.chance(0.25)) {
      sink.add('backfill_report', [
        event.summaryId,
        created + HOUR,
        clamp(created + DAY),
        random.chance(0.3),
      ]);
      for (const [i, affected] of event.affected.slice(0, 2).entries()) {
        const triggered = random.int(0, 5);
        const failed = random.int(0, Math.min(1, triggered));
        sink.add('backfill_record', [
          alertIds[i],
          event.summaryId,
          JSON.stringify([
            { push_id: event.prevPush.id, job_id: null },
            { push_id: event.push.id, job_id: null },
          ]),
          created + HOUR,
          // 0-4 only: the Perfherder UI maps these and crashes on 5 ("Verification Failed").
          random.int(0, 4),
          '',
          affected.unit.jobTypeId,
          affected.unit.jobGroupId,
          2,
          `${affected.unit.platform.platform} ${affected.unit.option}`,
          triggered,
          failed,
          triggered - failed,
          0,
        ]);
      }
    }
  }
}
