import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { it } from 'vitest';

/** Debian's Chromium only: no test tool may download a browser of its own. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Headless flags that keep Chromium off the (closed) network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--mute-audio',
];

export const haveBrowser = existsSync(CHROMIUM);

/**
 * Call at the top of a browser test file: without Chromium the file's browser tests are skipped
 * with a printed reason, or fail when REQUIRE_BROWSER=1 (CI).
 */
export function announceBrowser(what: string): void {
  if (haveBrowser) return;
  if (process.env.REQUIRE_BROWSER === '1') {
    it('needs Chromium (REQUIRE_BROWSER=1)', () => {
      throw new Error(`REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}`);
    });
  } else {
    console.warn(`${what} SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).`);
  }
}

/** Launches headless Chromium with the flags above, a 1280×800 window and its profile in `profileDir`. */
export function launchChromium(profileDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    timeout: 30_000,
  });
}

export interface IsolatedBrowser {
  context: BrowserContext;
  page: Page;
  profile: string;
  /** Script errors and requests that tried to leave 127.0.0.1. */
  errors: string[];
  close(): Promise<void>;
}

/** A Chromium with a profile of its own that records script errors and allows only 127.0.0.1. */
export async function openIsolated(prefix: string, timeoutMs = 15_000): Promise<IsolatedBrowser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), prefix));
  const context = await launchChromium(profile);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.setDefaultTimeout(timeoutMs);
  page.on('pageerror', (err) => errors.push(err.message));
  await context.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => {
    errors.push(`blocked request to another host: ${route.request().url()}`);
    return route.abort();
  });
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, page, profile, errors, close };
}
