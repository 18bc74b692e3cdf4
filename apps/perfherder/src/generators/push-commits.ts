import { commitAuthor } from './people.ts';
import type { Random } from './random.ts';

/** One changeset of a push. */
export interface GeneratedCommit {
  readonly revision: string;
  readonly author: string;
  readonly comments: string;
}

const AREAS = [
  'DOM',
  'Layout',
  'Graphics',
  'JavaScript Engine',
  'Networking',
  'Storage',
  'WebRTC',
  'Performance',
  'Toolkit',
  'Widget',
] as const;
const VERBS = [
  'Speed up',
  'Avoid',
  'Cache',
  'Refactor',
  'Fix',
  'Reduce',
  'Remove',
  'Simplify',
  'Inline',
  'Batch',
];
const THINGS = [
  'style recalculation on attribute changes',
  'the display list build for sticky frames',
  'redundant layer invalidations',
  'string copies in the URL parser',
  'GC pressure from temporary arrays',
  'main-thread IO during startup',
  'lock contention in the cache index',
  'shader compilation on first paint',
  'allocation churn in the tokenizer',
  'an extra reflow when fonts load',
];
const REVIEWERS = ['emilio', 'jandem', 'smaug', 'jrmuizel', 'valentin', 'mstange', 'florian', 'nical'];
const TRY_SYNTAX = ['talos', 'browsertime', 'awsy', 'perftest'];

/**
 * The changesets of one push, oldest first; the last one is the tip and has the push's revision (the
 * push API and the `commit_revision` lookup rely on it). One to six commits with `Bug N - … r=…`
 * messages by the pusher; a try push ends with the `try_task_config` commit the try server adds, so it
 * always has at least two (PerfCompare shows the one before it).
 *
 * @example
 * const commits = generatePushCommits(random, { revision, author: 'alex.smith@mozilla.com', isTry: false });
 * commits.at(-1)?.revision === revision; // true
 */
export function generatePushCommits(
  random: Random,
  push: { readonly revision: string; readonly author: string; readonly isTry: boolean },
): GeneratedCommit[] {
  const author = commitAuthor(push.author);
  const count = random.weighted([
    [1, 5],
    [2, 3],
    [3, 2],
    [4, 1],
    [6, 1],
  ] as const);
  const bug = random.int(1_850_000, 1_990_000);
  const area = random.pick(AREAS);
  const commits: GeneratedCommit[] = [];
  for (let part = 1; part <= count; part++) {
    const what = `${random.pick(VERBS)} ${random.pick(THINGS)}`;
    const title = count === 1 ? `Bug ${bug} - ${what}` : `Bug ${bug} - Part ${part}: ${what}`;
    commits.push({
      revision: random.hex(40),
      author,
      comments: `${title} r=${random.pick(REVIEWERS)}\n\n${area}: ${what}.\n\nDifferential Revision: https://phabricator.services.mozilla.com/D${random.int(180_000, 260_000)}`,
    });
  }
  if (push.isTry) {
    commits.push({
      revision: random.hex(40),
      author,
      comments: `try_task_config for https://phabricator.services.mozilla.com/D${random.int(180_000, 260_000)}\nmach try auto --${random.pick(TRY_SYNTAX)}`,
    });
  }
  const tip = commits.length - 1;
  commits[tip] = { ...(commits[tip] as GeneratedCommit), revision: push.revision };
  return commits;
}
