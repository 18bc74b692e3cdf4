import type { Queryable } from '../../db/queryable.ts';

/** The fields of a user the alert and summary JSON show. */
export interface UserNames {
  readonly username: string;
  readonly email: string;
}

/**
 * The users with these ids, in one statement of their own: `auth_user` belongs to the `auth` app, which never
 * reads from a replica, so keeping it out of the alert and summary statements lets those run on a replica
 * (when their endpoints are opted in) while this one stays on the primary. No statement when there is no id.
 */
export async function loadUsers(
  db: Queryable,
  ids: Iterable<number | null | undefined>,
): Promise<Map<number, UserNames>> {
  const wanted = [...new Set([...ids].filter((id): id is number => typeof id === 'number'))];
  if (wanted.length === 0) return new Map();
  const { rows } = await db.query('SELECT id, username, email FROM auth_user WHERE id = ANY($1::integer[])', [
    wanted,
  ]);
  return new Map(rows.map((r: { id: number; username: string; email: string }) => [r.id, r]));
}
