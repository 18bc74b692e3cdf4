/**
 * The fixed vocabulary of the seed data: repositories, platforms, options, people, tags and bug
 * templates, shaped after what Treeherder's production database holds.
 */

/** A repository the seed creates. */
export interface RepositorySpec {
  readonly name: string;
  readonly group: string;
  readonly url: string;
  readonly activeStatus: 'active' | 'onhold';
  readonly isTry: boolean;
  readonly alertsEnabled: boolean;
  readonly lifeCycleOrder: number | null;
  readonly appVersion: string;
}

export const REPOSITORY_GROUPS = [
  {
    name: 'development',
    description: 'Collection of repositories where code initially lands in the development process',
  },
  {
    name: 'release-stabilization',
    description: 'Collection of repositories where changes are merged before release',
  },
  { name: 'try', description: 'Collection of try repositories' },
] as const;

export const REPOSITORIES: readonly RepositorySpec[] = [
  {
    name: 'mozilla-central',
    group: 'development',
    url: 'https://hg.mozilla.org/mozilla-central',
    activeStatus: 'active',
    isTry: false,
    alertsEnabled: true,
    lifeCycleOrder: 2,
    appVersion: '141.0a1',
  },
  {
    name: 'autoland',
    group: 'development',
    url: 'https://hg.mozilla.org/integration/autoland',
    activeStatus: 'active',
    isTry: false,
    alertsEnabled: true,
    lifeCycleOrder: 1,
    appVersion: '141.0a1',
  },
  {
    name: 'try',
    group: 'try',
    url: 'https://hg.mozilla.org/try',
    activeStatus: 'active',
    isTry: true,
    alertsEnabled: false,
    lifeCycleOrder: null,
    appVersion: '141.0a1',
  },
  {
    name: 'mozilla-beta',
    group: 'release-stabilization',
    url: 'https://hg.mozilla.org/releases/mozilla-beta',
    activeStatus: 'active',
    isTry: false,
    alertsEnabled: true,
    lifeCycleOrder: 3,
    appVersion: '140.0',
  },
  {
    name: 'mozilla-esr115',
    group: 'release-stabilization',
    url: 'https://hg.mozilla.org/releases/mozilla-esr115',
    activeStatus: 'onhold',
    isTry: false,
    alertsEnabled: true,
    lifeCycleOrder: 5,
    appVersion: '115.25.0esr',
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

const FIRST_NAMES = [
  'alex',
  'sam',
  'kim',
  'jordan',
  'noor',
  'maria',
  'li',
  'aisha',
  'tomas',
  'yuki',
  'olga',
  'pierre',
  'emma',
  'diego',
  'fatima',
  'jan',
  'priya',
  'ben',
  'chloe',
  'omar',
  'ines',
  'marek',
  'sofia',
  'kofi',
];
const LAST_NAMES = [
  'smith',
  'nguyen',
  'garcia',
  'kowalski',
  'tanaka',
  'muller',
  'rossi',
  'dubois',
  'ivanova',
  'silva',
  'chen',
  'haddad',
  'okafor',
  'larsen',
  'novak',
  'patel',
];

/** Push authors: `first.last@mozilla.com`, a stable list so revisions by one author cluster. */
export const AUTHORS: readonly string[] = FIRST_NAMES.flatMap((f, i) =>
  [LAST_NAMES[i % LAST_NAMES.length], LAST_NAMES[(i * 7 + 3) % LAST_NAMES.length]].map(
    (l) => `${f}.${l}@mozilla.com`,
  ),
);

export const PERFORMANCE_TAGS = [
  'harness',
  'infra',
  'improvement',
  'critical',
  'side-effect',
  'regression-from-test',
  'false-positive',
] as const;

/** Bug templates exist for a few sheriffed frameworks only, as in production. */
export const BUG_TEMPLATE_FRAMEWORKS = ['talos', 'awsy', 'browsertime', 'build_metrics', 'devtools'] as const;

export const NOISE_PROFILES = ['OK', 'N/A', 'SKEWED', 'OUTLIERS', 'MODAL'] as const;
