import type { RowSink } from './bulk-writer.ts';
import { AUTHORS } from './catalog.ts';
import type { Random } from './random.ts';
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

// mozilla-central receives merges of autoland: its pushes reuse autoland revisions a few hours later,
// which also gives the data revisions that exist in two repositories.
const MERGE_SOURCE: Readonly<Record<string, string>> = { 'mozilla-central': 'autoland' };

type Planned = Omit<PushRef, 'id' | 'index'>;

function plan(
  random: Random,
  count: number,
  endTime: number,
  source: readonly PushRef[] | undefined,
): Planned[] {
  if (source && source.length >= count) {
    const step = source.length / count;
    return Array.from({ length: count }, (_, i) => {
      // Disjoint integer ranges per merge (step ≥ 1), so no autoland push is merged twice.
      const from = source[random.int(Math.floor(i * step), Math.floor((i + 1) * step) - 1)] as PushRef;
      return {
        revision: from.revision,
        author: from.author,
        time: Math.min(endTime - 60, from.time + random.int(3600, 8 * 3600)),
      };
    });
  }
  return Array.from({ length: count }, () => ({
    revision: random.hex(40),
    author: random.pick(AUTHORS),
    time: Math.floor(endTime - random.float() * HISTORY_SECONDS),
  }));
}

/**
 * Creates each repository's pushes over the last six months and returns them per repository id,
 * oldest first. Push ids follow repository order, then time.
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
  const byName = new Map<string, PushRef[]>();
  for (const repo of sourcesFirst) {
    const source = byName.get(MERGE_SOURCE[repo.spec.name] ?? '');
    const rows = plan(random, profile.pushes[repo.spec.name] ?? 0, endTime, source).sort(
      (a, b) => a.time - b.time,
    );
    planned.set(repo.spec.name, rows);
    byName.set(
      repo.spec.name,
      rows.map((r, index) => ({ ...r, index, id: 0 })),
    );
  }
  const byRepo = new Map<number, PushRef[]>();
  let nextId = 0;
  for (const repo of repos) {
    const pushes = (planned.get(repo.spec.name) ?? []).map((r, index): PushRef => {
      nextId += 1;
      sink.add('push', [nextId, repo.id, r.revision, r.author, r.time]);
      return { ...r, index, id: nextId };
    });
    byRepo.set(repo.id, pushes);
  }
  return byRepo;
}
