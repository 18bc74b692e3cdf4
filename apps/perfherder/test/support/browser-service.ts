import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser.ts';
import { type TestDatabase, withTestDatabase } from './database.ts';
import { buildServiceApp } from './service-app.ts';

/** Headless Chromium and the service listening on a real port over a test database of its own. */
export interface BrowserService {
  readonly browser: Browser;
  readonly db: TestDatabase;
  readonly app: FastifyInstance;
  /** `http://127.0.0.1:<port>`, the service's origin. */
  readonly origin: string;
  /** Close the browser, the app (and its pool), then stop the cluster. */
  close(): Promise<void>;
}

/**
 * Launches Chromium, starts a test database (primary + replica), runs `prepare` on it (fixtures), then builds
 * the service on it and listens on a free port. Returns the skip reason instead when Chromium cannot be had.
 *
 * @example
 * const started = await startBrowserService();
 * if ('skip' in started) return t.skip(started.skip);
 * const page = await started.browser.newPage();
 * await page.goto(`${started.origin}/status/`);
 */
export async function startBrowserService(
  options: { readonly prepare?: (db: TestDatabase) => Promise<void> } = {},
): Promise<BrowserService | { skip: string }> {
  const browser = await launchChromium();
  if ('skip' in browser) return browser;
  let db: TestDatabase | undefined;
  let app: FastifyInstance | undefined;
  const close = async () => {
    await browser.close();
    await app?.close();
    await db?.close();
  };
  try {
    db = await withTestDatabase({ stopAfter: false });
    await options.prepare?.(db);
    app = await buildServiceApp(db.urls);
    const origin = await app.listen({ port: 0, host: '127.0.0.1' });
    return { browser, db, app, origin, close };
  } catch (error) {
    await close();
    throw error;
  }
}
