import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/queryable.ts';
import { hashToken } from './hash-token.ts';

/** Every token starts with this, so a leaked one is easy to recognise (and to scan for). */
export const TOKEN_PREFIX = 'phb_';

// Enough of the token to tell tokens apart in a listing, far too little to guess the rest.
const DISPLAY_PREFIX_LENGTH = TOKEN_PREFIX.length + 6;

/**
 * Creates an API token for a user and returns it in plain text. This is the only time the plain token
 * exists: the database keeps its SHA-256 and a short display prefix, so a lost token cannot be shown
 * again, only replaced.
 *
 * The token is `phb_` followed by 32 random bytes in base64url (43 characters).
 *
 * @example
 * const token = await issueToken(pool, sheriff.id);
 * // send `Authorization: Bearer ${token}`
 */
export async function issueToken(db: Queryable, userId: number): Promise<string> {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  await db.query('INSERT INTO auth_token (user_id, token_hash, prefix) VALUES ($1, $2, $3)', [
    userId,
    hashToken(token),
    token.slice(0, DISPLAY_PREFIX_LENGTH),
  ]);
  return token;
}
