// Idle-memory probe, loaded with `node --import ./bench/memprobe.mjs <service bundle>`: after
// MEMPROBE_AFTER_MS (10000) it writes one JSON line to stderr (or MEMPROBE_OUT) with
// process.memoryUsage(), the V8 heap spaces, the packages loaded (CommonJS cache plus ES modules
// seen by a load hook) and, with --expose-gc, the same figures again after a full collection.
import { writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import v8 from 'node:v8';

// The ES-module count needs a load hook, which runs in a worker thread of its own (a second V8
// isolate: RSS grows by 20 MB or more), so it is off unless MEMPROBE_ESM=1.
const esm = new Set();
if (process.env.MEMPROBE_ESM === '1') {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (url) => esm.add(url));
  port1.unref();
  register(
    'data:text/javascript,' +
      encodeURIComponent(
        'let port; export function initialize(d) { port = d.port; }' +
          'export async function load(url, ctx, next) { port.postMessage(url); return next(url, ctx); }',
      ),
    { data: { port: port2 }, transferList: [port2] },
  );
}

const mb = (n) => Math.round((n / 1048576) * 10) / 10;
function snapshot() {
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(
    v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: mb(s.space_size), used: mb(s.space_used_size) }]),
  );
  return { rss: mb(m.rss), heapTotal: mb(m.heapTotal), heapUsed: mb(m.heapUsed), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers), spaces };
}

const timer = setTimeout(() => {
  const files = [...Object.keys(createRequire(import.meta.url).cache), ...esm];
  const pkgs = {};
  for (const f of files) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f)?.[1];
    if (name) pkgs[name] = (pkgs[name] ?? 0) + 1;
  }
  const out = { pid: process.pid, argv: process.argv.slice(1), execArgv: process.execArgv, modules: files.length, idle: snapshot() };
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    out.afterGc = snapshot();
  }
  out.packages = Object.fromEntries(Object.entries(pkgs).sort((a, b) => b[1] - a[1]));
  const line = JSON.stringify(out) + '\n';
  if (process.env.MEMPROBE_OUT) writeFileSync(process.env.MEMPROBE_OUT, line, { flag: 'a' });
  else process.stderr.write(line);
}, Number(process.env.MEMPROBE_AFTER_MS ?? 10000));
timer.unref();
