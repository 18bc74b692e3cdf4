import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * `prisma generate` for `schema`, offline. Prisma's CLI insists on its schema engine binary, which it
 * downloads from its own server (unreachable here) although generating a client never runs it:
 * PRISMA_SCHEMA_ENGINE_BINARY points at a stand-in that fails loudly if anything does run it.
 * CHECKPOINT_DISABLE stops the update check. Used by the Prisma tests and by bench/peers.ts.
 */
export function generatePrismaClient(schema: string): void {
  const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');
  execFileSync(process.execPath, [cli, 'generate', '--schema', schema], {
    env: {
      ...process.env,
      CHECKPOINT_DISABLE: '1',
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      PRISMA_SCHEMA_ENGINE_BINARY: join(import.meta.dirname, '..', 'prisma', 'no-schema-engine'),
    },
    stdio: 'pipe', // the error thrown on failure carries Prisma's output
  });
}
