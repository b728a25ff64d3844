import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../harness/service-process.js';

export const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
export const SHIPPED_CONFIG = path.join(REPO_ROOT, 'deploy/nginx/nginx.conf');

export interface BalancerPorts {
  /** The public listener (80 in the shipped file). */
  public: number;
  /** The listeners the webs use as api_url and stream_url (9003 and 9004 there). */
  api: number;
  stream: number;
  /** Instance ports by the shipped file's upstream names: web-1, api-2, streamserver-1, … */
  instances: Record<string, number>;
}

/**
 * The shipped deploy/nginx/nginx.conf with only what differs on one machine replaced: listen
 * ports, upstream addresses (127.0.0.1 and each instance's port; a server without a port in
 * `instances` is left out), the pid file, temp paths under `dir` (nginx runs unprivileged-style,
 * as a child, without touching /var), and the video_dir the X-Accel location serves.
 */
export function balancerConfig(shipped: string, ports: BalancerPorts, dir: string, videoDir?: string): string {
  let text = shipped;
  const swap = (from: RegExp, to: string) => {
    if (!from.test(text)) throw new Error(`the shipped nginx.conf no longer has ${from}`);
    text = text.replace(from, to);
  };
  swap(/listen 80;/, `listen 127.0.0.1:${ports.public};`);
  swap(/listen 9003;/, `listen 127.0.0.1:${ports.api};`);
  swap(/listen 9004;/, `listen 127.0.0.1:${ports.stream};`);
  swap(/pid [^;]+;/, `pid ${path.join(dir, 'nginx.pid')};`);
  text = text.replace(/^ *server ((?:web|api|streamserver)-\d+):\d+.*\n/gm, (line: string, name: string) => {
    const port = ports.instances[name];
    if (!port && name.endsWith('-1')) throw new Error(`no port for upstream server ${name}`);
    return port ? line.replace(/server \S+:\d+/, `server 127.0.0.1:${port}`) : '';
  });
  if (videoDir !== undefined) swap(/alias \/app\/data\/videos\/;/, `alias ${videoDir}/;`);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${path.join(dir, `${k}-temp`)};`).join('\n');
  swap(/^http \{$/m, `http {\n${temp}`);
  return text;
}

/** Why a test file of `file` cannot run (no nginx), printed; throws instead under REQUIRE_NGINX=1. */
export function nginxSkipReason(file: string): string | undefined {
  const missing = NginxProcess.missing();
  if (!missing) return undefined;
  if (process.env.REQUIRE_NGINX === '1') throw new Error(`REQUIRE_NGINX=1 but ${missing}`);
  console.warn(`${file} SKIPPED: ${missing}`);
  return missing;
}

/** nginx in the foreground as a child in its own process group, on a generated config. */
export class NginxProcess {
  private child: ChildProcess | null = null;

  constructor(
    private readonly dir: string,
    private readonly config: string,
  ) {}

  static missing(): string | undefined {
    return existsSync(NGINX) ? undefined : `no nginx at ${NGINX} (apt-get install nginx-light, or set NGINX_PATH)`;
  }

  get logFile(): string {
    return path.join(this.dir, 'nginx.log');
  }

  async start(healthUrl: string, timeoutMs = 20_000): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const conf = path.join(this.dir, 'nginx.conf');
    writeFileSync(conf, this.config);
    const fd = openSync(this.logFile, 'a');
    this.child = spawn(NGINX, ['-p', this.dir, '-e', 'stderr', '-c', conf, '-g', 'daemon off;'], { detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`nginx exited: ${this.log()}`);
      const ok = await fetch(healthUrl, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`nginx not answering ${healthUrl} within ${timeoutMs} ms: ${this.log()}`);
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8').slice(-4000);
    } catch {
      return '(no log)';
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(-child.pid, 'SIGQUIT');
    } catch {
      return;
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
