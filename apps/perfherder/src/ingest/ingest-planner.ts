import { AUTHORS } from '../generators/people.ts';
import { type GeneratedCommit, generatePushCommits } from '../generators/push-commits.ts';
import type { Random } from '../generators/random.ts';
import type { IngestWorld, RepositoryRef, SeriesRef, TaskUnit } from './ingest-world.ts';

/** A push being filled with job results; `id` is set once the writer has inserted it. */
export interface PlannedPush {
  id: number | null;
  readonly repositoryId: number;
  readonly revision: string;
  readonly author: string;
  /** Unix seconds. */
  readonly time: number;
  /** Its changesets, oldest first; the last is the tip (`revision`). */
  readonly commits: readonly GeneratedCommit[];
}

/** One task run: a job on a push and the datums it reported. */
export interface PlannedRun {
  readonly push: PlannedPush;
  readonly unit: TaskUnit;
  /** Null when the database has no job to imitate. */
  readonly job: {
    readonly guid: string;
    readonly taskId: string;
    readonly retryId: number;
    readonly machineId: number;
    readonly result: string;
    /** Unix seconds. */
    readonly submitTime: number;
    readonly startTime: number;
    readonly endTime: number;
  } | null;
  readonly values: readonly { readonly series: SeriesRef; readonly value: number }[];
}

/** What one tick writes. */
export interface PlannedBatch {
  readonly newPushes: readonly PlannedPush[];
  readonly runs: readonly PlannedRun[];
  readonly datums: number;
}

interface PushState {
  readonly push: PlannedPush;
  /** Tasks still to run on this push; a new push comes when it is empty. */
  readonly queue: TaskUnit[];
}

function round(value: number): number {
  return value >= 100_000 ? Math.round(value) : Math.round(value * 100) / 100;
}

/**
 * Decides, tick by tick, what the ingestion writes: it picks a repository (weighted by its push history,
 * so autoland gets most), runs a share of that repository's tasks on its current push, and opens a new
 * push (fresh 40-hex revision, time now, commits from the seeder's generator) once they have all reported. Values follow each series' level
 * with a few percent of noise and an occasional small step, like the seeded history.
 */
export class IngestPlanner {
  readonly #random: Random;
  readonly #repositories: readonly RepositoryRef[];
  readonly #weights: readonly (readonly [RepositoryRef, number])[];
  readonly #current = new Map<number, PushState>();
  readonly #levels = new Map<number, number>();

  constructor(world: IngestWorld, random: Random) {
    this.#random = random;
    this.#repositories = world.repositories;
    this.#weights = world.repositories.map((r) => [r, r.weight] as const);
  }

  /** Plans runs until at least `datums` datums (a run writes all series of its task, so it may overshoot). */
  plan(datums: number, nowSeconds: number): PlannedBatch {
    const newPushes: PlannedPush[] = [];
    const runs: PlannedRun[] = [];
    let planned = 0;
    while (planned < datums && this.#repositories.length > 0) {
      const repository = this.#random.weighted(this.#weights);
      let state = this.#current.get(repository.id);
      if (!state || state.queue.length === 0) {
        state = this.#newPush(repository, nowSeconds);
        this.#current.set(repository.id, state);
        newPushes.push(state.push);
      }
      const unit = state.queue.pop() as TaskUnit;
      const run = this.#run(state.push, unit, nowSeconds);
      runs.push(run);
      planned += run.values.length;
    }
    return { newPushes, runs, datums: planned };
  }

  #newPush(repository: RepositoryRef, nowSeconds: number): PushState {
    const random = this.#random;
    const share = Math.max(1, Math.ceil(repository.units.length * (0.3 + 0.7 * random.float())));
    const revision = random.hex(40);
    const author = random.pick(AUTHORS);
    return {
      push: {
        id: null,
        repositoryId: repository.id,
        revision,
        author,
        time: nowSeconds,
        commits: generatePushCommits(random, { revision, author, isTry: repository.isTry }),
      },
      queue: random.sample(repository.units, share),
    };
  }

  #run(push: PlannedPush, unit: TaskUnit, nowSeconds: number): PlannedRun {
    const random = this.#random;
    let job: PlannedRun['job'] = null;
    if (unit.job) {
      const taskId = random.slug();
      const retryId = random.chance(0.03) ? 1 : 0;
      job = {
        guid: `${taskId}/${retryId}`,
        taskId,
        retryId,
        machineId: random.pick(unit.job.machineIds),
        result: random.chance(0.04) ? 'testfailed' : 'success',
        submitTime: push.time,
        startTime: push.time,
        endTime: nowSeconds,
      };
    }
    const values = unit.series.map((series) => {
      let level = this.#levels.get(series.signatureId) ?? series.level;
      if (random.chance(0.002)) level *= random.chance(0.5) ? 1.08 : 0.93;
      this.#levels.set(series.signatureId, level);
      return { series, value: round(level * (1 + 0.03 * random.normal())) };
    });
    return { push, unit, job, values };
  }
}
