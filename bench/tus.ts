/**
 * Resumable (tus) upload vs the multipart route: one large file sent to a fresh stream server
 * process per run, through tus in fixed-size PATCH chunks and as one multipart POST /upload/:vid,
 * alternating so machine drift hits both. Reports MiB/s of file content and the server's peak RSS
 * (VmHWM from /proc). Traffic goes only to 127.0.0.1; everything is written under a fresh temp dir.
 *
 *   npx tsx bench/tus.ts [--size-mib 500] [--chunk-mib 8] [--rounds 2]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectDatabase, insertSession, insertUser, insertVideo, migrate } from '@video/shared';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 1024 * 1024;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write('Usage: npx tsx bench/tus.ts [--size-mib 500] [--chunk-mib 8] [--rounds 2]\n');
  process.exit(0);
}

const sizeMib = arg('size-mib', 500);
const chunkMib = arg('chunk-mib', 8);
const rounds = arg('rounds', 2);
const size = Math.round(sizeMib * MiB);
const chunk = Math.round(chunkMib * MiB);

const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-tus-'));
const videoDir = path.join(dir, 'videos');
const dbUrl = `sqlite:${path.join(dir, 'video.db')}`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The test file: a real MP4 head (so it sniffs as video) followed by random bytes, written in 8 MiB pieces. */
async function makeFile(file: string): Promise<string> {
  const head = readFileSync(path.join(ROOT, 'services/streamserver/test/fixtures/sample.mp4'));
  const out = createWriteStream(file);
  const hash = createHash('sha256');
  const write = (b: Buffer) =>
    new Promise<void>((resolve, reject) => {
      hash.update(b);
      out.write(b, (err) => (err ? reject(err) : resolve()));
    });
  await write(head.subarray(0, Math.min(head.length, size)));
  for (let left = size - Math.min(head.length, size); left > 0; left -= 8 * MiB) await write(randomBytes(Math.min(left, 8 * MiB)));
  await new Promise<void>((resolve) => out.end(resolve));
  return hash.digest('hex');
}

async function seed(videos: number): Promise<{ sessionId: string; ids: string[] }> {
  const db = connectDatabase(dbUrl);
  await migrate(db);
  const now = Date.now();
  const userId = await insertUser(db.kysely, { user_name: `bench${now}`, pwd_hash: 'x', create_time: now });
  const sessionId = randomUUID();
  await insertSession(db.kysely, { id: sessionId, user_id: userId, create_time: now, expires_at: now + 86_400_000 });
  const ids: string[] = [];
  for (let i = 0; i < videos; i++) {
    const id = randomUUID();
    ids.push(id);
    await insertVideo(db.kysely, {
      id,
      author_id: userId,
      name: id,
      display_ctime: 'Jan 02 2006, 15:04:05',
      create_time: now,
      deleted_at: null,
      upload_state: 'pending',
      size: null,
      content_type: null,
      updated_at: now,
    });
  }
  await db.close();
  return { sessionId, ids };
}

interface Server {
  child: ChildProcess;
  base: string;
}

async function startServer(): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'services/streamserver/src/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      STREAM_PORT: String(port),
      DATABASE_URL: dbUrl,
      VIDEO_DIR: videoDir,
      LOG_LEVEL: 'warn',
      MAX_UPLOAD_MB: String(Math.max(1024, Math.ceil(sizeMib) + 1)),
      STREAM_WORKERS: '1',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return { child, base };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  throw new Error('the stream server did not start within 30 s');
}

/** VmHWM (peak resident set) or VmRSS (now) of a process, in MiB. */
function rssMib(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function stopServer(s: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    s.child.once('exit', () => resolve());
    s.child.kill('SIGTERM');
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function send(
  base: string,
  method: string,
  urlPath: string,
  headers: Record<string, string>,
  body?: NodeJS.ReadableStream | Buffer[],
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: urlPath, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    if (!body) return void req.end();
    if (Array.isArray(body)) {
      for (const b of body) req.write(b);
      return void req.end();
    }
    body.on('error', reject);
    body.pipe(req);
  });
}

async function tusUpload(base: string, sessionId: string, videoId: string, file: string): Promise<void> {
  const auth = { 'tus-resumable': '1.0.0', 'x-session-id': sessionId };
  const created = await send(base, 'POST', '/files', {
    ...auth,
    'upload-length': String(size),
    'upload-metadata': `video_id ${Buffer.from(videoId).toString('base64')}`,
  });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${created.text}`);
  const location = new URL(String(created.headers.location));
  for (let offset = 0; offset < size; offset += chunk) {
    const end = Math.min(size, offset + chunk);
    const res = await send(
      base,
      'PATCH',
      location.pathname,
      {
        ...auth,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': String(offset),
        'content-length': String(end - offset),
      },
      createReadStream(file, { start: offset, end: end - 1, highWaterMark: 256 * 1024 }),
    );
    if (res.status !== 204) throw new Error(`PATCH at ${offset}: ${res.status} ${res.text}`);
  }
}

async function multipartUpload(base: string, sessionId: string, videoId: string, file: string): Promise<void> {
  const boundary = `----bench${randomUUID()}`;
  const pre = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
  );
  const post = Buffer.from(`\r\n--${boundary}--\r\n`);
  const { PassThrough } = await import('node:stream');
  const body = new PassThrough({ highWaterMark: 256 * 1024 });
  body.write(pre);
  const src = createReadStream(file, { highWaterMark: 256 * 1024 });
  src.pipe(body, { end: false });
  src.on('end', () => body.end(post));
  const res = await send(
    base,
    'POST',
    `/upload/${videoId}`,
    {
      'x-session-id': sessionId,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(pre.length + size + post.length),
    },
    body,
  );
  if (res.status !== 201) throw new Error(`multipart: ${res.status} ${res.text}`);
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => hash.update(c))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

interface Result {
  mode: string;
  seconds: number;
  mibPerSec: number;
  startRssMib: number;
  peakRssMib: number;
}

try {
  const file = path.join(dir, 'big.mp4');
  process.stderr.write(`writing a ${sizeMib} MiB test file under ${dir}\n`);
  const expected = await makeFile(file);
  const { sessionId, ids } = await seed(rounds * 2);
  const results: Result[] = [];
  let n = 0;
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 === 0 ? ['tus', 'multipart'] : ['multipart', 'tus']) {
      const videoId = ids[n++];
      const server = await startServer();
      const startRss = rssMib(server.child.pid as number, 'VmRSS');
      const t0 = process.hrtime.bigint();
      if (mode === 'tus') await tusUpload(server.base, sessionId, videoId, file);
      else await multipartUpload(server.base, sessionId, videoId, file);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const peak = rssMib(server.child.pid as number, 'VmHWM');
      await stopServer(server);
      const stored = path.join(videoDir, videoId);
      if (statSync(stored).size !== size || (await sha256File(stored)) !== expected) throw new Error(`${mode}: stored file differs`);
      rmSync(stored);
      results.push({ mode, seconds, mibPerSec: sizeMib / seconds, startRssMib: startRss, peakRssMib: peak });
      process.stderr.write(
        `${mode}: ${seconds.toFixed(2)} s, ${(sizeMib / seconds).toFixed(1)} MiB/s, RSS ${startRss.toFixed(0)} MiB idle, ${peak.toFixed(0)} MiB peak\n`,
      );
    }
  }
  const rows = ['tus', 'multipart'].map((mode) => {
    const rs = results.filter((x) => x.mode === mode);
    const mean = (f: (x: Result) => number) => rs.reduce((a, x) => a + f(x), 0) / rs.length;
    const label = mode === 'tus' ? `tus, ${chunkMib} MiB PATCHes` : 'multipart POST /upload/:vid';
    const range = `${Math.min(...rs.map((x) => x.mibPerSec)).toFixed(1)}–${Math.max(...rs.map((x) => x.mibPerSec)).toFixed(1)}`;
    const idle = Math.max(...rs.map((x) => x.startRssMib)).toFixed(0);
    const peak = Math.max(...rs.map((x) => x.peakRssMib)).toFixed(0);
    return `| ${label} | ${mean((x) => x.mibPerSec).toFixed(1)} | ${range} | ${idle} | ${peak} |`;
  });
  process.stdout.write(
    [
      `${sizeMib} MiB file, ${rounds} run(s) per mode, fresh server process per run, ${os.cpus().length} cores, Node ${process.version}`,
      '',
      '| upload | MiB/s (mean) | MiB/s (min–max) | server RSS idle (MiB) | server peak RSS (MiB) |',
      '| --- | --- | --- | --- | --- |',
      ...rows,
      '',
    ].join('\n'),
  );
} finally {
  agent.destroy();
  rmSync(dir, { recursive: true, force: true });
}
