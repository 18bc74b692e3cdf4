import type { Random } from '../generators/random.ts';
import type { RowSink } from './bulk-writer.ts';
import type { AlertEvent } from './plan-alerts.ts';
import type { PushRef } from './seed-pushes.ts';
import type { RunUnit, Series } from './seed-series.ts';
import type { SizeProfile } from './seed-size.ts';
import type { SeedWorld } from './seed-world.ts';

/** Jobs older than this have expired (their datums keep `job_id` NULL), as in production. */
export const JOB_RETENTION_SECONDS = 120 * 86_400;

/** Reports progress after each push. */
export type PushProgress = (pushesDone: number) => Promise<void>;

interface Counters {
  job: number;
  datum: number;
  replicate: number;
}

function round(value: number): number {
  return value >= 100_000 ? Math.round(value) : Math.round(value * 100) / 100;
}

// Sheriffs retrigger around an alert to confirm it: the pushes next to an event always have data.
function forcedRuns(events: readonly AlertEvent[]): Map<string, number> {
  const forced = new Map<string, number>();
  for (const event of events) {
    for (const unit of new Set(event.affected.map((a) => a.unit))) {
      for (const [offset, runs] of [
        [-2, 1],
        [-1, 2],
        [0, 2],
        [1, 1],
      ] as const) {
        const key = `${unit.series[0]?.id}:${event.push.index + offset}`;
        forced.set(key, Math.max(forced.get(key) ?? 0, runs));
      }
    }
  }
  return forced;
}

/**
 * Generates, push by push, the jobs (with Taskcluster metadata) and the datums and replicates they
 * produced, plus a side-by-side comparison job on the push of each browsertime alert.
 */
export async function buildResults(
  sink: RowSink,
  random: Random,
  profile: SizeProfile,
  world: SeedWorld,
  units: readonly RunUnit[],
  pushesByRepo: ReadonlyMap<number, readonly PushRef[]>,
  events: readonly AlertEvent[],
  endTime: number,
  onPush: PushProgress,
): Promise<void> {
  const forced = forcedRuns(events);
  const sideBySide = new Map<number, AlertEvent[]>();
  for (const e of events) {
    if (e.unit.task.framework === 'browsertime')
      sideBySide.set(e.push.id, [...(sideBySide.get(e.push.id) ?? []), e]);
  }
  const counters: Counters = { job: 0, datum: 0, replicate: 0 };
  const step = new Map<Series, { level: number; next: number }>();
  let done = 0;

  const addJob = (unit: RunUnit, push: PushRef, jobTypeId: number, result: string): number => {
    counters.job += 1;
    const taskId = random.slug();
    const retry = random.chance(0.03) ? 1 : 0;
    const submit = push.time + random.int(300, 1800);
    const start = submit + random.int(30, 1200);
    const end = start + random.int(300, 2400);
    sink.add('job', [
      counters.job,
      unit.repo.id,
      `${taskId}/${retry}`,
      push.id,
      jobTypeId,
      unit.jobGroupId,
      random.pick(unit.platform.machineIds),
      unit.platform.id,
      unit.platform.buildPlatformId,
      world.optionCollections.get(unit.option)?.hash,
      result,
      'completed',
      'scheduled',
      'taskcluster',
      unit.task.runsOn === 'build' ? 1 : 2,
      submit,
      start,
      end,
      end + 60,
    ]);
    sink.add('taskcluster_metadata', [counters.job, taskId, retry]);
    return counters.job;
  };

  for (const repo of world.repos) {
    const pushes = pushesByRepo.get(repo.id) ?? [];
    const repoUnits = units.filter((u) => u.repo === repo);
    const runProbability = profile.runProbability[repo.spec.name] ?? 0.5;
    for (const push of pushes) {
      const keepJobs = push.time >= endTime - JOB_RETENTION_SECONDS;
      for (const unit of repoUnits) {
        let runs = forced.get(`${unit.series[0]?.id}:${push.index}`) ?? 0;
        // Every series reports on its repository's newest push: the pickers list only series updated
        // within their interval (14 days by default), and the graphs end at "now".
        if (push.index === pushes.length - 1) runs = Math.max(runs, 1);
        if (runs === 0 && random.chance(runProbability))
          runs = random.chance(profile.retriggerProbability) ? 2 : 1;
        for (let run = 0; run < runs; run++) {
          const jobId = keepJobs
            ? addJob(unit, push, unit.jobTypeId, random.chance(0.04) ? 'testfailed' : 'success')
            : null;
          const withReplicates = unit.task.replicates && random.chance(profile.replicateProbability);
          for (const series of unit.series) {
            let state = step.get(series);
            if (!state) {
              state = { level: series.baseline, next: 0 };
              step.set(series, state);
            }
            for (
              let c = series.changes[state.next];
              c && c.pushIndex <= push.index;
              c = series.changes[state.next]
            ) {
              state.level *= c.factor;
              state.next += 1;
            }
            const outlier = random.chance(0.015) ? 1 + series.noise * random.int(3, 6) : 1;
            const draw = () => state.level * (1 + series.noise * random.normal()) * outlier;
            const replicates = withReplicates
              ? Array.from({ length: random.int(3, 5) }, () => round(draw()))
              : [];
            const value =
              replicates.length > 0
                ? round(replicates.reduce((a, b) => a + b, 0) / replicates.length)
                : round(draw());
            counters.datum += 1;
            const android = unit.platform.spec.kind === 'android';
            sink.add('performance_datum', [
              counters.datum,
              repo.id,
              series.id,
              value,
              push.time,
              repo.spec.appVersion,
              jobId,
              push.id,
              android ? 'Android' : null,
              android ? unit.platform.spec.osVersion : null,
            ]);
            for (const r of replicates) {
              counters.replicate += 1;
              sink.add('performance_datum_replicate', [counters.replicate, counters.datum, r]);
            }
          }
        }
      }
      for (const event of keepJobs ? (sideBySide.get(push.id) ?? []) : []) {
        const { unit } = event;
        const suite = event.affected[0]?.series.suite.name ?? '';
        const name = `perftest-${unit.platform.platform}-${unit.task.application}-${suite}-side-by-side`;
        addJob(
          unit,
          push,
          world.jobType(name, 'side-by-side'),
          random.chance(0.9) ? 'success' : 'testfailed',
        );
      }
      done += 1;
      await onPush(done);
      await sink.checkpoint();
    }
  }
}
