import { createHash } from 'node:crypto';
import type { Random } from '../generators/random.ts';
import type { RowSink } from './bulk-writer.ts';
import type { OptionName } from './catalog.ts';
import { PERF_TASKS, type SuiteSpec, type TaskSpec } from './perf-tasks.ts';
import type { SizeProfile } from './seed-size.ts';
import type { PlatformRef, RepoRef, SeedWorld } from './seed-world.ts';

/** A step in a series: from push `pushIndex` on, values are multiplied by `factor`. */
export interface StepChange {
  readonly pushIndex: number;
  readonly factor: number;
}

/** One performance series (signature) and how its values behave. */
export interface Series {
  readonly id: number;
  readonly frameworkId: number;
  readonly suite: SuiteSpec;
  readonly test: string;
  readonly parent: Series | null;
  readonly lowerIsBetter: boolean;
  /** Typical value before any step change. */
  readonly baseline: number;
  readonly noise: number;
  /** Step changes, sorted by push once the alert plan is made. */
  readonly changes: StepChange[];
}

/** A task run on one (repository, platform, option): one job per run, one datum per series. */
export interface RunUnit {
  readonly repo: RepoRef;
  readonly platform: PlatformRef;
  readonly option: OptionName;
  readonly task: TaskSpec;
  readonly jobTypeId: number;
  readonly jobGroupId: number;
  /** Parents first, each followed by its subtests. */
  readonly series: readonly Series[];
}

const OPTION_FACTOR: Record<OptionName, number> = { opt: 1, pgo: 0.93, debug: 2.8 };
const OS_FACTOR: Record<string, number> = { linux: 1, win: 1.08, mac: 0.92, android: 1 };

function signatureHash(parts: readonly (string | null)[]): string {
  return createHash('sha1').update(parts.join('\u0000')).digest('hex');
}

function jobTypeName(task: TaskSpec, platform: PlatformRef, option: OptionName): string {
  return task.runsOn === 'build'
    ? `build-${platform.platform}/${option}`
    : `test-${platform.platform}/${option}-${task.label}`;
}

/**
 * Creates the signatures: for every repository, every task on every platform and option it runs on,
 * one parent series per suite plus its subtests. Hashes depend on the series' properties, not on the
 * repository, so the same series has the same hash on every branch, as in Treeherder.
 */
export function buildSeries(
  sink: RowSink,
  random: Random,
  profile: SizeProfile,
  world: SeedWorld,
  firstPushTime: (repo: RepoRef) => number,
): RunUnit[] {
  const tasks = PERF_TASKS.slice(0, profile.tasks);
  const units: RunUnit[] = [];
  let nextId = 0;
  for (const repo of world.repos) {
    const lastUpdated = firstPushTime(repo);
    for (const task of tasks) {
      const frameworkId = world.frameworks.get(task.framework);
      if (frameworkId === undefined) continue;
      const platforms =
        task.runsOn === 'build'
          ? world.buildPlatforms
          : world.testPlatforms.filter((p) => p.spec.kind === task.runsOn);
      for (const platform of platforms) {
        for (const option of platform.options) {
          const optionCollection = world.optionCollections.get(option);
          if (!optionCollection) continue;
          const series: Series[] = [];
          for (const suite of task.suites) {
            const scale = OPTION_FACTOR[option] * (OS_FACTOR[platform.spec.os] ?? 1);
            const speed = suite.lowerIsBetter ? scale : 1 / scale;
            const parentBaseline = suite.baseline * speed * (0.9 + 0.2 * random.float());
            const subtests = suite.subtests.slice(0, profile.maxSubtests);
            const row = (s: Series, hash: string) => {
              const isParent = s.parent === null;
              sink.add('performance_signature', [
                s.id,
                hash,
                repo.id,
                frameworkId,
                platform.id,
                optionCollection.id,
                suite.name,
                s.test,
                task.application,
                s.lowerIsBetter,
                lastUpdated,
                s.parent?.id ?? null,
                isParent && subtests.length > 0,
                isParent ? suite.publicName : null,
                suite.tags,
                task.extraOptions,
                isParent || suite.lowerIsBetter ? suite.unit : 'ms',
                isParent ? (random.chance(0.2) ? true : null) : random.chance(0.2) ? false : null,
                random.chance(0.1) ? false : null,
                task.framework === 'build_metrics' || task.framework === 'awsy' ? 0 : null,
                task.framework === 'build_metrics' ? 0.25 : task.framework === 'awsy' ? 2 : null,
                task.framework === 'build_metrics' ? 12 : null,
                task.framework === 'build_metrics' ? 24 : null,
                task.framework === 'build_metrics' ? 12 : null,
                isParent && suite.publicName ? 'critical' : random.chance(0.05) ? 'subcritical' : 'normal',
              ]);
            };
            nextId += 1;
            const parent: Series = {
              id: nextId,
              frameworkId,
              suite,
              test: '',
              parent: null,
              lowerIsBetter: suite.lowerIsBetter,
              baseline: parentBaseline,
              noise: suite.noise,
              changes: [],
            };
            const parentHash = signatureHash([
              task.framework,
              platform.platform,
              option,
              suite.name,
              '',
              task.application,
              task.extraOptions,
            ]);
            row(parent, parentHash);
            series.push(parent);
            for (const test of subtests) {
              nextId += 1;
              // Score suites aggregate timings: the subtests are milliseconds, lower is better.
              const timing = !suite.lowerIsBetter;
              const child: Series = {
                id: nextId,
                frameworkId,
                suite,
                test,
                parent,
                lowerIsBetter: true,
                baseline: (timing ? 40 : parentBaseline) * Math.exp(0.5 * random.normal()),
                noise: suite.noise * (1 + random.float()),
                changes: [],
              };
              row(child, signatureHash([parentHash, test]));
              series.push(child);
            }
          }
          units.push({
            repo,
            platform,
            option,
            task,
            jobTypeId: world.jobType(jobTypeName(task, platform, option), task.symbol),
            jobGroupId: world.jobGroup(task.group.name, task.group.symbol),
            series,
          });
        }
      }
    }
  }
  return units;
}
