import type { Queryable } from '../db/queryable.ts';
import type { AuthUser } from './auth-user.ts';
import { hashToken } from './hash-token.ts';
import { TOKEN_PREFIX } from './issue-token.ts';
import { toAuthUser, USER_COLUMNS } from './user-row.ts';

// phb_ + base64url of 32 bytes. Anything else cannot be one of ours, so it costs no query.
const TOKEN_SHAPE = new RegExp(`^${TOKEN_PREFIX}[A-Za-z0-9_-]{43}$`);

/**
 * Resolves a plain API token to its active user, or `null` when the token is malformed, unknown, or
 * belongs to an inactive user.
 *
 * The lookup is by SHA-256, so no constant-time comparison is needed: the plain token is never compared.
 * `last_used` is refreshed at most once a minute per token, so a busy client does not turn every
 * authenticated read into a write.
 *
 * @example
 * const user = await findUserByToken(pool, bearer);
 * if (!user) return reply.code(401).send({ detail: 'Invalid token.' });
 */
export async function findUserByToken(db: Queryable, token: string): Promise<AuthUser | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const { rows } = await db.query(
    `SELECT t.id AS token_id,
            t.last_used IS NULL OR t.last_used < now() - interval '1 minute' AS stale,
            ${USER_COLUMNS}
     FROM auth_token t JOIN auth_user u ON u.id = t.user_id
     WHERE t.token_hash = $1 AND u.is_active`,
    [hashToken(token)],
  );
  const row = rows[0];
  if (!row) return null;
  if (row.stale) {
    // The condition is repeated so two concurrent requests write at most once.
    await db.query(
      `UPDATE auth_token SET last_used = now()
       WHERE id = $1 AND (last_used IS NULL OR last_used < now() - interval '1 minute')`,
      [row.token_id],
    );
  }
  return toAuthUser(row);
}
