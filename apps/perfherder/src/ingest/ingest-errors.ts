/**
 * Errors of the ingestion worker. Each has a stable `code`; messages never hold the connection string.
 * (They live here rather than in `db/errors.ts` so the worker stays one self-contained folder.)
 */

/** Stable codes of the ingestion errors. */
export const ingestErrorCodes = {
  replica: 'PH_ERR_INGEST_REPLICA',
  noData: 'PH_ERR_INGEST_NO_DATA',
  options: 'PH_ERR_INGEST_OPTIONS',
} as const;

/** One of {@link ingestErrorCodes}. */
export type IngestErrorCode = (typeof ingestErrorCodes)[keyof typeof ingestErrorCodes];

/** Base class of the ingestion errors. */
export class IngestError extends Error {
  readonly code: IngestErrorCode;

  constructor(code: IngestErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The worker was pointed at a server in recovery (a read replica); ingestion only writes to the primary. */
export class IngestReplicaError extends IngestError {
  constructor() {
    super(
      ingestErrorCodes.replica,
      'refusing to ingest: the server is in recovery (a read replica); point the worker at the primary',
    );
  }
}

/** The database has no signatures to write datums for: seed it first. */
export class IngestNoDataError extends IngestError {
  constructor() {
    super(
      ingestErrorCodes.noData,
      'nothing to ingest into: no performance signatures yet; seed the database first (npm run db:seed)',
    );
  }
}

/** A rate or duration outside the accepted range. */
export class IngestOptionsError extends IngestError {
  constructor(message: string) {
    super(ingestErrorCodes.options, message);
  }
}
