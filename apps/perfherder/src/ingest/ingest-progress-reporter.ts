import type { IngestProgress } from './run-ingest.ts';

/** Receives ingestion progress and renders it; `stop()` once the run ends. */
export interface IngestProgressReporter {
  readonly update: (progress: IngestProgress) => void;
  stop(): void;
}

function bytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} kB`;
  return `${Math.round(n)} B`;
}

/** One status line: datums, achieved rate, primary WAL rate and each replica's lag. */
export function formatIngestProgress(p: IngestProgress): string {
  const lag =
    p.replicas.length === 0
      ? 'replica lag n/a'
      : p.replicas
          .map(
            (r) =>
              `${r.name} lag ${r.lagBytes === null ? '?' : bytes(r.lagBytes)}` +
              (r.lagMillis === null ? '' : ` / ${Math.round(r.lagMillis)} ms`),
          )
          .join(', ');
  return (
    `ingest ${(p.elapsedMs / 1000).toFixed(0)} s: ${p.datums} datums (${p.achievedRate.toFixed(0)}/s), ` +
    `${p.jobs} jobs, ${p.pushes} pushes | primary WAL ${bytes(p.walBytesPerSecond)}/s | ${lag}`
  );
}

/**
 * On a terminal, one line rewritten in place at every report; otherwise a plain line every
 * `intervalMillis` (default 5 s), so logs of unattended runs stay short.
 */
export function ingestProgressReporter(
  stream: { isTTY?: boolean; write(chunk: string): unknown },
  intervalMillis = 5000,
): IngestProgressReporter {
  if (stream.isTTY) {
    let drawn = false;
    return {
      update: (p) => {
        stream.write(`\r\x1b[2K${formatIngestProgress(p)}`);
        drawn = true;
      },
      stop: () => {
        if (drawn) stream.write('\n');
      },
    };
  }
  let last = Number.NEGATIVE_INFINITY;
  return {
    update: (p) => {
      if (p.elapsedMs - last < intervalMillis) return;
      last = p.elapsedMs;
      stream.write(`${formatIngestProgress(p)}\n`);
    },
    stop: () => {},
  };
}
