export { installCors } from './cors-plugin.ts';
export {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_EXPOSE_HEADERS,
  CORS_PREFLIGHT_MAX_AGE_SECONDS,
  type CorsPolicy,
  corsPolicy,
} from './cors-policy.ts';
export { parseAllowedOrigins } from './parse-allowed-origins.ts';
