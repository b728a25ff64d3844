import { existsSync } from 'node:fs';
import { chromium, type BrowserContext } from 'playwright-core';
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
