/**
 * The service's error registry: each class has a stable `code` (`PH_ERR_…`) and an HTTP `statusCode`.
 * The body is the DRF shape the reference clients expect: `{"detail": …}` for 401/403/404, field
 * errors (`{"field": ["msg"]}`) or the endpoint's own shape for 400. Documented in docs/errors.md.
 */
export class ServiceError extends Error {
  readonly code: string;
  readonly statusCode: number;
  /** The exact JSON body to send. */
  readonly body: unknown;
  constructor(
    code: string,
    statusCode: number,
    body: unknown,
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(message ?? (typeof body === 'string' ? body : JSON.stringify(body)), options);
    this.name = 'ServiceError';
    this.code = code;
    this.statusCode = statusCode;
    this.body = body;
  }
}

/** 400 with a DRF-shaped body (field errors, `{"message": …}`, `["…"]` or a bare string: per endpoint). */
export function badRequest(body: unknown): ServiceError {
  return new ServiceError('PH_ERR_BAD_REQUEST', 400, body);
}

/** 404 `{"detail": "No <Model> matches the given query."}` like DRF's get_object_or_404. */
export function notFound(model: string): ServiceError {
  return new ServiceError('PH_ERR_NOT_FOUND', 404, { detail: `No ${model} matches the given query.` });
}

/**
 * 404 with an endpoint's own body: `{"detail": "Not found."}` for a malformed id, `{"detail": "No project
 * with name …"}` for the push list, or the bare JSON string of the push detail.
 */
export function notFoundBody(body: unknown): ServiceError {
  return new ServiceError('PH_ERR_NOT_FOUND', 404, body);
}

/** 405 `{"detail": "Method \"POST\" not allowed."}`: an authenticated write on a read-only endpoint. */
export function methodNotAllowed(method: string): ServiceError {
  return new ServiceError('PH_ERR_METHOD_NOT_ALLOWED', 405, { detail: `Method "${method}" not allowed.` });
}

export function notAuthenticated(): ServiceError {
  return new ServiceError('PH_ERR_NOT_AUTHENTICATED', 401, {
    detail: 'Authentication credentials were not provided.',
  });
}

/** 401 for a bearer token that is malformed, unknown, or belongs to an inactive user. */
export function invalidToken(): ServiceError {
  return new ServiceError('PH_ERR_NOT_AUTHENTICATED', 401, { detail: 'Invalid token.' });
}

export function permissionDenied(): ServiceError {
  return new ServiceError('PH_ERR_PERMISSION_DENIED', 403, {
    detail: 'You do not have permission to perform this action.',
  });
}

/** Every code, for docs and the sync test. */
export const serviceErrorCodes = [
  'PH_ERR_BAD_REQUEST',
  'PH_ERR_NOT_FOUND',
  'PH_ERR_NOT_AUTHENTICATED',
  'PH_ERR_PERMISSION_DENIED',
  'PH_ERR_METHOD_NOT_ALLOWED',
  'PH_ERR_INTERNAL',
] as const;
