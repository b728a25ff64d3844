import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MEDIA_DIR } from '@video/shared';
import { freePort } from './ports.js';
import { SERVICE_NAMES, ServiceProcess, type ServiceName } from './service-process.js';
import { siteEnv } from './site-env.js';

export interface SiteOptions {
  databaseUrl: string;
  /** Extra environment (config keys in upper case), applied to every service. */
  env?: Record<string, string>;
  /** Keep the temp folder (logs, videos) after stop, for debugging. */
  keep?: boolean;
}

/** Config keys (and CONFIG) that must not leak into the services from the test runner's environment. */
const CONFIG_ENV = new Set([
  'CONFIG', 'HOST', 'API_PORT', 'STREAM_PORT', 'SCHEDULER_PORT', 'WEB_PORT', 'WEB_METRICS_PORT', 'API_URL', 'STREAM_URL', 'SCHEDULER_URL',
  'DATABASE_URL', 'VIDEO_DIR', 'SESSION_TTL_MINUTES', 'STREAM_MAX_CONNECTIONS', 'MAX_UPLOAD_MB',
  'SCHEDULER_INTERVAL_SECONDS', 'SCHEDULER_BATCH', 'INTERNAL_TOKEN', 'LOG_LEVEL', 'REDIS_URL', 'SIGNIN_RATE_LIMIT',
  'BCRYPT_COST', 'STORAGE_TYPE', 'OSS_URL', 'STREAM_WORKERS', 'COOKIE_SECURE', 'NODE_OPTIONS',
]);

/**
 * The four real services as processes on spare ports, sharing one database and one video folder,
 * configured through the environment as an operator would (CONFIG points at an empty file so the
 * repository's conf.json cannot change what is tested).
 */
export class Site {
  readonly services: Record<ServiceName, ServiceProcess>;

  private constructor(
    readonly dir: string,
    readonly videoDir: string,
    readonly databaseUrl: string,
    services: Record<ServiceName, ServiceProcess>,
    private readonly keep: boolean,
  ) {
    this.services = services;
  }

  static async create(options: SiteOptions): Promise<Site> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'video-system-'));
    const videoDir = path.join(dir, 'videos');
    mkdirSync(videoDir);
    const emptyConfig = path.join(dir, 'conf.json');
    writeFileSync(emptyConfig, '{}\n');
    const ports = {
      api: await freePort(),
      streamserver: await freePort(),
      scheduler: await freePort(),
      web: await freePort(),
    };
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !CONFIG_ENV.has(k)) base[k] = v;
    const env: Record<string, string> = {
      ...base,
      CONFIG: emptyConfig,
      ...siteEnv(ports, { databaseUrl: options.databaseUrl, videoDir }),
      LOG_LEVEL: 'warn',
      // The load comes from one address and a few hundred names; the limit itself is tested per service.
      SIGNIN_RATE_LIMIT: '1000000',
      STREAM_MAX_PER_ADDRESS: '100000',
      SCHEDULER_INTERVAL_SECONDS: '1',
      // Cheap hashing keeps the 2-core machine busy with the site, not with bcrypt.
      BCRYPT_COST: '4',
      NODE_ENV: 'production',
      ...options.env,
    };
    const services = Object.fromEntries(
      SERVICE_NAMES.map((name) => [name, new ServiceProcess(name, ports[name], env, path.join(dir, `${name}.log`))]),
    ) as Record<ServiceName, ServiceProcess>;
    return new Site(dir, videoDir, options.databaseUrl, services, options.keep ?? process.env.SYSTEM_KEEP === '1');
  }

  get web(): string {
    return this.services.web.url;
  }
  get api(): string {
    return this.services.api.url;
  }
  get stream(): string {
    return this.services.streamserver.url;
  }
  get scheduler(): string {
    return this.services.scheduler.url;
  }

  /** Starts all four at once, as `npm start` does (concurrent migration at start is part of the contract). */
  async start(): Promise<void> {
    await Promise.all(SERVICE_NAMES.map((n) => this.services[n].start()));
  }

  async restart(name: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.services[name].kill(signal);
    await this.services[name].start();
  }

  async stop(): Promise<void> {
    await Promise.all(SERVICE_NAMES.map((n) => this.services[n].stop().catch(() => undefined)));
    if (!this.keep) rmSync(this.dir, { recursive: true, force: true });
  }

  rss(): Record<ServiceName, number> {
    return Object.fromEntries(SERVICE_NAMES.map((n) => [n, this.services[n].rssBytes()])) as Record<ServiceName, number>;
  }

  /** Exits no test asked for, per service. */
  unexpectedExits(): string[] {
    const out: string[] = [];
    for (const n of SERVICE_NAMES) {
      for (const e of this.services[n].unexpectedExits) out.push(`${n} exited (code ${e.code}, signal ${e.signal})`);
      if (!this.services[n].running && this.services[n].unexpectedExits.length === 0 && this.services[n].starts > 0) {
        out.push(`${n} is not running`);
      }
    }
    return out;
  }

  /**
   * Every regular file under video_dir, relative to it, with its size; but the derived files under
   * .media, which the scheduler writes in the background (see mediaVideoIds).
   */
  videoFiles(): { rel: string; size: number }[] {
    const out: { rel: string; size: number }[] = [];
    const walk = (d: string, depth: number) => {
      if (depth > 4) return;
      for (const entry of readdirSync(d, { withFileTypes: true })) {
        const full = path.join(d, entry.name);
        if (entry.isDirectory() && depth === 0 && entry.name === MEDIA_DIR) continue;
        if (entry.isDirectory()) walk(full, depth + 1);
        else out.push({ rel: path.relative(this.videoDir, full), size: statSync(full).size });
      }
    };
    walk(this.videoDir, 0);
    return out;
  }

  /** The videos that have a folder of derived files (video_dir/.media/<id>). */
  mediaVideoIds(): string[] {
    try {
      return readdirSync(path.join(this.videoDir, MEDIA_DIR));
    } catch {
      return [];
    }
  }

  logTails(): string {
    const cut = (text: string) => text.split('\n').map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l)).join('\n');
    return SERVICE_NAMES.map((n) => `--- ${n} ---\n${cut(this.services[n].logTail(8))}`).join('\n');
  }
}
