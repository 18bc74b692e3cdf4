/** Named data-set sizes; see {@link SEED_SIZES} for what each holds. */
export type SeedSize = 'tiny' | 'small' | 'medium' | 'large';

/** The knobs a size turns. */
export interface SizeProfile {
  /** Pushes per repository name. */
  readonly pushes: Readonly<Record<string, number>>;
  /** How many of the catalog's test platforms (in catalog order). */
  readonly platforms: number;
  /** How many desktop platforms also run `pgo` besides `opt`. */
  readonly pgoPlatforms: number;
  /** Whether build tasks also run `debug`. */
  readonly debugBuilds: boolean;
  /** How many of the catalog's tasks (in catalog order). */
  readonly tasks: number;
  /** Cap on subtests per suite. */
  readonly maxSubtests: number;
  /** Chance that a task runs on a push, per repository name (sheriffs force runs around alerts). */
  readonly runProbability: Readonly<Record<string, number>>;
  /** Chance that a run is retriggered once more. */
  readonly retriggerProbability: number;
  /** Chance that a run of a replicate-keeping task stores its replicates. */
  readonly replicateProbability: number;
  /** Alert events per alerting repository: at least this many … */
  readonly minEvents: number;
  /** … and one per this many pushes. */
  readonly pushesPerEvent: number;
  /** Machines per test platform. */
  readonly machinesPerPlatform: number;
  /** Sheriffed talos summaries left untriaged on active repositories (the Alerts page's default view). */
  readonly untriagedTalos: number;
  /** Changelog entries over the last two months. */
  readonly changelogEntries: number;
}

const RUNS = {
  'mozilla-central': 1,
  autoland: 0.45,
  try: 0.3,
  'mozilla-beta': 0.8,
  'mozilla-release': 0.8,
  fenix: 0.7,
};

/**
 * The sizes. Datum counts (approximate for tiny and small, lower bounds for medium and large):
 * tiny a few hundred (tests), small about 50 000 (`npm start`), medium over 1 million, large over 2 million.
 */
export const SEED_SIZES: Readonly<Record<SeedSize, SizeProfile>> = {
  tiny: {
    pushes: { autoland: 12, 'mozilla-central': 6, try: 3, 'mozilla-beta': 4, 'mozilla-release': 3, fenix: 3 },
    platforms: 2,
    pgoPlatforms: 0,
    debugBuilds: false,
    tasks: 4,
    maxSubtests: 2,
    runProbability: { ...RUNS, autoland: 0.6, try: 0.5 },
    retriggerProbability: 0.05,
    replicateProbability: 0.15,
    minEvents: 5,
    pushesPerEvent: 40,
    machinesPerPlatform: 4,
    untriagedTalos: 3,
    changelogEntries: 5,
  },
  small: {
    pushes: {
      autoland: 320,
      'mozilla-central': 100,
      try: 80,
      'mozilla-beta': 70,
      'mozilla-release': 30,
      fenix: 20,
    },
    platforms: 4,
    pgoPlatforms: 0,
    debugBuilds: false,
    tasks: 10,
    maxSubtests: 4,
    runProbability: RUNS,
    retriggerProbability: 0.04,
    replicateProbability: 0.1,
    minEvents: 6,
    pushesPerEvent: 25,
    machinesPerPlatform: 20,
    untriagedTalos: 6,
    changelogEntries: 30,
  },
  medium: {
    pushes: {
      autoland: 2200,
      'mozilla-central': 450,
      try: 300,
      'mozilla-beta': 220,
      'mozilla-release': 80,
      fenix: 60,
    },
    platforms: 6,
    pgoPlatforms: 1,
    debugBuilds: true,
    tasks: 24,
    maxSubtests: 6,
    runProbability: { ...RUNS, autoland: 0.2 },
    retriggerProbability: 0.04,
    replicateProbability: 0.05,
    minEvents: 10,
    pushesPerEvent: 30,
    machinesPerPlatform: 60,
    untriagedTalos: 8,
    changelogEntries: 60,
  },
  large: {
    pushes: {
      autoland: 3000,
      'mozilla-central': 620,
      try: 400,
      'mozilla-beta': 300,
      'mozilla-release': 100,
      fenix: 80,
    },
    platforms: 8,
    pgoPlatforms: 2,
    debugBuilds: true,
    tasks: 30,
    maxSubtests: 6,
    runProbability: { ...RUNS, autoland: 0.2 },
    retriggerProbability: 0.04,
    replicateProbability: 0.05,
    minEvents: 10,
    pushesPerEvent: 30,
    machinesPerPlatform: 100,
    untriagedTalos: 8,
    changelogEntries: 60,
  },
};

/** Type guard for CLI input. */
export function isSeedSize(value: string): value is SeedSize {
  return Object.hasOwn(SEED_SIZES, value);
}
