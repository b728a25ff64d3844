import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { openIsolated, type IsolatedBrowser } from './chromium.js';
import { buildWeb, listen, startFakeStream, type FakeStream } from './helper.js';
import { startFakePublicApi, type FakePublicApi } from './pages/fake-public-api.js';

export const SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
export const PHONE = { width: 360, height: 740 };
export const DESK = { width: 1280, height: 800 };

/** Desktop and 360 px screenshots into docs/screenshots; at 360 px nothing may scroll sideways. */
export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.setViewportSize(DESK);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(150);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESK);
}

/** The web in front of the scripted api (anna: `owner-session`, bob: `bob-session`) and a fake stream server. */
export interface ScriptedSite {
  api: FakePublicApi;
  stream: FakeStream;
  web: FastifyInstance;
  base: string;
  close(): Promise<void>;
}

export async function startScriptedSite(): Promise<ScriptedSite> {
  const api = await startFakePublicApi();
  const stream = await startFakeStream();
  const web = await buildWeb({ api_url: api.url, stream_url: stream.url });
  const base = (await listen(web)).base;
  return {
    api,
    stream,
    web,
    base,
    async close() {
      await web.close();
      await api.close();
      await stream.close();
    },
  };
}

/** A Chromium signed in with `session`; confirm() dialogs are accepted. */
export async function personWith(base: string, session: string, prefix: string): Promise<IsolatedBrowser> {
  const person = await openIsolated(prefix, 10_000);
  await person.context.addCookies([{ name: 'session', value: session, url: base }]);
  person.page.on('dialog', (d) => void d.accept());
  return person;
}
