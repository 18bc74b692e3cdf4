/**
 * CORS as the reference's django-cors-headers answers it (treeherder-core-api.md section 9), the
 * CORS_ALLOWED_ORIGINS restriction, and `Content-Type: application/json` exactly (no charset) on every
 * JSON response, errors of every kind included.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { RouterConfigError } from 'replica-router';
import { captureQueries } from 'replica-router/testing';
import { readServiceConfig } from '../../src/config/service-config.ts';
import { GZIP_MIN_BYTES } from '../../src/http/compression.ts';
import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_EXPOSE_HEADERS,
  corsPolicy,
  installCors,
} from '../../src/http/cors/index.ts';
import { installErrorHandler } from '../../src/http/error-handler.ts';
import { installJsonContentType } from '../../src/http/json-content-type.ts';
import { testRepository, testUser, type UserWithToken } from '../fixtures/index.ts';
import { buildServiceApp, type ServiceApp, startServiceApp } from '../support/service-app.ts';

const ORIGIN = 'https://perf.compare';

/** `Vary` as sent with a body: `accept-encoding` too from 200 bytes on (the gzip middleware's threshold). */
const varyFor = (body: string) =>
  Buffer.byteLength(body) >= GZIP_MIN_BYTES ? 'origin, accept-encoding' : 'origin';

describe('CORS and JSON content type', () => {
  let app: ServiceApp['app'];
  let db: ServiceApp['db'];
  let close: ServiceApp['close'] | undefined;
  let restricted: ServiceApp['app'] | undefined;
  let user: UserWithToken;

  before(async () => {
    ({ app, db, close } = await startServiceApp());
    await db.reset();
    await testRepository(db.primary);
    user = await testUser(db.primary);
    await db.cluster.waitForReplicas();
    restricted = await buildServiceApp(db.urls, { corsAllowedOrigins: ['http://localhost:3000', ORIGIN] });
  });
  after(async () => {
    await restricted?.close();
    await close?.();
  });

  it('every status answers a cross-origin reader: Vary, Allow-Origin *, and exactly application/json', async () => {
    const auth = { authorization: `Bearer ${user.token}` };
    const cases: [
      string,
      { method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string; headers?: Record<string, string> },
      number,
    ][] = [
      ['200', { url: '/api/repository/' }, 200],
      ['200 bare array of the UI', { url: '/api/user/' }, 200],
      [
        'validation 400 (schema)',
        { url: '/api/project/mozilla-central/performance/signatures/?subtests=x' },
        400,
      ],
      ['400 (view)', { url: '/api/project/mozilla-central/push/?count=abc' }, 400],
      ['404 (detail)', { url: '/api/repository/999/' }, 404],
      ['404 (bare JSON string)', { url: '/api/project/mozilla-central/push/123/' }, 404],
      ['401', { method: 'POST', url: '/api/repository/' }, 401],
      ['403', { method: 'PUT', url: '/api/performance/alertsummary/1/', headers: auth }, 403],
      ['405', { method: 'DELETE', url: '/api/repository/', headers: auth }, 405],
      ['catch-all 404', { url: '/no/such/path' }, 404],
      ['path without its trailing slash', { url: '/api/repository' }, 404],
    ];
    for (const [name, request, status] of cases) {
      const res = await app.inject({ ...request, headers: { origin: ORIGIN, ...request.headers } });
      assert.equal(res.statusCode, status, `${name}: ${res.body}`);
      assert.equal(res.headers['content-type'], 'application/json', name);
      assert.equal(res.headers['access-control-allow-origin'], '*', name);
      assert.equal(res.headers.vary, varyFor(res.body), name);
      assert.doesNotThrow(() => JSON.parse(res.body), name);
      assert.equal(
        res.headers['access-control-expose-headers'],
        'X-Causal-Token',
        'the causal token is readable cross-origin (the reference exposes no header)',
      );
      // Without Origin: Vary still, no Allow-Origin.
      const plain = await app.inject(request);
      assert.equal(plain.headers['access-control-allow-origin'], undefined, name);
      assert.equal(plain.headers.vary, varyFor(plain.body), name);
    }
  });

  it('a preflight is answered before routing: 200, empty, Content-Length 0, the lists, on any path, no SQL', async () => {
    for (const url of ['/api/performance/alertsummary/1/', '/api/project/try/push/', '/no/such/path']) {
      const { result: res, queries } = await captureQueries(() =>
        app.inject({
          method: 'OPTIONS',
          url,
          headers: {
            origin: ORIGIN,
            'access-control-request-method': 'PUT',
            'access-control-request-headers': 'authorization, content-type',
          },
        }),
      );
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.body, '');
      assert.equal(res.headers['content-length'], '0');
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.equal(res.headers['access-control-allow-methods'], 'DELETE, GET, OPTIONS, PATCH, POST, PUT');
      assert.equal(
        res.headers['access-control-allow-headers'],
        'accept, authorization, content-type, user-agent, x-causal-token, x-csrftoken, x-requested-with',
      );
      assert.equal(res.headers['access-control-max-age'], '86400');
      assert.equal(res.headers.vary, 'origin');
      assert.deepEqual(queries, []);
    }
  });

  it('a plain OPTIONS with Origin still gets the DRF metadata, plus the CORS OPTIONS headers', async () => {
    const res = await app.inject({ method: 'OPTIONS', url: '/api/repository/', headers: { origin: ORIGIN } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(res.json().renders, ['application/json']);
    assert.equal(res.headers.allow, 'GET, HEAD, OPTIONS');
    assert.equal(res.headers['access-control-max-age'], '86400');
    assert.equal(res.headers['access-control-allow-methods'], CORS_ALLOW_METHODS.join(', '));
  });

  it('CORS_ALLOWED_ORIGINS: a listed origin is echoed, any other gets no Allow-Origin (Vary either way)', async () => {
    const allowed = await restricted!.inject({ url: '/api/repository/', headers: { origin: ORIGIN } });
    assert.equal(allowed.headers['access-control-allow-origin'], ORIGIN);
    assert.equal(allowed.headers.vary, varyFor(allowed.body));
    const other = await restricted!.inject({
      url: '/api/repository/',
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(other.statusCode, 200);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    assert.equal(other.headers.vary, varyFor(other.body));
    const preflight = await restricted!.inject({
      method: 'OPTIONS',
      url: '/api/repository/',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    assert.deepEqual(
      [preflight.statusCode, preflight.headers['access-control-allow-origin']],
      [200, undefined],
    );
  });
});

describe('CORS plugin on its own', () => {
  it('a 500 keeps the CORS headers and the JSON type; exposed headers come from the one list', async () => {
    const app = Fastify({ logger: false });
    installCors(app, { ...corsPolicy('*'), exposeHeaders: [...CORS_EXPOSE_HEADERS, 'X-Other'] });
    installJsonContentType(app);
    installErrorHandler(app);
    app.get('/boom/', async () => {
      throw new Error('kaput');
    });
    app.get('/vary/', async (_request, reply) => reply.header('vary', 'accept-encoding').send({ ok: true }));
    try {
      const res = await app.inject({ url: '/boom/', headers: { origin: ORIGIN } });
      assert.equal(res.statusCode, 500);
      assert.deepEqual(res.json(), { detail: 'A server error occurred.' });
      assert.equal(res.headers['content-type'], 'application/json');
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.equal(res.headers['access-control-expose-headers'], 'X-Causal-Token, X-Other');
      assert.equal(res.headers.vary, 'origin');
      const vary = await app.inject({ url: '/vary/', headers: { origin: ORIGIN } });
      assert.equal(vary.headers.vary, 'accept-encoding, origin', 'Vary is merged, not replaced');
    } finally {
      await app.close();
    }
  });

  it('CORS_ALLOWED_ORIGINS is validated at start-up, naming the variable', () => {
    const read = (value: string | undefined) =>
      readServiceConfig({ CORS_ALLOWED_ORIGINS: value }).corsAllowedOrigins;
    assert.equal(read(undefined), '*');
    assert.equal(read(' * '), '*');
    assert.deepEqual(read('https://Perf.Compare/, http://localhost:3000'), [
      'https://perf.compare',
      'http://localhost:3000',
    ]);
    assert.deepEqual(read('http://localhost:80'), ['http://localhost']);
    for (const bad of [
      'perf.compare',
      'https://perf.compare/path',
      'ftp://x.org',
      'a,,b',
      '*,https://perf.compare',
      'https://u:p@x.org',
    ]) {
      assert.throws(
        () => read(bad),
        (error: unknown) => error instanceof RouterConfigError && error.variable === 'CORS_ALLOWED_ORIGINS',
        bad,
      );
    }
    assert.deepEqual(CORS_ALLOW_HEADERS.length, 7);
  });
});
