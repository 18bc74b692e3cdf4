import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ifNoneMatchMatches, weakEtag } from '../../src/http/etag.ts';
import { insertPerfDatum, insertPush, testPerfSignature, testRepository } from '../fixtures/index.ts';
import { serviceAppHooks } from '../support/service-app.ts';

const FRAMEWORKS = '/api/performance/framework/';

describe('HTTP validation: ETag, If-None-Match (304) and Cache-Control', () => {
  const service = serviceAppHooks();

  it('a GET answered 200 carries a weak ETag of its bytes, the same on every request', async () => {
    const first = await service.app.inject(FRAMEWORKS);
    assert.equal(first.statusCode, 200);
    const etag = first.headers.etag as string;
    assert.match(etag, /^W\/"[A-Za-z0-9_-]{27}"$/);
    assert.equal(etag, weakEtag(first.body));
    assert.equal((await service.app.inject(FRAMEWORKS)).headers.etag, etag);
    assert.equal(first.headers['cache-control'], undefined, 'no Cache-Control on a list that can change');
  });

  it('If-None-Match with the tag (weak or strong, alone, in a list, or *) answers 304 without a body', async () => {
    const etag = (await service.app.inject(FRAMEWORKS)).headers.etag as string;
    const strong = etag.slice(2);
    for (const header of [etag, strong, `"other", ${etag}`, '*']) {
      const res = await service.app.inject({
        url: FRAMEWORKS,
        headers: { 'if-none-match': header, origin: 'https://perf.example' },
      });
      assert.equal(res.statusCode, 304, header);
      assert.equal(res.body, '', header);
      assert.equal(res.headers.etag, etag, header);
      assert.equal(res.headers['content-type'], undefined, header);
      // CORS headers and the gzip Vary stay, as on the 200.
      assert.equal(res.headers['access-control-allow-origin'], '*', header);
      assert.equal(res.headers.vary, 'origin, accept-encoding', header);
    }
    const other = await service.app.inject({ url: FRAMEWORKS, headers: { 'if-none-match': 'W/"other"' } });
    assert.equal(other.statusCode, 200);
    assert.ok(other.body.length > 0);
  });

  it('no ETag on an error, and If-None-Match never turns an error into a 304', async () => {
    const url = '/api/project/no-such-repo/performance/signatures/';
    const res = await service.app.inject(url);
    assert.equal(res.statusCode, 404);
    assert.equal(res.headers.etag, undefined);
    const conditional = await service.app.inject({ url, headers: { 'if-none-match': '*' } });
    assert.equal(conditional.statusCode, 404);
  });

  it('a changed answer gets a new ETag, so the old one no longer matches', async () => {
    const repo = await testRepository(service.db.primary);
    const sig = await testPerfSignature(service.db.primary);
    const push = await insertPush(service.db.primary, { repository_id: repo.id, revision: 'a'.repeat(40) });
    await insertPerfDatum(service.db.primary, { signature: sig, pushId: push.id, value: 1 });
    await service.db.cluster.waitForReplicas();
    const url = `/api/project/${repo.name}/performance/data/?push_id=${push.id}`;
    const first = await service.app.inject(url);
    assert.equal(first.statusCode, 200, first.body);
    // One push's data: clients may reuse it for an hour.
    assert.equal(first.headers['cache-control'], 'public, max-age=3600');
    const etag = first.headers.etag as string;
    const same = await service.app.inject({ url, headers: { 'if-none-match': etag } });
    assert.equal(same.statusCode, 304);
    assert.equal(same.headers['cache-control'], 'public, max-age=3600');
    await insertPerfDatum(service.db.primary, { signature: sig, pushId: push.id, value: 2 });
    await service.db.cluster.waitForReplicas();
    const changed = await service.app.inject({ url, headers: { 'if-none-match': etag } });
    assert.equal(changed.statusCode, 200);
    assert.notEqual(changed.headers.etag, etag);
    // A window relative to now is no fixed answer.
    const windowed = await service.app.inject(`${url}&interval=86400`);
    assert.equal(windowed.statusCode, 200);
    assert.equal(windowed.headers['cache-control'], undefined);
  });

  it('matches If-None-Match as RFC 9110 says', () => {
    assert.equal(ifNoneMatchMatches(undefined, 'W/"a"'), false);
    assert.equal(ifNoneMatchMatches('W/"a"', 'W/"a"'), true);
    assert.equal(ifNoneMatchMatches('"a"', 'W/"a"'), true);
    assert.equal(ifNoneMatchMatches(' "b" ,W/"a"', 'W/"a"'), true);
    assert.equal(ifNoneMatchMatches('"b"', 'W/"a"'), false);
    assert.equal(ifNoneMatchMatches('"ab"', 'W/"a"'), false);
  });
});
