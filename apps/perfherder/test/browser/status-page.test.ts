/**
 * The routing status page (/status/) in a real headless Chromium, against the service listening on a real
 * port over a real primary and replica: the replica shows healthy; stopped, the page (polling the JSON)
 * shows it ejected and the ejection in the timeline; started again, healthy and readmitted. Everything is
 * read from the DOM's attributes (data-state, data-to…), never from pixels. The page loads nothing but its
 * own origin.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { type BrowserService, startBrowserService } from '../support/browser-service.ts';

/** Bound of every wait: the machine is shared and loaded; an ejection or readmission takes a probe or two. */
const WAIT_MS = 90_000;

const replicaBadge = (state: string) => `li.replica[data-replica="replica_1"][data-state="${state}"]`;

describe('the status page in Chromium follows a replica stopped and started again', () => {
  let service: BrowserService | undefined;
  let page: Page;
  let skip: string | undefined;
  let origin = '';
  const foreignRequests: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    const started = await startBrowserService();
    if ('skip' in started) {
      skip = started.skip;
      return;
    }
    service = started;
    origin = started.origin;
    page = await started.browser.newPage();
    page.on('request', (request) => {
      if (new URL(request.url()).origin !== origin) foreignRequests.push(request.url());
    });
    page.on('response', (response) => {
      if (response.status() >= 400) pageErrors.push(`${response.status()} ${response.url()}`);
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  });

  after(async () => {
    await service?.close();
  });

  it('healthy, then ejected (with the ejection in the timeline), then healthy again', async (t) => {
    if (skip) return t.skip(skip);
    const replica = service!.db.cluster.replicas[0]!;
    await page.goto(`${origin}/status/`);
    assert.equal(await page.getAttribute('body', 'data-routing'), 'on');
    await page.waitForSelector(replicaBadge('healthy'), { timeout: WAIT_MS });
    assert.equal(await page.getAttribute(replicaBadge('healthy'), 'data-color'), 'green');

    // Reads through the replica from the page's own origin: the share shown becomes a number above zero.
    await page.evaluate(async () => {
      for (let i = 0; i < 5; i++) await fetch('/api/performance/framework/');
    });
    // A string: the test's TypeScript has no DOM types; this runs in the page.
    await page.waitForFunction("Number(document.getElementById('replica-share')?.dataset.share) > 0", null, {
      timeout: WAIT_MS,
    });
    // The lag chart draws the replica's series once the page has two samples of it.
    await page.waitForSelector('#lag-chart [data-series="replica_1"]', {
      state: 'attached',
      timeout: WAIT_MS,
    });

    await replica.stop();
    try {
      // Drawn by the page's own poll: the server-rendered page said healthy.
      await page.waitForSelector(replicaBadge('ejected'), { timeout: WAIT_MS });
      assert.equal(await page.getAttribute(replicaBadge('ejected'), 'data-color'), 'red');
      const ejection =
        '#events li[data-kind="replica_state"][data-replica="replica_1"][data-from="healthy"][data-to="ejected"]';
      await page.waitForSelector(ejection, { timeout: WAIT_MS });
      assert.match(
        String(await page.getAttribute(ejection, 'data-reason')),
        /^(probe_failed|probe_timeout|connection_error)$/,
      );
      assert.match(
        String(await page.textContent(ejection)),
        /replica_1 ejected \((probe_failed|probe_timeout|connection_error)\)/,
      );
    } finally {
      await replica.start();
    }

    await page.waitForSelector(replicaBadge('healthy'), { timeout: WAIT_MS });
    await page.waitForSelector(
      '#events li[data-kind="replica_state"][data-replica="replica_1"][data-from="ejected"][data-to="healthy"]',
      { timeout: WAIT_MS },
    );
    assert.match(
      String(await page.textContent('#events li[data-to="healthy"][data-from="ejected"]')),
      /replica_1 readmitted/,
    );
    // The server agrees with what the page shows.
    const stats = service!.app.db.stats();
    assert.equal(stats.replicas[0]?.state, 'healthy');
    assert.deepEqual(foreignRequests, [], 'the page loads nothing from another origin');
    assert.deepEqual(pageErrors, [], 'no script error');
  });
});
