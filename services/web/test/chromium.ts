import { existsSync } from 'node:fs';
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
