/** A row of `auth_user`, as the API sees it. */
export interface AuthUser {
  readonly id: number;
  readonly username: string;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  /** A "sheriff": may write alert summaries and alerts. */
  readonly isStaff: boolean;
  readonly isActive: boolean;
}
