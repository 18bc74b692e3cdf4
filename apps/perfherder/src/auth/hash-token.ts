import { createHash } from 'node:crypto';

/** SHA-256 of a plain API token: the only form in which a token is stored or looked up. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
