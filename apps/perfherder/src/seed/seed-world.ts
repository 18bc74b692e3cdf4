import { createHash } from 'node:crypto';
import type { Random } from '../generators/random.ts';
import type { RowSink } from './bulk-writer.ts';
import {
  BUG_TEMPLATE_FRAMEWORKS,
  OPTIONS,
  type OptionName,
  PERFORMANCE_TAGS,
  PLATFORMS,
  type PlatformSpec,
  REPOSITORIES,
  type RepositorySpec,
  TC_ROOT_URL,
} from './catalog.ts';
import type { SizeProfile } from './seed-size.ts';

/** A repository row the seed created. */
export interface RepoRef {
  readonly id: number;
  readonly spec: RepositorySpec;
}

/** A `machine_platform` row with what jobs on it need. */
export interface PlatformRef {
  readonly id: number;
  readonly platform: string;
  readonly spec: PlatformSpec;
  readonly buildPlatformId: number;
  readonly machineIds: readonly number[];
  /** Options that run on this platform. */
  readonly options: readonly OptionName[];
}

/** The reference rows every other generator step points at. */
export interface SeedWorld {
  readonly repos: readonly RepoRef[];
  /** Test platforms (desktop and Android). */
  readonly testPlatforms: readonly PlatformRef[];
  /** Build platforms, as `machine_platform` rows for build-metrics series. */
  readonly buildPlatforms: readonly PlatformRef[];
  readonly optionCollections: ReadonlyMap<OptionName, { readonly id: number; readonly hash: string }>;
  readonly frameworks: ReadonlyMap<string, number>;
  readonly tags: ReadonlyMap<string, number>;
  /** Job type id for a (name, symbol), created on first use. */
  jobType(name: string, symbol: string): number;
  /** Job group id for a (name, symbol), created on first use. */
  jobGroup(name: string, symbol: string): number;
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/**
 * Creates repositories, options, platforms, machines, tags and bug templates, and returns handles to them.
 * Ids are assigned here (repositories keep the fixture's), because the seed only runs on an empty database.
 */
export function buildWorld(
  sink: RowSink,
  random: Random,
  profile: SizeProfile,
  frameworks: ReadonlyMap<string, number>,
): SeedWorld {
  // Repository groups are migration 0003's fixture rows; repositories keep the fixture's ids.
  const repos = REPOSITORIES.map((spec): RepoRef => {
    sink.add('repository', [
      spec.id,
      spec.groupId,
      spec.name,
      spec.dvcsType,
      spec.url,
      spec.codebase,
      spec.description,
      spec.activeStatus,
      spec.lifeCycleOrder,
      spec.alertsEnabled,
      spec.expirePerformanceData,
      spec.isTry,
      TC_ROOT_URL,
    ]);
    return { id: spec.id, spec };
  });

  const optionCollections = new Map<OptionName, { id: number; hash: string }>();
  OPTIONS.forEach((name, i) => {
    const hash = sha1(name);
    sink.add('option', [i + 1, name]);
    sink.add('option_collection', [i + 1, hash, i + 1]);
    optionCollections.set(name, { id: i + 1, hash });
  });

  let machineId = 0;
  const machines = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, n) => {
      machineId += 1;
      sink.add('machine', [machineId, `${prefix}${String(n + 1).padStart(3, '0')}`]);
      return machineId;
    });

  const specs = PLATFORMS.slice(0, profile.platforms);
  let platformId = 0;
  const buildIds = new Map<string, number>();
  const buildPlatforms: PlatformRef[] = [];
  for (const spec of specs) {
    if (buildIds.has(spec.build)) continue;
    const id = buildIds.size + 1;
    buildIds.set(spec.build, id);
    sink.add('build_platform', [id, spec.os, spec.build, spec.architecture]);
  }
  const testPlatforms = specs.map((spec, i): PlatformRef => {
    platformId += 1;
    sink.add('machine_platform', [platformId, spec.os, spec.platform, spec.architecture]);
    const pgo =
      spec.kind === 'desktop' &&
      specs.slice(0, i + 1).filter((s) => s.kind === 'desktop').length <= profile.pgoPlatforms;
    return {
      id: platformId,
      platform: spec.platform,
      spec,
      buildPlatformId: buildIds.get(spec.build) ?? 0,
      machineIds: machines(spec.machinePrefix, profile.machinesPerPlatform),
      options: pgo ? ['opt', 'pgo'] : ['opt'],
    };
  });
  for (const [build, buildId] of buildIds) {
    const spec = specs.find((s) => s.build === build) as PlatformSpec;
    platformId += 1;
    sink.add('machine_platform', [platformId, spec.os, build, spec.architecture]);
    buildPlatforms.push({
      id: platformId,
      platform: build,
      spec,
      buildPlatformId: buildId,
      // Builds run on short-lived cloud instances named after their instance id.
      machineIds: machines(`i-0${random.hex(12)}-`, Math.max(2, Math.ceil(profile.machinesPerPlatform / 2))),
      options: profile.debugBuilds ? ['opt', 'debug'] : ['opt'],
    });
  }

  const tags = new Map<string, number>();
  PERFORMANCE_TAGS.forEach((name, i) => {
    tags.set(name, i + 1);
    sink.add('performance_tag', [i + 1, name]);
  });
  BUG_TEMPLATE_FRAMEWORKS.forEach((name, i) => {
    const frameworkId = frameworks.get(name);
    if (frameworkId === undefined) return;
    sink.add('performance_bug_template', [
      i + 1,
      frameworkId,
      'perf, perf-alert, regression',
      '[perf-alert]',
      name === 'build_metrics' ? 'General' : 'Performance',
      name === 'build_metrics' ? 'Firefox Build System' : 'Testing',
      'perf-sheriffs@mozilla.com',
      `Perfherder has detected a ${name} performance regression from push {{ revisionHref }}.\n\n{{ alertSummary }}`,
      `This regression is **critical**: it affects {{ criticalTests }}.`,
      'No action is required from the author: the change is expected.',
    ]);
  });

  const jobTypes = new Map<string, number>();
  const jobGroups = new Map<string, number>();
  const registry =
    (map: Map<string, number>, table: 'job_type' | 'job_group') => (name: string, symbol: string) => {
      const key = `${name}\u0000${symbol}`;
      let id = map.get(key);
      if (id === undefined) {
        id = map.size + 1;
        map.set(key, id);
        sink.add(table, [id, symbol, name]);
      }
      return id;
    };

  return {
    repos,
    testPlatforms,
    buildPlatforms,
    optionCollections,
    frameworks,
    tags,
    jobType: registry(jobTypes, 'job_type'),
    jobGroup: registry(jobGroups, 'job_group'),
  };
}
