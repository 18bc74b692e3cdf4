import type { AuthUser } from './auth-user.ts';

/** The `auth_user` columns every auth query selects, aliased for {@link toAuthUser}. */
export const USER_COLUMNS = 'u.id, u.username, u.email, u.first_name, u.last_name, u.is_staff, u.is_active';

/** Maps a row selected with {@link USER_COLUMNS} to an {@link AuthUser}. */
export function toAuthUser(row: Record<string, unknown>): AuthUser {
  return {
    id: Number(row.id),
    username: String(row.username),
    email: String(row.email),
    firstName: String(row.first_name),
    lastName: String(row.last_name),
    isStaff: row.is_staff === true,
    isActive: row.is_active === true,
  };
}
