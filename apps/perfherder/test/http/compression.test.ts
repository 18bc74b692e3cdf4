/**
 * Response compression as the reference's GZipMiddleware does it, over a real socket (the bytes on the wire,
 * not an inject): gzip when the client accepts it, identity otherwise, the same decoded bytes and one weak
 * ETag for both, `Vary: accept-encoding`, no gzip under 200 bytes, 304s under both encodings, CORS unchanged,
 * and `RESPONSE_GZIP_LEVEL` (validation, the off switch).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { RouterConfigError } from 'replica-router';
import { readServiceConfig } from '../../src/config/service-config.ts';
import { DEFAULT_GZIP_LEVEL, GZIP_MIN_BYTES, parseGzipLevel } from '../../src/http/compression.ts';
import { testPerfSignature, testPerfSignature2, testRepository } from '../fixtures/index.ts';
import { buildServiceApp, type ServiceApp, startServiceApp } from '../support/service-app.ts';

interface Raw {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The bytes as received. */
  readonly wire: Buffer;
  /** The body after undoing Content-Encoding. */
  readonly body: string;
}

function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    // agent: false, so that no default Accept-Encoding or keep-alive state leaks between requests.
    http
      .get(`${base}${path}`, { headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const wire = Buffer.concat(chunks);
          const encoding = res.headers['content-encoding'];
          const decoded = encoding === 'gzip' ? gunzipSync(wire) : wire;
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            wire,
            body: decoded.toString('utf8'),
          });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

const ORIGIN = 'https://perf.compare';
const SIGNATURES = '/api/project/mozilla-central/performance/signatures/';
const GZIP = { 'accept-encoding': 'gzip, deflate, br' };

describe('gzip responses (GZipMiddleware parity)', () => {
  let db: ServiceApp['db'];
  let app: ServiceApp['app'];
  let close: ServiceApp['close'] | undefined;
  let off: FastifyInstance | undefined;
  let base = '';
  let offBase = '';

  before(async () => {
    ({ app, db, close } = await startServiceApp());
    await db.reset();
    await testPerfSignature(db.primary);
    await testPerfSignature2(db.primary);
    await testRepository(db.primary);
    await db.cluster.waitForReplicas();
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    off = await buildServiceApp(db.urls, { gzipLevel: 'off' });
    offBase = await off.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await off?.close();
    await close?.();
  });

  it('gzip when asked, identity when not: the same decoded bytes, one weak ETag, Vary on both', async () => {
    const identity = await get(base, SIGNATURES);
    const gzip = await get(base, SIGNATURES, GZIP);
    assert.equal(identity.status, 200, identity.body);
    assert.equal(gzip.status, 200, gzip.body);
    assert.ok(Buffer.byteLength(identity.body) >= GZIP_MIN_BYTES, 'the answer is long enough to compress');
    assert.equal(identity.headers['content-encoding'], undefined);
    assert.equal(gzip.headers['content-encoding'], 'gzip');
    assert.equal(gzip.wire[0], 0x1f, 'gzip magic on the wire');
    assert.equal(gzip.wire[1], 0x8b);
    assert.ok(gzip.wire.length < identity.wire.length);
    assert.equal(gzip.body, identity.body, 'the same bytes once decoded');
    assert.equal(
      Number(gzip.headers['content-length']),
      gzip.wire.length,
      'a Content-Length of the gzip bytes',
    );
    assert.equal(gzip.headers['content-type'], 'application/json');
    assert.match(String(identity.headers.etag), /^W\//);
    assert.equal(gzip.headers.etag, identity.headers.etag, 'one weak ETag for both encodings');
    for (const res of [identity, gzip]) assert.equal(res.headers.vary, 'origin, accept-encoding');
    // Without gzip among the accepted encodings, or with it refused: identity.
    for (const accept of ['identity', 'br', 'gzip;q=0']) {
      const res = await get(base, SIGNATURES, { 'accept-encoding': accept });
      assert.equal(res.headers['content-encoding'], undefined, accept);
      assert.equal(res.body, identity.body, accept);
    }
  });

  it('a body under 200 bytes is sent as it is, with no Vary: accept-encoding', async () => {
    const small = await get(base, '/api/project/mozilla-central/performance/platforms/', GZIP);
    assert.equal(small.status, 200, small.body);
    assert.ok(Buffer.byteLength(small.body) < GZIP_MIN_BYTES, small.body);
    assert.equal(small.headers['content-encoding'], undefined);
    assert.equal(small.headers.vary, 'origin');
    assert.deepEqual(JSON.parse(small.body), ['win7']);
  });

  it('If-None-Match answers 304 under both encodings, with the 200s ETag, Vary and CORS headers', async () => {
    const etag = String((await get(base, SIGNATURES)).headers.etag);
    for (const headers of [{}, GZIP]) {
      const res = await get(base, SIGNATURES, { ...headers, 'if-none-match': etag, origin: ORIGIN });
      const name = JSON.stringify(headers);
      assert.equal(res.status, 304, name);
      assert.equal(res.wire.length, 0, name);
      assert.equal(res.headers['content-encoding'], undefined, name);
      assert.equal(res.headers.etag, etag, name);
      assert.equal(res.headers.vary, 'origin, accept-encoding', name);
      assert.equal(res.headers['access-control-allow-origin'], '*', name);
    }
    // The tag a gzip answer carried revalidates an identity request too (weak comparison).
    const gzipTag = String((await get(base, SIGNATURES, GZIP)).headers.etag);
    assert.equal((await get(base, SIGNATURES, { 'if-none-match': gzipTag })).status, 304);
  });

  it('CORS headers are the same on a gzip answer, an error and a preflight', async () => {
    const ok = await get(base, SIGNATURES, { ...GZIP, origin: ORIGIN });
    assert.equal(ok.headers['content-encoding'], 'gzip');
    assert.equal(ok.headers['access-control-allow-origin'], '*');
    assert.equal(ok.headers['access-control-expose-headers'], 'X-Causal-Token');
    const missing = await get(base, '/api/project/no-such-repo/performance/signatures/', {
      ...GZIP,
      origin: ORIGIN,
    });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['access-control-allow-origin'], '*');
    assert.doesNotThrow(() => JSON.parse(missing.body));
    const preflight = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`${base}${SIGNATURES}`, {
        method: 'OPTIONS',
        agent: false,
        headers: { ...GZIP, origin: ORIGIN, 'access-control-request-method': 'GET' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(preflight.statusCode, 200);
    assert.equal(preflight.headers['content-length'], '0');
    assert.equal(preflight.headers['content-encoding'], undefined);
    assert.equal(preflight.headers['access-control-allow-origin'], '*');
  });

  it('RESPONSE_GZIP_LEVEL=off: identity for every client, no Vary: accept-encoding', async () => {
    const res = await get(offBase, SIGNATURES, GZIP);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.headers.vary, 'origin');
    assert.equal(res.body, (await get(base, SIGNATURES)).body);
  });

  it('RESPONSE_GZIP_LEVEL: default 1, 1-9, 0 or off; anything else stops start-up naming it', () => {
    assert.equal(readServiceConfig({}).gzipLevel, DEFAULT_GZIP_LEVEL);
    assert.equal(DEFAULT_GZIP_LEVEL, 1);
    assert.equal(readServiceConfig({ RESPONSE_GZIP_LEVEL: ' 6 ' }).gzipLevel, 6);
    assert.equal(readServiceConfig({ RESPONSE_GZIP_LEVEL: '0' }).gzipLevel, 'off');
    assert.equal(readServiceConfig({ RESPONSE_GZIP_LEVEL: 'Off' }).gzipLevel, 'off');
    for (const bad of ['10', '-1', '1.5', 'fast', 'true']) {
      assert.ok(typeof parseGzipLevel(bad) === 'object', bad);
      assert.throws(
        () => readServiceConfig({ RESPONSE_GZIP_LEVEL: bad }),
        (error: unknown) =>
          error instanceof RouterConfigError &&
          error.variable === 'RESPONSE_GZIP_LEVEL' &&
          error.message.includes('RESPONSE_GZIP_LEVEL'),
        bad,
      );
    }
  });
});
