import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The causal-token secret `npm start` keeps in `.data/` when `READ_REPLICA_TOKEN_SECRET` is not set: read if
 * the file exists, else 32 random bytes (base64url) written with mode 0600, so tokens survive a restart of this
 * instance. Several instances behind one load balancer need one secret in the environment instead.
 */
export function tokenSecretFromFile(path: string): { readonly secret: string; readonly created: boolean } {
  try {
    const secret = readFileSync(path, 'utf8').trim();
    // Someone loosened it (or an older copy): only the owner may read a signing key.
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    if (secret.length >= 32) return { secret, created: false };
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { secret, created: true };
}
