import type { Queryable } from '../db/queryable.ts';
import type { AuthUser } from './auth-user.ts';
import { toAuthUser, USER_COLUMNS } from './user-row.ts';

/** What {@link createUser} needs to know about a new user. */
export interface NewUser {
  readonly username: string;
  readonly email?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  /** Staff users ("sheriffs") may write alert summaries and alerts. */
  readonly isStaff: boolean;
}

/**
 * Inserts an active user. A taken username fails with the server's unique-violation error (SQLSTATE
 * 23505), passed through unchanged. Users have no password: they authenticate with tokens from
 * `issueToken`.
 *
 * @example
 * const sheriff = await createUser(pool, { username: 'sheriff', isStaff: true });
 */
export async function createUser(db: Queryable, user: NewUser): Promise<AuthUser> {
  const { rows } = await db.query(
    `WITH u AS (
       INSERT INTO auth_user (username, email, first_name, last_name, is_staff, is_active)
       VALUES ($1, $2, $3, $4, $5, true)
       RETURNING *
     )
     SELECT ${USER_COLUMNS} FROM u`,
    [user.username, user.email ?? '', user.firstName ?? '', user.lastName ?? '', user.isStaff],
  );
  return toAuthUser(rows[0]);
}
