/**
 * What the seed's test jobs measure: one task is one job type, run per (platform, option), producing one
 * datum per suite and one per subtest. Names follow Treeherder's (`test-<platform>/<option>-<label>`).
 */

/** One suite of a task: a parent series (test `''`) plus its subtest series. */
export interface SuiteSpec {
  readonly name: string;
  readonly subtests: readonly string[];
  readonly unit: string;
  /** For the suite series; subtests of a score suite are timings, lower is better. */
  readonly lowerIsBetter: boolean;
  /** Typical value of the suite series; subtests vary around it. */
  readonly baseline: number;
  /** Relative standard deviation of a run. */
  readonly noise: number;
  readonly tags: string;
  readonly publicName: string | null;
}

/** A job type producing datums. */
export interface TaskSpec {
  readonly framework: string;
  /** Job type name suffix, e.g. `talos-tp5o`; build tasks have none. */
  readonly label: string;
  readonly symbol: string;
  readonly group: { readonly name: string; readonly symbol: string };
  /** Where it runs: test platforms of a kind, or the build platforms. */
  readonly runsOn: 'desktop' | 'android' | 'build';
  readonly application: string;
  readonly extraOptions: string;
  /** Whether runs keep their individual replicate values. */
  readonly replicates: boolean;
  readonly suites: readonly SuiteSpec[];
}

function suite(
  name: string,
  baseline: number,
  subtests: readonly string[] = [],
  more: Partial<Omit<SuiteSpec, 'name' | 'baseline' | 'subtests'>> = {},
): SuiteSpec {
  return {
    name,
    subtests,
    baseline,
    unit: more.unit ?? 'ms',
    lowerIsBetter: more.lowerIsBetter ?? true,
    noise: more.noise ?? 0.03,
    tags: more.tags ?? '',
    publicName: more.publicName ?? null,
  };
}

const TALOS = { name: 'Talos performance', symbol: 'T' };
const AWSY = { name: 'Are we slim yet tests by TaskCluster', symbol: 'SY' };
const BTIME = { name: 'Browsertime performance tests on Firefox', symbol: 'Btime' };
const JSBENCH = { name: 'JSShell Benchmarks', symbol: 'js-bench' };
const PERFTEST = { name: 'Mozperftest', symbol: 'perftest' };
const BUILD = { name: 'Build', symbol: 'B' };
const GTEST = { name: 'GTest', symbol: 'GTest' };

const TP5_PAGES = [
  '163.com',
  'amazon.com',
  'bbc.co.uk',
  'cnn.com',
  'ebay.com',
  'facebook.com',
  'google.com',
  'imdb.com',
  'reddit.com',
  'wikipedia.org',
  'youtube.com',
  'yahoo.co.jp',
];
const PAGELOAD = ['fcp', 'loadtime', 'largestContentfulPaint', 'dcf', 'fnbpaint', 'ContentfulSpeedIndex'];
const SP3 = [
  'TodoMVC-React',
  'TodoMVC-Vue',
  'TodoMVC-Angular',
  'TodoMVC-jQuery',
  'Editor-CodeMirror',
  'Editor-TipTap',
  'Charts-chartjs',
  'Charts-observable-plot',
  'NewsSite-Next',
  'NewsSite-Nuxt',
  'Perf-Dashboard',
  'React-Stockcharts-SVG',
];
const TAB_STAGES = [
  'Fresh start',
  'Fresh start [+30s]',
  'After tabs open',
  'After tabs open [+30s]',
  'Tabs closed',
  'Tabs closed [+30s]',
];

const talos = (label: string, symbol: string, suites: SuiteSpec[]): TaskSpec => ({
  framework: 'talos',
  label: `talos-${label}`,
  symbol,
  group: TALOS,
  runsOn: 'desktop',
  application: '',
  extraOptions: 'e10s stylo',
  replicates: true,
  suites,
});

const SITES: readonly [string, string, number][] = [
  ['amazon', 'amz', 620],
  ['google-search', 'gs', 410],
  ['wikipedia', 'wiki', 350],
  ['youtube', 'ytb', 980],
  ['instagram', 'ig', 1150],
  ['reddit', 'rdt', 870],
  ['bing-search', 'bing', 450],
  ['ebay', 'ebay', 760],
];

function browsertime(app: string, runsOn: 'desktop' | 'android'): TaskSpec[] {
  const pageloads = SITES.map(([site, symbol, base]) => ({
    framework: 'browsertime',
    label: `browsertime-tp6${runsOn === 'android' ? 'm' : ''}-${app}-${site}`,
    symbol,
    group: BTIME,
    runsOn,
    application: app,
    extraOptions: runsOn === 'android' ? 'cold webrender' : 'cold fission webrender',
    replicates: true,
    suites: [
      suite(site, base * (runsOn === 'android' ? 2.4 : 1), PAGELOAD, { noise: 0.04, tags: 'pageload cold' }),
    ],
  }));
  const speedometer: TaskSpec = {
    framework: 'browsertime',
    label: `browsertime-benchmark-${app}-speedometer3`,
    symbol: 'sp3',
    group: BTIME,
    runsOn,
    application: app,
    extraOptions: runsOn === 'android' ? 'webrender' : 'fission webrender',
    replicates: true,
    suites: [
      suite('speedometer3', runsOn === 'android' ? 6.2 : 24.5, SP3, {
        unit: 'score',
        lowerIsBetter: false,
        noise: 0.015,
        tags: 'benchmark',
        publicName: 'Speedometer 3',
      }),
    ],
  };
  return [...pageloads, speedometer];
}

const ALL_TASKS: readonly TaskSpec[] = [
  {
    framework: 'build_metrics',
    label: '',
    symbol: 'B',
    group: BUILD,
    runsOn: 'build',
    application: '',
    extraOptions: '',
    replicates: false,
    suites: [
      suite('installer size', 92_000_000, [], { unit: 'bytes', noise: 0.001 }),
      suite('compiler warnings', 3100, [], { unit: 'count', noise: 0.004 }),
      suite('build times', 1850, ['configure', 'compile', 'link'], { unit: 's', noise: 0.05 }),
    ],
  },
  talos('tp5o', 'tp5o', [suite('tp5o', 240, TP5_PAGES)]),
  talos('other', 'o', [suite('ts_paint', 320), suite('sessionrestore', 280), suite('tpaint', 210)]),
  ...browsertime('firefox', 'desktop'),
  {
    framework: 'awsy',
    label: 'awsy-base',
    symbol: 'ab',
    group: AWSY,
    runsOn: 'desktop',
    application: '',
    extraOptions: '',
    replicates: false,
    suites: [
      suite('Base Content Explicit', 9_500_000, [], { unit: 'bytes', noise: 0.01 }),
      suite('Base Content Heap Unclassified', 1_600_000, [], { unit: 'bytes', noise: 0.01 }),
      suite('Base Content JS', 3_600_000, [], { unit: 'bytes', noise: 0.008 }),
      suite('Base Content Resident Unique Memory', 8_100_000, [], { unit: 'bytes', noise: 0.01 }),
    ],
  },
  talos('svgr', 's', [
    suite('tsvgx', 180, [
      'hixie-001.xml',
      'hixie-002.xml',
      'hixie-003.xml',
      'hixie-007.xml',
      'composite-scale.svg',
      'rotate-scale.svg',
    ]),
    suite('tsvgr_opacity', 120, ['big-optimizable-group-opacity-2500.svg', 'small-group-opacity-2500.svg']),
  ]),
  talos('chrome', 'c', [
    suite('tart', 3.5, [
      'simple-open-DETAILS.half',
      'simple-close-DETAILS.half',
      'icon-open-DETAILS.half',
      'icon-close-DETAILS.half',
    ]),
    suite('cart', 20, [
      '1-customize-enter.all.TART',
      '2-customize-exit.all.TART',
      '3-customize-enter-css.all.TART',
    ]),
  ]),
  ...browsertime('fenix', 'android'),
  ...browsertime('chrome', 'desktop'),
  {
    framework: 'awsy',
    label: 'awsy-tp6',
    symbol: 'tp6',
    group: AWSY,
    runsOn: 'desktop',
    application: '',
    extraOptions: '',
    replicates: false,
    suites: [
      suite('Explicit Memory', 600_000_000, TAB_STAGES, { unit: 'bytes', noise: 0.01 }),
      suite('Heap Unclassified', 80_000_000, TAB_STAGES, { unit: 'bytes', noise: 0.02 }),
      suite('JS', 150_000_000, TAB_STAGES, { unit: 'bytes', noise: 0.01 }),
      suite('Resident Memory', 1_300_000_000, TAB_STAGES, { unit: 'bytes', noise: 0.015 }),
    ],
  },
  {
    framework: 'devtools',
    label: 'talos-damp-inspector',
    symbol: 'damp-i',
    group: TALOS,
    runsOn: 'desktop',
    application: '',
    extraOptions: 'e10s stylo',
    replicates: true,
    suites: [
      suite('damp', 310, [
        'custom.inspector.open.DAMP',
        'custom.inspector.reload.DAMP',
        'custom.inspector.close.DAMP',
        'custom.netmonitor.reload.DAMP',
        'simple.webconsole.open.DAMP',
        'simple.webconsole.reload.DAMP',
        'browser-toolbox.debugger-ready.DAMP',
        'custom.jsdebugger.pretty-print.DAMP',
      ]),
    ],
  },
  {
    framework: 'js-bench',
    label: 'jsshell-bench-octane',
    symbol: 'octane',
    group: JSBENCH,
    runsOn: 'desktop',
    application: '',
    extraOptions: '',
    replicates: false,
    suites: [
      suite(
        'octane',
        38_000,
        ['Richards', 'DeltaBlue', 'Crypto', 'RayTrace', 'EarleyBoyer', 'RegExp', 'Splay', 'NavierStokes'],
        {
          unit: 'score',
          lowerIsBetter: false,
          noise: 0.02,
        },
      ),
    ],
  },
  {
    framework: 'js-bench',
    label: 'jsshell-bench-ares6',
    symbol: 'ares6',
    group: JSBENCH,
    runsOn: 'desktop',
    application: '',
    extraOptions: '',
    replicates: false,
    suites: [suite('ares6', 42, ['Air', 'Basic', 'Babylon', 'ML'], { noise: 0.025 })],
  },
  ...browsertime('geckoview', 'android'),
  {
    framework: 'mozperftest',
    label: 'perftest-startup',
    symbol: 'startup',
    group: PERFTEST,
    runsOn: 'android',
    application: 'fenix',
    extraOptions: '',
    replicates: true,
    suites: [
      suite('applink-startup', 780, ['cold_view_nav_start', 'cold_main_first_frame'], { noise: 0.03 }),
    ],
  },
  {
    framework: 'platform_microbench',
    label: 'gtest-1proc',
    symbol: 'GTest',
    group: GTEST,
    runsOn: 'desktop',
    application: '',
    extraOptions: '',
    replicates: false,
    suites: [
      suite(
        'Stylo',
        12,
        [
          'Servo_StyleSheet_FromUTF8Bytes_Bench',
          'Gecko_nsCSSParser_ParseSheet_Bench',
          'Servo_CascadeRules_Bench',
        ],
        {
          noise: 0.05,
        },
      ),
    ],
  },
];

// Sizes take the first N tasks, so the head of the list spans every framework, desktop and Android.
const FIRST = [
  '',
  'talos-tp5o',
  'talos-other',
  'browsertime-tp6-firefox-amazon',
  'awsy-base',
  'browsertime-benchmark-firefox-speedometer3',
  'browsertime-tp6m-fenix-amazon',
  'talos-damp-inspector',
  'jsshell-bench-octane',
  'browsertime-tp6-firefox-google-search',
  'perftest-startup',
  'talos-svgr',
  'browsertime-benchmark-fenix-speedometer3',
  'talos-chrome',
  'awsy-tp6',
  'jsshell-bench-ares6',
  'gtest-1proc',
];

/** Every task the seed knows; the first ones cover every framework the seed uses. */
export const PERF_TASKS: readonly TaskSpec[] = [
  ...FIRST.map((label) => ALL_TASKS.find((t) => t.label === label) as TaskSpec),
  ...ALL_TASKS.filter((t) => !FIRST.includes(t.label)),
];
