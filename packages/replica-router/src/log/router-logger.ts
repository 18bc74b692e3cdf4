/**
 * The logger the router writes its lines to. pino's (and Fastify's `request.log`) fits as is. `info` and
 * `error` are optional so a minimal `{ debug, warn }` object still works: the lines meant for them are then
 * written with `warn`.
 */
export interface RouterLogger {
  debug(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error?(obj: object, msg: string): void;
}
