// Which npm packages a built service has loaded once it listens: the service's bundle (as ./build.sh
// makes it: every npm package external, so each one it imports shows as its own module) runs with
// a preload that lists the CommonJS cache and every ES module a load hook saw when the first server
// starts listening, prints them and exits.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PROBE = `
import { createRequire, register } from 'node:module';
import net from 'node:net';
const esm = new Set();
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => esm.add(url));
port1.unref();
register('data:text/javascript,' + encodeURIComponent(
  'let port; export function initialize(d) { port = d.port; }' +
  'export async function load(url, ctx, next) { port.postMessage(url); return next(url, ctx); }'),
  { data: { port: port2 }, transferList: [port2] });
const listen = net.Server.prototype.listen;
let armed = false;
net.Server.prototype.listen = function (...args) {
  if (!armed) {
    armed = true;
    // The load hook reports from its own thread: give its last messages time to arrive.
    this.once('listening', () => setTimeout(() => {
      const files = [...Object.keys(createRequire(import.meta.url).cache), ...esm];
      const names = new Set(files.map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(f)?.[1]).filter(Boolean));
      process.stdout.write('LOADED ' + JSON.stringify([...names].sort()) + '\\n');
      process.exit(0);
    }, 300));
  }
  return listen.apply(this, args);
};
`;

/**
 * Builds the four bundles into a fresh directory (the development build: ./buildprod.sh --dev),
 * under the checkout's .tmp/: the bundles find their packages in its node_modules.
 */
export function buildServices(root: string): string {
  mkdirSync(path.join(root, '.tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(root, '.tmp', 'modules-'));
  execFileSync(path.join(root, 'buildprod.sh'), ['--dev', '--no-typecheck', '--out', path.join(dir, 'dist')], { cwd: root, stdio: 'ignore', timeout: 120_000 });
  writeFileSync(path.join(dir, 'probe.mjs'), PROBE);
  return dir;
}

/**
 * Starts one built service on a spare port with a throwaway SQLite database and `env` on top of
 * conf.json, and returns the packages it loaded by the time it listened.
 */
export async function packagesAtListen(root: string, dir: string, service: string, env: Record<string, string> = {}): Promise<string[]> {
  const data = mkdtempSync(path.join(dir, `${service}-`));
  const child = spawn(process.execPath, ['--import', path.join(dir, 'probe.mjs'), path.join(dir, 'dist', 'lib', `${service}.mjs`)], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      CONFIG: path.join(root, 'conf.json'),
      LOG_LEVEL: 'warn',
      LOG_PRETTY: '0',
      DATA_DIR: path.join(data, 'data'),
      DATABASE_URL: `sqlite:${path.join(data, 'video.db')}`,
      VIDEO_DIR: path.join(data, 'videos'),
      TEMPLATES_DIR: path.join(dir, 'dist', 'templates'),
      API_PORT: '0',
      STREAM_PORT: '0',
      SCHEDULER_PORT: '0',
      WEB_PORT: '0',
      WEB_METRICS_PORT: '0',
      STREAM_WORKERS: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  const line = /^LOADED (.*)$/m.exec(out);
  if (!line) throw new Error(`${service} did not start (exit ${code}):\n${out}\n${err}`);
  return JSON.parse(line[1]) as string[];
}
