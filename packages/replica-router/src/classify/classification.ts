/**
 * What the router may do with a statement.
 *
 * - `read`: provably read-only, may run on a replica.
 * - `write`: modifies data, takes row or table locks, or calls a function not known to be read-only.
 * - `begin`: `BEGIN` / `START TRANSACTION`.
 * - `end`: `COMMIT` / `ROLLBACK` / `END` / `ABORT` / `PREPARE TRANSACTION` / `COMMIT PREPARED` /
 *   `ROLLBACK PREPARED` (not `ROLLBACK TO SAVEPOINT`, which keeps the transaction open).
 * - `session`: creates session state that pins the client to the primary for its lifetime.
 * - `unknown`: parse error, empty, multi-statement, or a statement kind we do not know; goes to the primary.
 */
export type StatementVerdict = 'read' | 'write' | 'begin' | 'end' | 'session' | 'unknown';

/**
 * The classifier's answer for one SQL string. Instances returned by the classifier are frozen and may be
 * shared between callers (the cache hands out the same object for the same SQL text).
 *
 * @example
 * ```ts
 * const c = classifier.classify('SELECT * FROM performance_datum FOR UPDATE');
 * // { verdict: 'write', tables: ['performance_datum'], detail: 'FOR UPDATE' }
 * ```
 */
export interface Classification {
  readonly verdict: StatementVerdict;
  /**
   * Relations the statement reads or writes, in first-seen order without duplicates: `schema.name` when
   * schema-qualified, else `name`. Names are as the server resolves them: unquoted identifiers lower-cased by
   * the parser, quoted identifiers with their case kept. CTE names are not relations.
   */
  readonly tables: readonly string[];
  /** A short human reason, e.g. `writable CTE`, `FOR NO KEY UPDATE`, `parse error`, `multiple statements`. */
  readonly detail: string;
  /** Only for `begin`: true when the transaction was declared `READ ONLY`. */
  readonly readOnly?: boolean;
}
