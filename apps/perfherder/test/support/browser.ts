import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Launch flags that work on these machines (headless, as root, no network chatter of its own). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function aptGet(args: readonly string[]): { ok: boolean; output: string } {
  const run = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
    timeout: 600_000,
  });
  return { ok: run.status === 0, output: `${run.stdout ?? ''}${run.stderr ?? ''}`.slice(-2000) };
}

/**
 * Debian's Chromium, installed with apt-get when it is missing and this process runs as root (as CI
 * does). Returns its path, or the reason it cannot be had: the caller skips with that message.
 */
export function findChromium(): { path: string } | { skip: string } {
  if (executable(CHROMIUM_PATH)) return { path: CHROMIUM_PATH };
  if (process.platform !== 'linux')
    return { skip: `no ${CHROMIUM_PATH} and not Linux: cannot install Chromium` };
  if (process.getuid?.() !== 0) {
    return {
      skip: `no ${CHROMIUM_PATH}; install Debian's chromium package (apt-get install chromium) or run as root`,
    };
  }
  const update = aptGet(['update']);
  const install = aptGet(['install', '-y', '--no-install-recommends', 'chromium']);
  if (executable(CHROMIUM_PATH)) return { path: CHROMIUM_PATH };
  return {
    skip: `apt-get could not install chromium (update ${update.ok ? 'ok' : 'failed'}): ${install.output.trim()}`,
  };
}

/**
 * One headless Chromium for a test file (launch it once: a launch costs about a second). Returns the
 * skip reason instead when Chromium cannot be had here.
 *
 * @example
 * const browser = await launchChromium();
 * if ('skip' in browser) return t.skip(browser.skip);
 */
export async function launchChromium(): Promise<Browser | { skip: string }> {
  const found = findChromium();
  if ('skip' in found) return found;
  return chromium.launch({ executablePath: found.path, args: [...CHROMIUM_ARGS], headless: true });
}

/** A tiny HTTP server of its own origin. */
export interface PageServer {
  /** `http://127.0.0.1:<port>/`: a blank HTML page. */
  readonly url: string;
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * Serves a blank HTML page on a port of its own, so that a page loaded from it is another origin than
 * the API under test: what PerfCompare (its own site) sees when it calls the service.
 */
export async function serveBlankPage(html = '<!doctype html><title>blank</title>'): Promise<PageServer> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/`,
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What one cross-origin `fetch` saw from inside the page. */
export interface FetchOutcome {
  readonly url: string;
  /** Null when the fetch itself failed (a CORS block, a network error). */
  readonly status: number | null;
  readonly contentType: string | null;
  /** The parsed JSON body, or the text when it was not JSON. */
  readonly body: unknown;
  /** The fetch error's message (`Failed to fetch` for a CORS block). */
  readonly error: string | null;
}

/**
 * Runs `fetch` for every URL from inside `page` (in parallel, as the apps do on load), as a page of its
 * own origin would, and returns what each one saw.
 */
export async function fetchAll(
  page: Page,
  urls: readonly string[],
  init: RequestInit = {},
): Promise<FetchOutcome[]> {
  return page.evaluate(
    async ({ urls, init }) =>
      Promise.all(
        urls.map(async (url) => {
          try {
            const response = await fetch(url, init);
            const text = await response.text();
            let body: unknown = text;
            try {
              body = JSON.parse(text);
            } catch {}
            return {
              url,
              status: response.status,
              contentType: response.headers.get('content-type'),
              body,
              error: null,
            };
          } catch (error) {
            return {
              url,
              status: null,
              contentType: null,
              body: null,
              error: String((error as Error).message),
            };
          }
        }),
      ),
    { urls, init },
  );
}
