import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { siteEnv } from '../system/harness/site-env.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVICES = ['api', 'streamserver', 'scheduler', 'web'] as const;
export type Service = (typeof SERVICES)[number];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (bounded by timeoutMs) and returns its exit code and output. */
export function run(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd ?? ROOT,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 60_000,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** `count` distinct ports that were free a moment ago. */
export async function sparePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<import('node:net').Server>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Whether a process with this pid exists (an exited, unreaped zombie does not count). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return !existsSync('/proc/self/stat');
  }
}

/**
 * The command lines of the living processes that mention `text`, read from /proc (no `ps`, which a
 * minimal system may lack: an absent tool would make the check pass without looking).
 */
export function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue; // exited meanwhile
    }
    if (cmdline.includes(text) && alive(Number(entry))) found.push(`${entry} ${cmdline}`);
  }
  return found;
}

/** Polls `check` every 100 ms until it is true or timeoutMs passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/** The environment of a deployed site on these ports; the web's own metrics port is off unless given. */
export function deployEnv(ports: Record<Service, number>, dataDir: string, binDir: string, webMetricsPort = 0): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Keys a developer's shell may carry would change what the test runs against.
  for (const key of Object.keys(env)) {
    if (/^(CONFIG|BIN_DIR|RUN_DIR|LOG_DIR|LOG_PRETTY|NODE_OPTIONS|VITEST.*)$/.test(key)) delete env[key];
  }
  return {
    ...env,
    BIN_DIR: binDir,
    ...siteEnv(ports, { databaseUrl: `sqlite:${path.join(dataDir, 'video.db')}`, videoDir: path.join(dataDir, 'videos'), webMetricsPort }),
    BCRYPT_COST: '4',
    LOG_LEVEL: 'info',
    LOG_PRETTY: '0',
    START_TIMEOUT: '90',
    STOP_TIMEOUT: '15',
  };
}
