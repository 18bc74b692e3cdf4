/**
 * Entry point of `npm run ingest -- --rate <datums/s> --duration <s>`. Ctrl-C stops the run cleanly (the
 * current batch commits, the summary prints); a second Ctrl-C exits at once.
 */
import { ingestProgram } from './ingest-program.ts';

const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort();
});

try {
  await ingestProgram(
    process.env,
    { out: (line) => process.stdout.write(`${line}\n`), progress: process.stderr },
    controller.signal,
  ).parseAsync(process.argv);
} catch (error) {
  if (error instanceof Error && 'code' in error) {
    process.stderr.write(`error ${String(error.code)}: ${error.message}\n`);
  } else process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
