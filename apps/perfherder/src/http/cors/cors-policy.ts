/**
 * What the service answers cross-origin requests with: django-cors-headers 4.9.0 with the reference's
 * settings (`CORS_ORIGIN_ALLOW_ALL = True`, every other setting at its default; treeherder-core-api.md
 * section 9), plus the origins this deployment allows (`CORS_ALLOWED_ORIGINS`).
 */
export interface CorsPolicy {
  /** `'*'`: every origin, answered with a literal `*`. Otherwise the exact origins allowed (echoed back). */
  readonly allowedOrigins: '*' | readonly string[];
  /** `Access-Control-Allow-Methods` on OPTIONS requests that carry `Origin`. */
  readonly allowMethods: readonly string[];
  /** `Access-Control-Allow-Headers` on OPTIONS requests that carry `Origin`. */
  readonly allowHeaders: readonly string[];
  /**
   * `Access-Control-Expose-Headers`: response headers a cross-origin script may read. The reference exposes
   * none; the service exposes the causal-consistency token it adds for clients to send back.
   */
  readonly exposeHeaders: readonly string[];
  /** `Access-Control-Max-Age` on OPTIONS requests that carry `Origin`, in seconds. */
  readonly maxAgeSeconds: number;
}

/** django-cors-headers' default `CORS_ALLOW_METHODS`. */
export const CORS_ALLOW_METHODS: readonly string[] = ['DELETE', 'GET', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

/**
 * django-cors-headers' default `CORS_ALLOW_HEADERS`, and `x-causal-token`: a cross-origin script sends its causal
 * token back in that header (cookies do not cross origins here: credentials are not allowed).
 */
export const CORS_ALLOW_HEADERS: readonly string[] = [
  'accept',
  'authorization',
  'content-type',
  'user-agent',
  'x-causal-token',
  'x-csrftoken',
  'x-requested-with',
];

/**
 * The response headers cross-origin clients may read: the one list to extend when the service adds a
 * header meant for browser clients.
 */
export const CORS_EXPOSE_HEADERS: readonly string[] = ['X-Causal-Token'];

/** django-cors-headers' default `CORS_PREFLIGHT_MAX_AGE` (one day). */
export const CORS_PREFLIGHT_MAX_AGE_SECONDS = 86_400;

/**
 * The service's policy for the given allowed origins (default: every origin, as the reference).
 *
 * @example
 * corsPolicy(['https://perf.compare']).allowedOrigins; // ['https://perf.compare']
 */
export function corsPolicy(allowedOrigins: '*' | readonly string[] = '*'): CorsPolicy {
  return {
    allowedOrigins,
    allowMethods: CORS_ALLOW_METHODS,
    allowHeaders: CORS_ALLOW_HEADERS,
    exposeHeaders: CORS_EXPOSE_HEADERS,
    maxAgeSeconds: CORS_PREFLIGHT_MAX_AGE_SECONDS,
  };
}
