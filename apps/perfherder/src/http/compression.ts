import compress from '@fastify/compress';
import type { FastifyInstance } from 'fastify';
import { addVary } from './vary.ts';

/** Bodies shorter than this go out as they are, as Django's GZipMiddleware leaves them (bytes). */
export const GZIP_MIN_BYTES = 200;

/**
 * The default zlib level of `RESPONSE_GZIP_LEVEL`: level 1 gzips the heaviest summary answer (600 kB) in
 * about 3 ms against 7 ms at zlib's default 6, for a body 19 % larger (84 kB against 70 kB); see
 * docs/performance.md.
 */
export const DEFAULT_GZIP_LEVEL = 1;

/**
 * Bodies up to this size are gzipped in one synchronous call (about 3 ms for 600 kB at level 1) and sent with a
 * `Content-Length`; larger ones go through a zlib stream (chunked). `@fastify/compress` would stream everything
 * over 8 kB on a 2-core host, which costs a stream per answer for no gain at these sizes.
 */
export const GZIP_SYNC_MAX_BYTES = 1024 * 1024;

/** A zlib level from 1 (fastest) to 9 (smallest), or `'off'`: no compression. */
export type GzipLevel = number | 'off';

/**
 * Reads `RESPONSE_GZIP_LEVEL`: unset or empty → {@link DEFAULT_GZIP_LEVEL}; `0` or `off` (any case) → off;
 * `1`…`9` → that level. Returns an error message for anything else, for the caller to raise naming the variable.
 *
 * @example
 * parseGzipLevel('6'); // 6
 * parseGzipLevel('OFF'); // 'off'
 */
export function parseGzipLevel(raw: string | undefined): GzipLevel | { error: string } {
  const text = raw?.trim() ?? '';
  if (text === '') return DEFAULT_GZIP_LEVEL;
  if (text === '0' || text.toLowerCase() === 'off') return 'off';
  if (/^[1-9]$/.test(text)) return Number(text);
  return { error: `must be a zlib level from 1 (fastest) to 9 (smallest), or 0 or off (got "${text}")` };
}

/**
 * Response compression as the reference's `GZipMiddleware` does it: a client that accepts gzip gets a gzip
 * body; a body under {@link GZIP_MIN_BYTES} and a reply that already has a `Content-Encoding` (a stored gzip
 * copy sent as it is) are not compressed; every reply with a body but the short ones gets
 * `Vary: accept-encoding`, compressed or not, so that a shared cache keeps the two forms apart. A 304 keeps the
 * `Vary` of its 200.
 *
 * `@fastify/compress` does the negotiation (q-values, `x-gzip`) and the gzip, on route-level onSend hooks,
 * which run after every app-level one: the ETag (see etag.ts) is computed from the uncompressed bytes, so
 * both encodings share one weak ETag, and a 304 (empty body) is never compressed. gzip only, as the reference.
 * Register before the routes, after CORS (its `Vary: origin` comes first). `'off'`: nothing registered.
 *
 * @example
 * await installCompression(app, DEFAULT_GZIP_LEVEL);
 */
export async function installCompression(app: FastifyInstance, level: GzipLevel): Promise<void> {
  if (level === 'off') return;
  app.addHook('onSend', async (_request, reply, payload) => {
    // A stored gzip copy sent as it is: chosen by Accept-Encoding too (after CORS's `Vary: origin`).
    if (reply.hasHeader('content-encoding')) {
      addVary(reply, 'accept-encoding');
      return payload;
    }
    if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
      // A string of GZIP_MIN_BYTES characters has at least as many bytes: no need to count them.
      const long = payload.length >= GZIP_MIN_BYTES || Buffer.byteLength(payload) >= GZIP_MIN_BYTES;
      if (long) addVary(reply, 'accept-encoding');
    } else if (payload !== null && payload !== undefined) {
      // A stream: its length is unknown here, and it may be compressed.
      addVary(reply, 'accept-encoding');
    }
    return payload;
  });
  await app.register(compress, {
    encodings: ['gzip'],
    threshold: GZIP_MIN_BYTES,
    zlibOptions: { level },
    syncThreshold: GZIP_SYNC_MAX_BYTES,
  });
}
