/**
 * `npm start` with the dev cluster in another folder (argv[2]), for bench/service-start.ts: the same
 * configuration and start-up as apps/perfherder/src/main.ts, so the timings are the ones a developer sees.
 */
import { readServiceConfig } from '../../apps/perfherder/src/config/service-config.ts';
import { startService } from '../../apps/perfherder/src/server.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: service-child.ts <cluster folder>');
const service = await startService(
  readServiceConfig(process.env),
  (line) => process.stdout.write(`${line}\n`),
  {
    dataDir,
  },
);
process.once('SIGINT', () => {
  service.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
