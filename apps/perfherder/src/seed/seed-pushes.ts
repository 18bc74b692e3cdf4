import { AUTHORS } from '../generators/people.ts';
import { type GeneratedCommit, generatePushCommits } from '../generators/push-commits.ts';
import type { Random } from '../generators/random.ts';
import type { RowSink } from './bulk-writer.ts';
import type { SizeProfile } from './seed-size.ts';
import type { RepoRef } from './seed-world.ts';

/** A push row, kept in memory because every job, datum and summary points at one. */
export interface PushRef {
  readonly id: number;
  /** Position in its repository, oldest first. */
  readonly index: number;
  readonly revision: string;
  readonly author: string;
  /** Unix seconds. */
  readonly time: number;
}

/** How far back the data goes. */
export const HISTORY_SECONDS = 182 * 86_400;
/** Each repository's newest push landed within this long before the seed's end time. */
export const NEWEST_PUSH_MAX_AGE_SECONDS = 3 * 3600;

// mozilla-central receives merges of autoland: its pushes reuse autoland revisions a few hours later,
// which also gives the data revisions that exist in two repositories.
const MERGE_SOURCE: Readonly<Record<string, string>> = { 'mozilla-central': 'autoland' };

type Planned = Omit<PushRef, 'id' | 'index'> & { readonly commits: readonly GeneratedCommit[] };

/**
 * A push's age: denser towards the end time (the square of a uniform draw), as a busy tree looks in the
 * views that start from "now" (graphs default to 14 days, PerfCompare to one day), while the history
 * still reaches back six months. The newest push is always within {@link NEWEST_PUSH_MAX_AGE_SECONDS}.
 */
function age(random: Random): number {
  return Math.floor(random.float() ** 2 * HISTORY_SECONDS);
}

function plan(
  random: Random,
  repo: RepoRef,
  count: number,
  endTime: number,
  source: readonly Planned[] | undefined,
): Planned[] {
  if (source && source.length >= count) {
    const step = source.length / count;
    return Array.from({ length: count }, (_, i) => {
      // Disjoint integer ranges per merge (step ≥ 1), so no autoland push is merged twice; the last merge
      // takes the newest autoland push, so the merge target is as fresh as its source.
      const last = i === count - 1;
      const at = last ? source.length - 1 : random.int(Math.floor(i * step), Math.floor((i + 1) * step) - 1);
      const from = source[at] as Planned;
      return {
        revision: from.revision,
        author: from.author,
        time: Math.min(endTime - 60, from.time + random.int(last ? 60 : 3600, last ? 1800 : 8 * 3600)),
        commits: from.commits,
      };
    });
  }
  const planned = Array.from({ length: count }, (_, i) => {
    const revision = random.hex(40);
    const author = random.pick(AUTHORS);
    const time = i === 0 ? endTime - random.int(60, NEWEST_PUSH_MAX_AGE_SECONDS) : endTime - age(random);
    return {
      revision,
      author,
      time,
      commits: generatePushCommits(random, { revision, author, isTry: repo.spec.isTry }),
    };
  });
  return planned;
}

/**
 * Creates each repository's pushes (with their commits) over the last six months up to `endTime`, and
 * returns them per repository id, oldest first. Push ids follow repository order, then time.
 */
export function buildPushes(
  sink: RowSink,
  random: Random,
  profile: SizeProfile,
  repos: readonly RepoRef[],
  endTime: number,
): Map<number, PushRef[]> {
  const planned = new Map<string, Planned[]>();
  // Merge sources first, so a merge target can reuse their revisions.
  const sourcesFirst = [...repos].sort(
    (a, b) => Number(a.spec.name in MERGE_SOURCE) - Number(b.spec.name in MERGE_SOURCE),
  );
  for (const repo of sourcesFirst) {
    const source = planned.get(MERGE_SOURCE[repo.spec.name] ?? '');
    const rows = plan(random, repo, profile.pushes[repo.spec.name] ?? 0, endTime, source).sort(
      (a, b) => a.time - b.time,
    );
    planned.set(repo.spec.name, rows);
  }
  const byRepo = new Map<number, PushRef[]>();
  let nextId = 0;
  let commitId = 0;
  for (const repo of repos) {
    const pushes = (planned.get(repo.spec.name) ?? []).map((r, index): PushRef => {
      nextId += 1;
      sink.add('push', [nextId, repo.id, r.revision, r.author, r.time]);
      for (const c of r.commits) {
        commitId += 1;
        sink.add('commit', [commitId, nextId, c.revision, c.author, c.comments]);
      }
      return { id: nextId, index, revision: r.revision, author: r.author, time: r.time };
    });
    byRepo.set(repo.id, pushes);
  }
  return byRepo;
}
