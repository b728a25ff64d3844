import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Config, Db, DialectName } from '@video/shared';
import { openTestDb, testConfig } from '@video/shared/testing';
import { buildApp as buildApi } from '@video/api';
import { buildApp as buildScheduler } from '@video/scheduler';
import { buildApp as buildStream } from '@video/streamserver';
import { buildApp as buildWeb } from '../src/app.js';

export interface Stack {
  config: Config;
  /** The stack's database (tests that set up what no route does, like a user's role). */
  db: Db;
  web: FastifyInstance;
  webUrl: string;
  close(): Promise<void>;
}

/**
 * Closes an app, and if open connections (a video a page was still streaming, a proxied stream
 * whose client went away) hold it past a short grace, cuts them so a test run always ends.
 */
async function closeApp(app: FastifyInstance, graceMs = 2_000): Promise<void> {
  app.server.closeIdleConnections();
  const closing = app.close();
  let timer: NodeJS.Timeout | undefined;
  const cut = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      app.server.closeAllConnections();
      resolve();
    }, graceMs);
  });
  await Promise.race([closing, cut]);
  clearTimeout(timer);
  await closing;
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/**
 * The whole site in this process: the real api, stream server and scheduler on one fresh database,
 * each on its own port, and the web in front of them.
 */
export async function startStack(dialect: DialectName, overrides: Partial<Config> = {}): Promise<Stack> {
  const { db, close: closeDb } = await openTestDb(dialect);
  const base = testConfig({ scheduler_interval_seconds: 1, ...overrides });
  const started: FastifyInstance[] = [];
  try {
    const api = await buildApi(base, { db, logger: false });
    started.push(api);
    const apiUrl = await listen(api);
    const stream = await buildStream(base, { db, logger: false, rowCacheMs: 0 });
    started.push(stream);
    const streamUrl = await listen(stream);
    const scheduler = await buildScheduler(base, { db, logger: false });
    started.push(scheduler);
    const schedulerUrl = await listen(scheduler);
    const config = { ...base, api_url: apiUrl, stream_url: streamUrl, scheduler_url: schedulerUrl };
    const web = await buildWeb(config, { logger: false });
    started.push(web);
    const webUrl = await listen(web);
    return {
      config,
      db,
      web,
      webUrl,
      close: async () => {
        for (const app of started.reverse()) await closeApp(app);
        await closeDb();
        rmSync(base.video_dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const app of started.reverse()) await closeApp(app).catch(() => undefined);
    await closeDb();
    throw err;
  }
}
