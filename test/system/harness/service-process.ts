import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export type ServiceName = 'api' | 'streamserver' | 'scheduler' | 'web';
export const SERVICE_NAMES: readonly ServiceName[] = ['api', 'streamserver', 'scheduler', 'web'];

/**
 * How a service is started. By default from its TypeScript source through tsx, so the suite tests
 * the tree as it is and needs no build step; SYSTEM_SERVICES=bin runs the bundles that
 * buildprod.sh writes to bin/ instead (what deploy.sh runs), when they exist.
 */
export function serviceCommand(name: ServiceName): { command: string; args: string[] } {
  if (process.env.SYSTEM_SERVICES === 'bin') {
    // The entry script execs node, so the pid the harness holds is the service's own.
    const entry = path.join(REPO_ROOT, 'bin', name);
    if (existsSync(entry) && existsSync(path.join(REPO_ROOT, 'bin/lib', `${name}.mjs`))) {
      return { command: entry, args: [] };
    }
    throw new Error(`SYSTEM_SERVICES=bin but no bundle for ${name} in bin/: run ./buildprod.sh first`);
  }
  return {
    command: process.execPath,
    args: ['--import', 'tsx', path.join(REPO_ROOT, `services/${name}/src/main.ts`)],
  };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the harness itself asked for the exit (kill/stop). */
  expected: boolean;
}

/**
 * One service running as a child process in a process group of its own (so a cluster of workers
 * dies with it). Output goes to a log file whose tail is shown when something goes wrong.
 */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  private expectingExit = false;
  private exitPromise: Promise<Exit> | null = null;
  /** Exits the harness did not ask for. */
  readonly unexpectedExits: Exit[] = [];
  starts = 0;

  constructor(
    readonly name: ServiceName,
    readonly port: number,
    private readonly env: Record<string, string>,
    readonly logFile: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Spawns the service and waits until GET /healthz answers 200. */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    const { command, args } = serviceCommand(this.name);
    const fd = openSync(this.logFile, 'a');
    const child = spawn(command, args, {
      // NODE points the bin/ entry scripts at the same Node as the tests.
      cwd: REPO_ROOT,
      env: { ...this.env, NODE: process.execPath },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.child = child;
    this.expectingExit = false;
    this.starts++;
    this.exitPromise = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        const exit: Exit = { code, signal, expected: this.expectingExit };
        if (!exit.expected) this.unexpectedExits.push(exit);
        resolve(exit);
      });
    });
    await this.waitHealthy(timeoutMs);
  }

  /** Polls /healthz until 200; fails early (with the log tail) if the process exits. */
  async waitHealthy(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited during start-up:\n${this.logTail()}`);
      try {
        const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2000) });
        last = `${res.status} ${await res.text()}`;
        if (res.status === 200) return;
      } catch (err) {
        last = (err as Error).message;
      }
      await sleep(100);
    }
    throw new Error(`${this.name} not healthy within ${timeoutMs} ms (last: ${last}):\n${this.logTail()}`);
  }

  /** Sends a signal to the whole process group and waits for the exit (bounded). */
  async kill(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 15_000): Promise<Exit | null> {
    const child = this.child;
    if (!child || !this.running || !child.pid) return null;
    this.expectingExit = true;
    try {
      process.kill(-child.pid, signal);
    } catch {
      child.kill(signal);
    }
    const exit = await Promise.race([this.exitPromise!, sleep(timeoutMs).then(() => null)]);
    if (exit === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      return (await Promise.race([this.exitPromise!, sleep(5000).then(() => null)])) ?? null;
    }
    // Cluster workers share the group; make sure none outlives its primary.
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* group already empty */
    }
    return exit;
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM', 12_000);
  }

  /** Resident set size in bytes of the service and every descendant process (cluster workers). */
  rssBytes(): number {
    const pid = this.pid;
    if (!pid || !this.running) throw new Error(`${this.name} is not running`);
    let total = 0;
    for (const p of [pid, ...descendants(pid)]) total += rssOf(p);
    return total;
  }

  logTail(lines = 40): string {
    try {
      const text = readFileSync(this.logFile, 'utf8');
      return text.split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** The whole log so far (for scanning for crash traces). */
  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }
}

function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may contain spaces and parentheses: the ppid follows the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(fields[1]));
    } catch {
      /* process ended while scanning */
    }
  }
  const out: number[] = [];
  const queue = [root];
  for (let i = 0; i < queue.length && i < 1000; i++) {
    for (const [pid, ppid] of parentOf) {
      if (ppid === queue[i]) {
        out.push(pid);
        queue.push(pid);
      }
    }
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
