import type { Random } from './random.ts';

/** One entry of Treeherder's changelog (what its GitHub collector writes) with its file names. */
export interface GeneratedChangelogEntry {
  readonly remoteId: string;
  readonly type: 'commit' | 'release';
  /** Unix seconds. */
  readonly date: number;
  readonly author: string;
  readonly owner: string;
  readonly project: string;
  readonly projectUrl: string;
  readonly message: string;
  readonly description: string;
  readonly url: string;
  readonly files: readonly string[];
}

const PROJECTS = [
  ['mozilla', 'gecko-dev'],
  ['mozilla-releng', 'scriptworker'],
  ['taskcluster', 'taskcluster'],
  ['mozilla', 'treeherder'],
] as const;
const AUTHORS = ['tarek', 'ahal', 'jmaher', 'sparky', 'beatrice', 'kimberlythegeek'];
const CHANGES = [
  'Update the talos pageset to the 2026 recording',
  'Move Windows perf tests to the new hardware pool',
  'Bump geckodriver used by browsertime',
  'Switch Android perf tests to the A55 devices',
  'Enable Fission for raptor desktop tests',
  'Change the default alert threshold for awsy',
];
const FILES = [
  'taskcluster/ci/test/talos.yml',
  'testing/raptor/raptor/raptor.py',
  'testing/talos/talos.json',
  'python/mozperftest/perfdocs/config.yml',
  'taskcluster/kinds/perftest/kind.yml',
  'testing/performance/hooks.py',
];

/**
 * `count` changelog entries spread over the `spanSeconds` before `endTime` (oldest first): infra and
 * harness changes that explain a step in the graphs (the graphs page draws them as bars).
 */
export function generateChangelogEntries(
  random: Random,
  count: number,
  endTime: number,
  spanSeconds: number,
): GeneratedChangelogEntry[] {
  const entries: GeneratedChangelogEntry[] = [];
  for (let i = 0; i < count; i++) {
    const [owner, project] = random.pick(PROJECTS);
    const release = random.chance(0.2);
    const remoteId = release
      ? `v${random.int(1, 30)}.${random.int(0, 9)}.${random.int(0, 9)}`
      : random.hex(40);
    const description = random.pick(CHANGES);
    entries.push({
      remoteId,
      type: release ? 'release' : 'commit',
      date: endTime - Math.floor(random.float() * spanSeconds),
      author: random.pick(AUTHORS),
      owner,
      project,
      projectUrl: `https://github.com/${owner}/${project}`,
      message: release ? `Release ${remoteId}` : `${description} (#${random.int(1000, 9000)})`,
      description,
      url: release
        ? `https://github.com/${owner}/${project}/releases/tag/${remoteId}`
        : `https://github.com/${owner}/${project}/commit/${remoteId}`,
      files: random.sample(FILES, random.int(1, 3)),
    });
  }
  return entries.sort((a, b) => a.date - b.date);
}
