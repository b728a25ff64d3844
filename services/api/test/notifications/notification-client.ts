import { EventEmitter } from 'node:events';
import Fastify, { type FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { baseServerOptions, commonPlugin, type Config, type Db } from '@video/shared';
import { notificationsPlugin, type NotificationsPluginOptions } from '../../src/notifications/notifications-plugin.js';

/** The notifications plugin alone, announcing on its own emitter unless given the process's. */
export async function buildNotificationsApp(config: Config, db: Db, extra: Omit<NotificationsPluginOptions, 'config' | 'db'> = {}): Promise<FastifyInstance> {
  const app = Fastify(baseServerOptions(config, 'api', { logger: false }));
  await app.register(commonPlugin, { service: 'api' });
  await app.register(notificationsPlugin, { config, db, events: new EventEmitter(), ...extra });
  return app;
}

export type Pushed = { id: string; type: string; count: number; unread_count: number; actor: { id: number } | null; [k: string]: unknown };

/** A bell: a WebSocket to /notifications/ws that keeps what it is pushed. */
export class Bell {
  readonly messages: Pushed[] = [];
  closeCode: number | undefined;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      this.messages.push(JSON.parse(raw.toString()) as Pushed);
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  static async open(base: string, headers: Record<string, string>): Promise<Bell> {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/notifications/ws`, { headers });
    const bell = new Bell(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    return bell;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once `done()` holds, or rejects after `timeoutMs`. */
  async until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what} not within ${timeoutMs} ms; got ${JSON.stringify(this.messages)} close ${this.closeCode}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async next(match: (m: Pushed) => boolean, timeoutMs = 1000): Promise<Pushed> {
    await this.until(() => this.messages.some(match), timeoutMs, 'notification');
    return this.messages.find(match)!;
  }

  close(): void {
    this.ws.terminate();
  }
}
