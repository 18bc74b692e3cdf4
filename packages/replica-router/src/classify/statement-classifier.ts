import { loadModule } from 'libpg-query';
import { LRUCache } from 'lru-cache';
import type { Classification } from './classification.ts';
import { ClassifierNotLoadedError } from './classifier-not-loaded-error.ts';
import { classifyStatement } from './classify-statement.ts';
import { createFunctionPolicy, type FunctionPolicy } from './function-policy.ts';

/** Options of {@link createStatementClassifier}. */
export interface StatementClassifierOptions {
  /** Most classifications kept, by exact SQL text. Default 5000; 0 disables the cache. */
  readonly cacheSize?: number;
  /**
   * Functions, beyond the built-in set, that never write. Unqualified names match unqualified calls (and
   * `pg_catalog.` calls); a function called with another schema must be listed as `schema.name`.
   * Session-level advisory locks, `setseed` and `set_config` keep their verdict whatever this says.
   */
  readonly readOnlyFunctions?: Iterable<string>;
}

/**
 * Classifies SQL statements for routing. Synchronous and cached by exact SQL text in a bounded LRU.
 *
 * @example
 * ```ts
 * await loadClassifierParser();
 * const classifier = createStatementClassifier({ readOnlyFunctions: ['perf.score'] });
 * classifier.classify('SELECT perf.score(id) FROM performance_signature').verdict; // 'read'
 * classifier.classify('SELECT nextval($1)').verdict; // 'write'
 * ```
 */
export interface StatementClassifier {
  /**
   * Classifies one SQL string. Never throws for bad SQL (that is `unknown`); throws
   * {@link ClassifierNotLoadedError} if {@link loadClassifierParser} has not resolved yet.
   */
  classify(sql: string): Classification;
  /** Entries currently in the cache. */
  readonly cacheSize: number;
  /** Calls answered from the cache. */
  readonly cacheHits: number;
  /** Calls that parsed, including those whose SQL was too long to cache. */
  readonly cacheMisses: number;
}

const defaultCacheSize = 5000;
/** Longer SQL is classified but never cached: one huge statement must not evict thousands of small ones. */
const maxCachedSqlLength = 64 * 1024;
/**
 * Bound on the summed SQL length of all cached entries, so a flood of large distinct statements cannot grow
 * memory without limit even below the entry cap (5000 entries × 64 KiB would be 320 MiB).
 */
const maxCachedTotalSqlLength = 8 * 1024 * 1024;
/** Rough per-entry cost beyond the SQL text (entry, classification object), in the same unit. */
const entryOverhead = 128;

// The WebAssembly parser is one per process, so whether it is loaded is process state too.
let parserLoaded = false;
let parserLoading: Promise<void> | undefined;

/**
 * Loads the PostgreSQL parser (WebAssembly). Call once at start-up before classifying; idempotent and safe to
 * call concurrently. A failed load can be retried.
 */
export function loadClassifierParser(): Promise<void> {
  parserLoading ??= loadModule().then(
    () => {
      parserLoaded = true;
    },
    (error: unknown) => {
      parserLoading = undefined;
      throw error;
    },
  );
  return parserLoading;
}

/**
 * Creates a classifier with its own cache and function policy.
 *
 * @throws RangeError when `cacheSize` is not a non-negative integer.
 */
export function createStatementClassifier(options: StatementClassifierOptions = {}): StatementClassifier {
  const cacheSize = options.cacheSize ?? defaultCacheSize;
  if (!Number.isSafeInteger(cacheSize) || cacheSize < 0) {
    throw new RangeError(`cacheSize must be a non-negative integer, got ${String(options.cacheSize)}`);
  }
  return new CachedStatementClassifier(cacheSize, createFunctionPolicy(options.readOnlyFunctions));
}

class CachedStatementClassifier implements StatementClassifier {
  readonly #cache: LRUCache<string, Classification> | undefined;
  readonly #policy: FunctionPolicy;
  #hits = 0;
  #misses = 0;

  constructor(cacheSize: number, policy: FunctionPolicy) {
    this.#policy = policy;
    this.#cache =
      cacheSize === 0
        ? undefined
        : new LRUCache<string, Classification>({
            max: cacheSize,
            maxSize: maxCachedTotalSqlLength,
            sizeCalculation: (_value, sql) => sql.length + entryOverhead,
          });
  }

  get cacheSize(): number {
    return this.#cache?.size ?? 0;
  }

  get cacheHits(): number {
    return this.#hits;
  }

  get cacheMisses(): number {
    return this.#misses;
  }

  classify(sql: string): Classification {
    if (!parserLoaded) throw new ClassifierNotLoadedError();
    const cacheable = this.#cache !== undefined && sql.length <= maxCachedSqlLength;
    if (cacheable) {
      const cached = this.#cache?.get(sql);
      if (cached !== undefined) {
        this.#hits++;
        return cached;
      }
    }
    this.#misses++;
    const result = classifyStatement(sql, this.#policy);
    if (cacheable) this.#cache?.set(sql, result);
    return result;
  }
}
