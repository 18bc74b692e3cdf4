/** Client-side (socket, timeout) error codes node-postgres and Node surface for a broken connection. */
const CLIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATE classes the reference treats as operational (Django OperationalError). */
const SQLSTATE_CLASSES = new Set(['08', '40', '53', '54', '55', '57', '58', 'F0', 'HV']);

/**
 * node-postgres reports these without a code; each gets a stable name for the `exception_type` of the
 * fallback log line (first match wins).
 */
const CLIENT_MESSAGES: readonly (readonly [RegExp, string])[] = [
  [/^Connection terminated due to connection timeout/, 'connect_timeout'],
  [/^Connection terminated/, 'connection_terminated'],
  [/timeout exceeded when trying to connect/, 'pool_timeout'],
  [/Query read timeout/, 'query_timeout'],
  [/is not queryable/, 'client_not_queryable'],
];

function clientMessageType(message: string): string | undefined {
  return CLIENT_MESSAGES.find(([re]) => re.test(message))?.[1];
}

/**
 * Whether an error from a replica means "this replica cannot serve you now" (retry once on the
 * primary) rather than "this statement is wrong" (propagate). Includes 25006
 * read_only_sql_transaction: a statement the parser let through wrote after all.
 */
export function isFallbackError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (CLIENT_CODES.has(code)) return true;
    if (code === '25006') return true;
    if (/^[0-9A-Z]{5}$/.test(code) && SQLSTATE_CLASSES.has(code.slice(0, 2))) return true;
  }
  return clientMessageType(error.message) !== undefined;
}

/**
 * pg-pool's message when every connection of the pool stayed busy for `connectionTimeoutMillis`: the
 * replica is saturated, not unreachable. The statement falls back, but the replica is not ejected (that
 * would move all its reads onto the primary exactly when load is highest).
 */
const POOL_WAIT_TIMEOUT = /^timeout exceeded when trying to connect/;

/** Connection-class failures eject the replica (a statement timeout, a conflict or a full pool does not). */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (POOL_WAIT_TIMEOUT.test(error.message)) return false;
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    (CLIENT_CODES.has(code) ||
      code.startsWith('08') ||
      code === '57P01' ||
      code === '57P03' ||
      code === '53300')
  ) {
    return true;
  }
  return clientMessageType(error.message) !== undefined;
}

/**
 * SQLSTATE 40001 from a replica: a hot standby cancelled the statement for a conflict with recovery (replay
 * needed a lock it held, or removed rows its snapshot could still see). Outside a transaction the statement can
 * run again elsewhere unchanged; the replica itself is fine.
 */
export function isRecoveryConflict(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === '40001';
}

/** The `exception_type` of the fallback log line: the SQLSTATE or client code, else the class name. */
export function exceptionType(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    return clientMessageType(error.message) ?? (error.name || error.constructor.name);
  }
  return typeof error;
}
