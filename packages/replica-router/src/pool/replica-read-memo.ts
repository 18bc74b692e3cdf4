import type { LatencyWindow } from '../hedge/latency-window.ts';

/** SQL texts longer than this are never kept (so the memo holds at most about 2 MB of text). */
const MAX_SQL_LENGTH = 2000;

/** How many texts a memo holds at most by default (a pool's holds fewer when its classifier's cache is smaller). */
export const READ_MEMO_SIZE = 1000;

/** What the memo keeps of a text. */
interface ReadMemoEntry {
  /** Its hedge latency window, once the hedger has one. */
  shape: LatencyWindow | undefined;
}

/**
 * Statement texts already found to be replica reads (verdict `read`, every table on the allow-list). That is a
 * function of the text and of the pool's configuration alone, so a text seen again in an opted-in scope can skip
 * the classifier and the router: one map lookup instead of a cache lookup and the table checks, which were most of
 * the cost of deciding (docs/routing.md, "The replica-read memo"). What it never stands for is the request's own
 * state, which the dispatcher checks for every statement. Bounded: emptied when full, a text still in use coming
 * back at its next call.
 */
export class ReplicaReadMemo {
  readonly #entries = new Map<string, ReadMemoEntry>();
  readonly #max: number;

  /** `max`: most texts held (0: none). */
  constructor(max: number = READ_MEMO_SIZE) {
    this.#max = max;
  }

  /** Whether `sql` is known to be a replica read. */
  has(sql: string): boolean {
    return this.#entries.has(sql);
  }

  /**
   * The text's hedge latency window: for a text held here, the one it keeps once the hedger has one (looked up once
   * instead of at every hedged read); else the hedger's.
   */
  shapeOf(
    sql: string,
    hedger: { shapeOf(sql: string): LatencyWindow | undefined },
  ): LatencyWindow | undefined {
    const entry = this.#entries.get(sql);
    if (!entry) return hedger.shapeOf(sql);
    entry.shape ??= hedger.shapeOf(sql);
    return entry.shape;
  }

  /** Records that `sql` is a replica read (too long a text, or a memo of size 0, keeps nothing). */
  remember(sql: string): void {
    if (sql.length > MAX_SQL_LENGTH || this.#max === 0) return;
    if (this.#entries.size >= this.#max) this.#entries.clear();
    this.#entries.set(sql, { shape: undefined });
  }

  /** Texts held now. */
  get size(): number {
    return this.#entries.size;
  }
}
