/**
 * Media processing, end to end on the real services (SQLite, one scheduler, default ladder):
 *   - a SOURCE_SECONDS 720p H.264/AAC source uploaded through the web; time from the upload's 201
 *     to the poster being served, and to processing done (as a multiple of the video's length);
 *   - the scheduler's CPU seconds (its own and its ffmpeg children's) and peak RSS of the scheduler
 *     and of its largest ffmpeg, sampled every 100 ms from /proc;
 *   - the stream server serving the 720p rendition's HLS byte ranges (playlist order) at 16 and 64
 *     connections beside nginx-light (sendfile) serving the same file, alternating, wrk 2 threads.
 *
 * Usage: npx tsx bench/transcode.ts [--seconds 60] [--duration 8] [--rounds 2]
 * Needs ffmpeg, wrk and nginx (Debian's nginx-light); writes only under a fresh temporary folder.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../test/system/harness/ports.js';
import { Site } from '../test/system/harness/site.js';
import { SiteUser } from '../test/system/harness/site-user.js';

const { values: args } = parseArgs({
  options: { seconds: { type: 'string', default: '60' }, duration: { type: 'string', default: '8' }, rounds: { type: 'string', default: '2' } },
});
const SOURCE_SECONDS = Number(args.seconds);
const WRK_SECONDS = Number(args.duration);
const ROUNDS = Number(args.rounds);
const TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function makeSource(dir: string): string {
  const file = path.join(dir, 'source-720p.mp4');
  const d = String(SOURCE_SECONDS);
  execFileSync('ffmpeg', [
    '-nostdin', '-hide_banner', '-loglevel', 'error',
    '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${d}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${d}`,
    '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '2500k', '-pix_fmt', 'yuv420p', '-g', '60',
    '-c:a', 'aac', '-b:a', '128k', '-shortest', '-movflags', '+faststart', file,
  ]);
  return file;
}

/** /proc/<pid>/stat fields after the command name: [ppid, utime, stime, cutime, cstime]. */
function procStat(pid: number): { ppid: number; ticks: number } | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
  } catch {
    return undefined;
  }
}

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((p) => procStat(p)?.ppid === pid);
}

/** Samples the scheduler's RSS and its largest child's until stopped. */
function startSampler(pid: number): { stop(): { scheduler: number; ffmpeg: number } } {
  let scheduler = 0;
  let ffmpeg = 0;
  const timer = setInterval(() => {
    scheduler = Math.max(scheduler, rssBytes(pid));
    for (const child of childrenOf(pid)) ffmpeg = Math.max(ffmpeg, rssBytes(child));
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return { scheduler, ffmpeg };
    },
  };
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(100);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

interface Processed {
  videoId: string;
  posterMs: number;
  doneMs: number;
  cpuSeconds: number;
  peak: { scheduler: number; ffmpeg: number };
}

async function processOne(site: Site, source: string): Promise<Processed> {
  const user = await SiteUser.fresh(site.web, 'bench').mustSignup();
  const video = await user.mustCreateVideo('transcode bench');
  const pid = site.services.scheduler.pid!;
  const sampler = startSampler(pid);
  const cpu0 = procStat(pid)!.ticks;
  await user.mustUpload(video.id, readFileSync(source));
  const t0 = Date.now();
  const posterMs = await waitFor('poster', 600_000, async () => {
    const res = await fetch(`${site.web}/videos/${video.id}/poster.jpg`);
    await res.arrayBuffer();
    return res.status === 200 ? Date.now() - t0 : undefined;
  });
  const state = await waitFor('processing done', 1_800_000, async () => {
    const res = await fetch(`${site.web}/api/videos/${video.id}`);
    const s = ((await res.json()) as { processing?: { state: string; error: string | null } }).processing;
    return s && (s.state === 'done' || s.state === 'failed') ? s : undefined;
  });
  if (state.state !== 'done') throw new Error(`processing failed: ${state.error}`);
  const doneMs = Date.now() - t0;
  // ffmpeg's CPU lands in the scheduler's cutime/cstime once it is reaped.
  const cpuSeconds = (procStat(pid)!.ticks - cpu0) / TICKS;
  return { videoId: video.id, posterMs, doneMs, cpuSeconds, peak: sampler.stop() };
}

/** The 720p rendition: its file on disk, its URL on the stream server, and its ranges in playlist order. */
async function rendition(site: Site, videoId: string, work: string) {
  const master = await (await fetch(`${site.stream}/videos/${videoId}/hls/master.m3u8`)).text();
  const variant = master.split('\n').find((l) => l.startsWith('720.m3u8'));
  if (!variant) throw new Error(`no 720p rendition in:\n${master}`);
  const gen = new URL(variant, 'http://x/').searchParams.get('g')!;
  const playlist = await (await fetch(`${site.stream}/videos/${videoId}/hls/${variant}`)).text();
  const ranges: string[] = [];
  for (const m of playlist.matchAll(/BYTERANGE[:=]"?(\d+)@(\d+)/g)) {
    const [len, start] = [Number(m[1]), Number(m[2])];
    ranges.push(`${start}-${start + len - 1}`);
  }
  const rangesFile = path.join(work, 'ranges.txt');
  writeFileSync(rangesFile, `${ranges.join('\n')}\n`);
  return {
    dir: path.join(site.videoDir, '.media', videoId, gen),
    url: `${site.stream}/videos/${videoId}/hls/720.mp4?g=${gen}`,
    rangesFile,
    count: ranges.length,
  };
}

/**
 * nginx-light (sendfile) serving a copy of the rendition from a folder its workers may read (the
 * site's own folder is private to this user). Stopped by the caller, also when it fails to start.
 */
async function startNginx(work: string, file: string, started: (stop: () => void) => void): Promise<string> {
  const port = await freePort();
  const root = path.join(work, 'nginx');
  mkdirSync(path.join(root, 'hls'), { recursive: true });
  copyFileSync(file, path.join(root, 'hls', '720.mp4'));
  for (const dir of [work, root, path.join(root, 'hls')]) chmodSync(dir, 0o755);
  chmodSync(path.join(root, 'hls', '720.mp4'), 0o644);
  const conf = path.join(root, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 2; pid ${root}/nginx.pid; error_log ${root}/error.log warn;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush off; keepalive_requests 1000000; default_type video/mp4;
  client_body_temp_path ${root}/nb; proxy_temp_path ${root}/np; fastcgi_temp_path ${root}/nf; uwsgi_temp_path ${root}/nu; scgi_temp_path ${root}/ns;
  server { listen 127.0.0.1:${port}; location /hls/ { root ${root}; } } }\n`,
  );
  execFileSync('nginx', ['-c', conf, '-p', root, '-e', `${root}/error.log`]);
  started(() => spawnSync('kill', [readFileSync(`${root}/nginx.pid`, 'utf8').trim()]));
  const url = `http://127.0.0.1:${port}/hls/720.mp4`;
  await waitFor('nginx', 10_000, async () => ((await fetch(url, { method: 'HEAD' })).ok ? true : undefined));
  return url;
}

function wrk(url: string, connections: number, rangesFile: string): { rps: number; p99: number; errors: number } {
  const out = execFileSync(
    'wrk',
    ['-t2', `-c${connections}`, `-d${WRK_SECONDS}s`, '--latency', '-s', path.join(import.meta.dirname, 'hls-range.lua'), url],
    { env: { ...process.env, RANGES_FILE: rangesFile }, encoding: 'utf8' },
  );
  const m = /RESULT rps=([\d.]+) p50_ms=[\d.]+ p99_ms=([\d.]+) errors=(\d+)/.exec(out);
  if (!m) throw new Error(`wrk printed no result:\n${out}`);
  return { rps: Number(m[1]), p99: Number(m[2]), errors: Number(m[3]) };
}

function rangeTable(stream: string, nginx: string, rangesFile: string): string[] {
  const rows = ['| connections | stream server req/s | nginx req/s | ratio | stream p99 ms | nginx p99 ms | errors |', '| --- | --- | --- | --- | --- | --- | --- |'];
  for (const c of [16, 64]) {
    const s: number[] = [];
    const n: number[] = [];
    let sp = 0;
    let np = 0;
    let errors = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const a = wrk(stream, c, rangesFile);
      const b = wrk(nginx, c, rangesFile);
      s.push(a.rps);
      n.push(b.rps);
      sp = Math.max(sp, a.p99);
      np = Math.max(np, b.p99);
      errors += a.errors + b.errors;
    }
    const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
    rows.push(`| ${c} | ${mean(s).toFixed(0)} | ${mean(n).toFixed(0)} | ${(mean(s) / mean(n)).toFixed(2)}× | ${sp.toFixed(1)} | ${np.toFixed(1)} | ${errors} |`);
  }
  return rows;
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'transcode-bench-'));
  const site = await Site.create({ databaseUrl: `sqlite:${work}/video.db`, env: { STREAM_MAX_CONNECTIONS: '1000' } });
  let nginx: { stop(): void } | undefined = undefined as { stop(): void } | undefined;
  try {
    console.log(`load before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; making a ${SOURCE_SECONDS} s 720p source …`);
    const source = makeSource(work);
    await site.start();
    const p = await processOne(site, source);
    const mib = (b: number) => (b / 1048576).toFixed(0);
    console.log(`\n| source | time to poster | processing done | × real time | CPU s (scheduler + ffmpeg) | peak RSS scheduler | peak RSS ffmpeg |`);
    console.log(`| --- | --- | --- | --- | --- | --- | --- |`);
    console.log(
      `| ${SOURCE_SECONDS} s 720p H.264/AAC | ${(p.posterMs / 1000).toFixed(1)} s | ${(p.doneMs / 1000).toFixed(1)} s | ${(p.doneMs / 1000 / SOURCE_SECONDS).toFixed(2)} | ${p.cpuSeconds.toFixed(1)} | ${mib(p.peak.scheduler)} MiB | ${mib(p.peak.ffmpeg)} MiB |`,
    );
    const r = await rendition(site, p.videoId, work);
    const nginxUrl = await startNginx(work, path.join(r.dir, '720.mp4'), (stop) => (nginx = { stop }));
    console.log(`\nHLS byte ranges of the 720p rendition (${r.count} ranges, playlist order), ${WRK_SECONDS} s × ${ROUNDS} rounds:\n`);
    for (const row of rangeTable(r.url, nginxUrl, r.rangesFile)) console.log(row);
    console.log(`\nload after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    nginx?.stop();
    await site.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
