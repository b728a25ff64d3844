import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { freePort } from './ports.js';
import { sleep } from './service-process.js';

const INSTALL_DB = ['mariadb-install-db', 'mysql_install_db'];
const SERVER = ['mariadbd', 'mysqld'];

function findBinary(names: string[]): string | undefined {
  for (const name of names) {
    for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
      const full = path.join(dir, name);
      if (existsSync(full)) return full;
    }
    const which = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  }
  return undefined;
}

/** Why a private MariaDB cannot be run here, or undefined when it can. */
export function mariadbMissing(): string | undefined {
  if (!findBinary(INSTALL_DB)) return 'mariadb-install-db not found (apt-get install mariadb-server)';
  if (!findBinary(SERVER)) return 'mariadbd not found (apt-get install mariadb-server)';
  return undefined;
}

/**
 * A MariaDB server of the test's own: a fresh data directory in /tmp, a spare port on 127.0.0.1 and
 * a socket in that directory, so it can be stopped and restarted without touching the shared server
 * on 3306. Root has no password and no grant-table tricks are needed: the instance is private.
 */
export class PrivateMariaDb {
  private child: ChildProcess | null = null;
  private exited: Promise<void> | null = null;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<PrivateMariaDb> {
    const missing = mariadbMissing();
    if (missing) throw new Error(missing);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'video-mariadb-'));
    const port = await freePort();
    if (port === 3306) throw new Error('refusing to run a private MariaDB on 3306');
    execFileSync(
      findBinary(INSTALL_DB)!,
      [
        '--no-defaults',
        '--user=root',
        `--datadir=${path.join(dir, 'data')}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
    );
    return new PrivateMariaDb(dir, port);
  }

  url(database: string): string {
    return `mysql://root@127.0.0.1:${this.port}/${database}`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(timeoutMs = 30_000): Promise<void> {
    if (this.running) throw new Error('mariadb already running');
    const log = openSync(path.join(this.dir, 'server.log'), 'a');
    const child = spawn(
      findBinary(SERVER)!,
      [
        '--no-defaults',
        `--datadir=${path.join(this.dir, 'data')}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        `--socket=${path.join(this.dir, 'mysqld.sock')}`,
        `--pid-file=${path.join(this.dir, 'mysqld.pid')}`,
        '--user=root',
        '--skip-name-resolve',
        '--skip-log-bin',
        '--innodb-buffer-pool-size=64M',
        '--innodb-log-file-size=16M',
        '--max-connections=300',
        `--log-error=${path.join(this.dir, 'error.log')}`,
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`mariadbd exited at start:\n${this.errorLog()}`);
      try {
        const c = await createConnection({ host: '127.0.0.1', port: this.port, user: 'root', connectTimeout: 1000 });
        await c.end();
        return;
      } catch {
        await sleep(150);
      }
    }
    throw new Error(`mariadbd not accepting connections within ${timeoutMs} ms:\n${this.errorLog()}`);
  }

  /** A clean shutdown (SIGTERM), waited for; SIGKILL if it takes longer than the bound. */
  async stop(timeoutMs = 30_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill('SIGTERM');
    const done = await Promise.race([this.exited!.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!done) {
      child.kill('SIGKILL');
      await Promise.race([this.exited!, sleep(5000)]);
    }
  }

  async query(sql: string): Promise<unknown> {
    const c = await createConnection({ host: '127.0.0.1', port: this.port, user: 'root', connectTimeout: 3000 });
    try {
      const [rows] = await c.query(sql);
      return rows;
    } finally {
      await c.end();
    }
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  errorLog(): string {
    try {
      return readFileSync(path.join(this.dir, 'error.log'), 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '(no error log)';
    }
  }
}
