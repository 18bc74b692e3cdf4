/**
 * The fixed vocabulary of the seed data: repositories, platforms, options, tags and bug
 * templates, shaped after what Treeherder's production database holds.
 */

/** A repository the seed creates, with the id and values of Treeherder's fixture (PerfCompare hard-codes ids). */
export interface RepositorySpec {
  readonly id: number;
  readonly name: string;
  /** A `repository_group` id of migration 0003's fixture groups. */
  readonly groupId: number;
  readonly dvcsType: 'hg' | 'git';
  readonly url: string;
  readonly codebase: string;
  readonly description: string;
  readonly activeStatus: 'active' | 'onhold';
  readonly isTry: boolean;
  readonly alertsEnabled: boolean;
  readonly expirePerformanceData: boolean;
  readonly lifeCycleOrder: number | null;
  readonly appVersion: string;
}

const hg = (path: string) => `https://hg.mozilla.org/${path}`;

const gecko = {
  dvcsType: 'hg',
  codebase: 'gecko',
  description: '',
  activeStatus: 'active',
  isTry: false,
  alertsEnabled: true,
  expirePerformanceData: false,
  lifeCycleOrder: null,
  appVersion: '141.0a1',
} as const;

/**
 * Treeherder's fixture repositories the clients know by id (treeherder-core-api.md sections 2 and 8.2),
 * in id order. `fenix` is on hold, as in the fixture: hidden by the repository and alert endpoints.
 */
export const REPOSITORIES: readonly RepositorySpec[] = [
  { ...gecko, id: 1, name: 'mozilla-central', groupId: 1, url: hg('mozilla-central'), lifeCycleOrder: 10 },
  {
    ...gecko,
    id: 4,
    name: 'try',
    groupId: 1,
    url: hg('try'),
    isTry: true,
    alertsEnabled: false,
    expirePerformanceData: true,
  },
  {
    ...gecko,
    id: 6,
    name: 'mozilla-beta',
    groupId: 2,
    url: hg('releases/mozilla-beta'),
    lifeCycleOrder: 100,
    appVersion: '140.0',
  },
  {
    ...gecko,
    id: 7,
    name: 'mozilla-release',
    groupId: 2,
    url: hg('releases/mozilla-release'),
    lifeCycleOrder: 1000,
    appVersion: '139.0.4',
  },
  {
    ...gecko,
    id: 77,
    name: 'autoland',
    groupId: 1,
    url: hg('integration/autoland'),
    description: 'The destination for automatically landed Firefox commits.',
  },
  {
    ...gecko,
    id: 108,
    name: 'fenix',
    groupId: 7,
    dvcsType: 'git',
    url: 'https://github.com/mozilla-mobile/fenix',
    codebase: 'fenix',
    activeStatus: 'onhold',
    expirePerformanceData: true,
    appVersion: '126.0',
  },
];

export const TC_ROOT_URL = 'https://firefox-ci-tc.services.mozilla.com';

/** A test platform (where perf tests run) and the build platform that produced what it tests. */
export interface PlatformSpec {
  readonly platform: string;
  readonly os: string;
  readonly architecture: string;
  readonly kind: 'desktop' | 'android';
  /** Build platform name in `build_platform` and in `machine_platform` for build-metrics series. */
  readonly build: string;
  /** Machine names are `${machinePrefix}${n}`. */
  readonly machinePrefix: string;
  /** Version reported in datums of Android runs. */
  readonly osVersion: string | null;
}

export const PLATFORMS: readonly PlatformSpec[] = [
  {
    platform: 'linux1804-64-shippable-qr',
    os: 'linux',
    architecture: 'x86_64',
    kind: 'desktop',
    build: 'linux64-shippable',
    machinePrefix: 't-linux-talos-1804-',
    osVersion: null,
  },
  {
    platform: 'windows11-64-shippable-qr',
    os: 'win',
    architecture: 'x86_64',
    kind: 'desktop',
    build: 'windows2012-64-shippable',
    machinePrefix: 'nuc13-win11-',
    osVersion: null,
  },
  {
    platform: 'macosx1400-64-shippable-qr',
    os: 'mac',
    architecture: 'aarch64',
    kind: 'desktop',
    build: 'macosx64-aarch64-shippable',
    machinePrefix: 'macmini-m2-',
    osVersion: null,
  },
  {
    platform: 'android-hw-a55-14-0-aarch64-shippable',
    os: 'android',
    architecture: 'aarch64',
    kind: 'android',
    build: 'android-aarch64-shippable',
    machinePrefix: 'a55-',
    osVersion: '14',
  },
  {
    platform: 'linux2404-64-shippable',
    os: 'linux',
    architecture: 'x86_64',
    kind: 'desktop',
    build: 'linux64-shippable',
    machinePrefix: 't-linux-2404-',
    osVersion: null,
  },
  {
    platform: 'windows10-64-shippable-qr',
    os: 'win',
    architecture: 'x86_64',
    kind: 'desktop',
    build: 'windows2012-64-shippable',
    machinePrefix: 't-w1064-ms-',
    osVersion: null,
  },
  {
    platform: 'macosx1015-64-shippable-qr',
    os: 'mac',
    architecture: 'x86_64',
    kind: 'desktop',
    build: 'macosx64-shippable',
    machinePrefix: 'macmini-r8-',
    osVersion: null,
  },
  {
    platform: 'android-hw-p6-13-0-android-aarch64-shippable',
    os: 'android',
    architecture: 'aarch64',
    kind: 'android',
    build: 'android-aarch64-shippable',
    machinePrefix: 'pixel6-',
    osVersion: '13',
  },
];

/** Option names; `opt` comes first because every platform has it. */
export const OPTIONS = ['opt', 'pgo', 'debug'] as const;
export type OptionName = (typeof OPTIONS)[number];

/** Treeherder's fixture performance tags, ids 1-8 in this order. */
export const PERFORMANCE_TAGS = [
  'harness',
  'regression-backedout',
  'infra',
  'regression-fix',
  'improvement',
  'improvement-backedout',
  'early-beta-or-earlier',
  'bisection',
] as const;

/** Bug templates exist for a few sheriffed frameworks only, as in production. */
export const BUG_TEMPLATE_FRAMEWORKS = ['talos', 'awsy', 'browsertime', 'build_metrics', 'devtools'] as const;

export const NOISE_PROFILES = ['OK', 'N/A', 'SKEWED', 'OUTLIERS', 'MODAL'] as const;
