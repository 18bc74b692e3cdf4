import type { FastifyReply, FastifyRequest } from 'fastify';
import { invalidToken, notAuthenticated, permissionDenied, ServiceError } from '../http/service-errors.ts';
import type { AuthUser } from './auth-user.ts';
import { findUserByToken } from './find-user-by-token.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The staff user of a write request, set by {@link staffOnly}. */
    staffUser?: AuthUser;
  }
}

/** The OpenAPI `security` of a route that needs a staff bearer token (scheme declared in app.ts). */
export const BEARER_SECURITY = [{ bearerAuth: [] }];

/**
 * Resolves `Authorization: Bearer <token>` to an active user, or undefined when the request carries no
 * credentials. An unknown, malformed or revoked token → 401 "Invalid token.". Users and tokens are read
 * on the primary: the `auth` app is not allow-listed for replicas.
 *
 * @example
 * const user = await optionalUser(request); // undefined for an anonymous request
 */
export async function optionalUser(request: FastifyRequest): Promise<AuthUser | undefined> {
  const header = request.headers.authorization;
  if (header === undefined || header.trim() === '') return undefined;
  const [scheme, token, ...rest] = header.trim().split(/\s+/);
  if (scheme?.toLowerCase() !== 'bearer') throw notAuthenticated();
  if (token === undefined || rest.length > 0) throw invalidToken();
  const user = await findUserByToken(request.server.db, token);
  if (!user) throw invalidToken();
  return user;
}

/** Like {@link optionalUser}, but no credentials → 401 "Authentication credentials were not provided.". */
export async function requireUser(request: FastifyRequest): Promise<AuthUser> {
  const user = await optionalUser(request);
  if (!user) throw notAuthenticated();
  return user;
}

/**
 * Resolves `Authorization: Bearer <token>` to a staff user. No credentials → 401 "Authentication
 * credentials were not provided."; an unknown, malformed or revoked token → 401 "Invalid token."; a
 * user who is not staff → 403. Users and tokens are read on the primary: the `auth` app is not
 * allow-listed for replicas, and write routes are not opted in.
 *
 * @example
 * const sheriff = await requireStaff(request);
 */
export async function requireStaff(request: FastifyRequest): Promise<AuthUser> {
  const user = await requireUser(request);
  if (!user.isStaff) throw permissionDenied();
  return user;
}

/**
 * An `onRequest` hook for write routes: authenticates before the body is parsed or validated, as DRF
 * checks permissions before the view reads its data. A 401 carries `WWW-Authenticate: Bearer`.
 *
 * @example
 * app.put('/api/performance/alert/:id/', { onRequest: staffOnly }, handler);
 */
export async function staffOnly(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  try {
    request.staffUser = await requireStaff(request);
  } catch (error) {
    if (error instanceof ServiceError && error.statusCode === 401) reply.header('www-authenticate', 'Bearer');
    throw error;
  }
}

/** The staff user {@link staffOnly} resolved for this request. */
export function staffUser(request: FastifyRequest): AuthUser {
  const user = request.staffUser;
  if (!user) throw notAuthenticated();
  return user;
}
