import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONFIG_SPEC } from '@video/shared';
import { freePort } from '../harness/ports.js';
import { ServiceProcess, type ServiceName } from '../harness/service-process.js';
import { balancerConfig, NginxProcess, SHIPPED_CONFIG, type BalancerPorts } from './nginx-process.js';

export interface ScaleSiteOptions {
  databaseUrl: string;
  redisUrl: string;
  env?: Record<string, string>;
  /** A change to the rendered nginx.conf (a test's marker header, say). */
  editNginx?: (conf: string) => string;
}

const PORT_KEY: Record<ServiceName, string> = { api: 'API_PORT', streamserver: 'STREAM_PORT', scheduler: 'SCHEDULER_PORT', web: 'WEB_PORT' };
const NAMES: ServiceName[] = ['api', 'streamserver', 'scheduler', 'web'];

/**
 * Two instances of each service on one machine: one database, one Redis, one video_dir and one
 * data_dir (so one generated internal token), with the shipped nginx.conf in front. The webs'
 * api_url and stream_url are nginx's internal listeners, as in the shipped layout.
 */
export class ScaleSite {
  private constructor(
    readonly dir: string,
    readonly videoDir: string,
    readonly instances: Record<ServiceName, [ServiceProcess, ServiceProcess]>,
    readonly nginx: NginxProcess,
    readonly ports: BalancerPorts,
  ) {}

  static async create(options: ScaleSiteOptions): Promise<ScaleSite> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'video-scale-'));
    // nginx's workers (another user when the tests run as root) read video_dir for X-Accel-Redirect.
    chmodSync(dir, 0o755);
    const videoDir = path.join(dir, 'videos');
    mkdirSync(videoDir);
    const emptyConfig = path.join(dir, 'conf.json');
    writeFileSync(emptyConfig, '{}\n');
    const ports: BalancerPorts = { public: await freePort(), api: await freePort(), stream: await freePort(), instances: {} };
    for (const name of ['web', 'api', 'streamserver', 'scheduler']) {
      for (const i of [1, 2]) ports.instances[`${name}-${i}`] = await freePort();
    }
    // No config key of the runner's own environment leaks in.
    const configKeys = new Set([...Object.keys(CONFIG_SPEC).map((k) => k.toUpperCase()), 'CONFIG', 'NODE_OPTIONS', 'SENTRY_RELEASE']);
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !configKeys.has(k)) base[k] = v;
    const shared: Record<string, string> = {
      ...base,
      CONFIG: emptyConfig,
      HOST: '127.0.0.1',
      DATABASE_URL: options.databaseUrl,
      VIDEO_DIR: videoDir,
      DATA_DIR: path.join(dir, 'data'),
      REDIS_URL: options.redisUrl,
      API_URL: `http://127.0.0.1:${ports.api}`,
      STREAM_URL: `http://127.0.0.1:${ports.stream}`,
      SCHEDULER_URL: `http://127.0.0.1:${ports.instances['scheduler-1']}`,
      WEB_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      BCRYPT_COST: '4',
      MIN_FREE_DISK_MB: '0',
      STREAM_MAX_PER_ADDRESS: '100000',
      SCHEDULER_INTERVAL_SECONDS: '1',
      NODE_ENV: 'production',
      ...options.env,
    };
    const instances = Object.fromEntries(
      NAMES.map((name) => [
        name,
        [1, 2].map((i) => new ServiceProcess(name, ports.instances[`${name}-${i}`]!, { ...shared, [PORT_KEY[name]]: String(ports.instances[`${name}-${i}`]) }, path.join(dir, `${name}-${i}.log`))),
      ]),
    ) as Record<ServiceName, [ServiceProcess, ServiceProcess]>;
    const nginxDir = path.join(dir, 'nginx');
    const conf = balancerConfig(readFileSync(SHIPPED_CONFIG, 'utf8'), ports, nginxDir, videoDir);
    const nginx = new NginxProcess(nginxDir, options.editNginx ? options.editNginx(conf) : conf);
    return new ScaleSite(dir, videoDir, instances, nginx, ports);
  }

  /** The balancer's public address. */
  get url(): string {
    return `http://127.0.0.1:${this.ports.public}`;
  }

  /** Instance `i` (1 or 2) of a service. */
  at(name: ServiceName, i: 1 | 2): ServiceProcess {
    return this.instances[name][i - 1];
  }

  /**
   * Every api, stream server and scheduler at once (one migrates the schema while the rest wait
   * on its lock, as the contract allows); nginx starts with the webs, whose health needs it
   * (their api_url and stream_url are nginx).
   */
  async start(): Promise<void> {
    await Promise.all((['api', 'streamserver', 'scheduler'] as const).flatMap((n) => this.instances[n].map((s) => s.start())));
    const webs = Promise.all([this.at('web', 1).start(), this.at('web', 2).start()]);
    await this.nginx.start(`http://127.0.0.1:${this.ports.api}/healthz`);
    await webs;
  }

  async stop(): Promise<void> {
    await this.nginx.stop();
    await Promise.all(NAMES.flatMap((n) => this.instances[n].map((s) => s.stop().catch(() => undefined))));
    if (process.env.SYSTEM_KEEP !== '1') rmSync(this.dir, { recursive: true, force: true });
  }

  logTails(): string {
    const parts = NAMES.flatMap((n) => this.instances[n].map((s, i) => `--- ${n}-${i + 1} ---\n${s.logTail(8)}`));
    return [...parts, `--- nginx ---\n${this.nginx.log()}`].join('\n');
  }
}
