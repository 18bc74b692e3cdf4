export {
  IngestError,
  IngestNoDataError,
  IngestOptionsError,
  IngestReplicaError,
  ingestErrorCodes,
} from './ingest-errors.ts';
export { formatIngestProgress, ingestProgressReporter } from './ingest-progress-reporter.ts';
export {
  type IngestOptions,
  type IngestProgress,
  type IngestResult,
  MAX_INGEST_DURATION_MS,
  MAX_INGEST_RATE,
  type ReplicaLag,
  runIngest,
} from './run-ingest.ts';
