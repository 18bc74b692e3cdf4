import type pg from 'pg';

type Callback = (err: Error | null, result?: pg.QueryResult) => void;

/** pg's `query(...)` arguments in one shape. */
export interface QueryArgs {
  readonly config: pg.QueryConfig | string;
  readonly values: unknown[] | undefined;
  readonly callback: Callback | undefined;
  readonly sql: string;
  /** A Submittable (pg.Query, pg-cursor, pg-query-stream): passed through to the primary as is. */
  readonly submittable: unknown;
}

/**
 * Accepts every form node-postgres accepts: `(text)`, `(text, values)`, `(text, cb)`, `(text, values, cb)`,
 * `(config)`, `(config, values)`, `(config, cb)`, and a Submittable.
 */
export function normalizeQueryArgs(args: unknown[]): QueryArgs {
  const [first, second, third] = args;
  if (first && typeof first === 'object' && typeof (first as { submit?: unknown }).submit === 'function') {
    const text = (first as { text?: unknown }).text;
    return {
      config: '',
      values: undefined,
      callback: undefined,
      sql: typeof text === 'string' ? text : '',
      submittable: first,
    };
  }
  if (typeof first !== 'string' && (typeof first !== 'object' || first === null)) {
    throw new TypeError('Client was passed a null or undefined query');
  }
  const config = first as pg.QueryConfig | string;
  let values: unknown[] | undefined;
  let callback: Callback | undefined;
  if (typeof second === 'function') callback = second as Callback;
  else {
    values = second as unknown[] | undefined;
    if (typeof third === 'function') callback = third as Callback;
  }
  if (typeof config === 'object' && typeof (config as { callback?: unknown }).callback === 'function') {
    callback ??= (config as unknown as { callback: Callback }).callback;
  }
  return {
    config,
    values,
    callback,
    sql: typeof config === 'string' ? config : (config.text ?? ''),
    submittable: undefined,
  };
}

/** Promise in, pg's dual promise/callback out. */
export function settle(
  promise: Promise<pg.QueryResult>,
  callback: Callback | undefined,
): Promise<pg.QueryResult> | undefined {
  if (!callback) return promise;
  promise.then(
    (result) => callback(null, result),
    (error: Error) => callback(error),
  );
  return undefined;
}
