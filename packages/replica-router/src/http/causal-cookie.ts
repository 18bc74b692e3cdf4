import type { IncomingHttpHeaders } from 'node:http';
import { parse, serialize } from 'cookie';

/** The response header that carries a new causal token (expose it in CORS for browser clients). */
export const CAUSAL_TOKEN_HEADER = 'x-causal-token';
/** The cookie that carries it for clients that keep cookies (browsers, most HTTP clients with a jar). */
export const CAUSAL_TOKEN_COOKIE = 'causal_token';

/** A token a request presented, and where: the header wins over the cookie. */
export interface PresentedToken {
  readonly value: string;
  readonly source: 'header' | 'cookie';
}

/** The causal token of a request, from `X-Causal-Token` or else the `causal_token` cookie. */
export function presentedToken(headers: IncomingHttpHeaders): PresentedToken | undefined {
  const header = headers[CAUSAL_TOKEN_HEADER];
  // Repeated headers arrive joined (or as an array): not a token we issued, so it is checked and refused.
  if (header !== undefined)
    return { value: Array.isArray(header) ? header.join(',') : header, source: 'header' };
  const cookies = headers.cookie;
  if (cookies === undefined || !cookies.includes(CAUSAL_TOKEN_COOKIE)) return undefined;
  const value = parse(cookies)[CAUSAL_TOKEN_COOKIE];
  return value === undefined ? undefined : { value, source: 'cookie' };
}

/** `Set-Cookie` for a new token: HttpOnly, SameSite=Lax, Path=/, Max-Age = the token's TTL; Secure over HTTPS. */
export function causalTokenCookie(token: string, ttlMs: number, secure: boolean): string {
  return serialize(CAUSAL_TOKEN_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    maxAge: Math.max(1, Math.floor(ttlMs / 1000)),
    secure,
  });
}

/** `Set-Cookie` that removes a cookie token that was refused, so the client stops sending it. */
export function clearedCausalTokenCookie(secure: boolean): string {
  return serialize(CAUSAL_TOKEN_COOKIE, '', {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    maxAge: 0,
    secure,
  });
}
