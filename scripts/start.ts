// `npm start`: runs the four services in the foreground, prefixing their output, and stops them all
// together on Ctrl-C, or when any one of them dies (saying which).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, resolveInternalToken, type Config } from '@video/shared/config';
import { SERVICES, serviceOrigin } from './service-origins.js';
import { chooseRunner, serviceCommand } from './start-choice.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const COLORS = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m'];
const tty = process.stdout.isTTY;

let config: Config;
try {
  config = loadConfig();
  // Made here, before any service starts, so all four read the one file (each would agree anyway: the
  // file is created exclusively). The token itself stays in the file, out of the services' environment.
  resolveInternalToken(config);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(78);
  }
  throw err;
}
const cfg = config;

const children = new Map<string, ChildProcess>();
let stopping = false;
let exitCode = 0;

function prefix(name: string, i: number, chunk: Buffer, out: NodeJS.WriteStream, state: { rest: string }) {
  const text = state.rest + chunk.toString('utf8');
  const lines = text.split('\n');
  state.rest = lines.pop() ?? '';
  const tag = tty ? `${COLORS[i]}${name.padEnd(12)}\x1b[0m│ ` : `${name.padEnd(12)}| `;
  for (const line of lines) out.write(`${tag}${line}\n`);
}

function stopAll(reason: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\nstopping all services (${reason})…`);
  for (const child of children.values()) child.kill('SIGTERM');
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
  }, 15_000).unref();
}

const runner = chooseRunner(root, SERVICES);
console.log(runner.line);

SERVICES.forEach((name, i) => {
  const command = serviceCommand(root, runner, name);
  // Own process group: Ctrl-C reaches only this launcher, which sends each service one SIGTERM.
  const child = spawn(process.execPath, command.args, {
    cwd: root,
    env: { ...process.env, ...command.env, LOG_PRETTY: tty && !process.env.CI ? '1' : (process.env.LOG_PRETTY ?? '0') },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.set(name, child);
  const out = { rest: '' };
  const err = { rest: '' };
  child.stdout!.on('data', (d: Buffer) => prefix(name, i, d, process.stdout, out));
  child.stderr!.on('data', (d: Buffer) => prefix(name, i, d, process.stderr, err));
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      console.error(`${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the others.`);
      exitCode = 1;
      stopAll(`${name} died`);
    } else if (code !== 0) {
      console.error(`${name} stopped with ${signal ?? `code ${code}`}`);
      exitCode = exitCode || 1;
    }
    if (children.size === 0) process.exit(exitCode);
  });
});

process.on('SIGINT', () => stopAll('SIGINT'));
process.on('SIGTERM', () => stopAll('SIGTERM'));
process.on('exit', () => {
  for (const child of children.values()) child.kill('SIGKILL');
});

// Say where to go once every service answers its health check.
const deadline = Date.now() + 60_000;
const origins = SERVICES.map((name) => serviceOrigin(cfg, name));
async function waitReady() {
  while (!stopping && Date.now() < deadline) {
    const ok = await Promise.all(
      origins.map((o) =>
        fetch(`${o}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
          (r) => r.ok,
          () => false,
        ),
      ),
    );
    if (ok.every(Boolean)) {
      console.log(`\n  The site is up: ${origins[3]}/   (Ctrl-C stops all four services)\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  if (!stopping) console.error('not every service answered /healthz within 60 s; see the logs above');
}
void waitReady();
