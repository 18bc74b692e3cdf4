export type { AuthUser } from './auth-user.ts';
export { createUser, type NewUser } from './create-user.ts';
export { findUserByToken } from './find-user-by-token.ts';
export { hashToken } from './hash-token.ts';
export { issueToken, TOKEN_PREFIX } from './issue-token.ts';
