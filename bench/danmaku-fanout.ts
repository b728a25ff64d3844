/**
 * Live danmaku fan-out: N viewers on one video (real WebSockets), M danmaku posted one after another
 * over HTTP; measures, per delivery, the time from sending the POST to the viewer's receipt.
 *
 *   npx tsx bench/danmaku-fanout.ts [--viewers 500] [--posts 20] [--redis redis://127.0.0.1:6379]
 *
 * Without --redis: one api instance, rooms in process. With it: two instances on one database,
 * viewers split between them, posts alternating, fan-out through Redis pub/sub (a throwaway key
 * prefix, removed afterwards). SQLite in a temporary directory.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { displayCtime, insertSession, insertUser, insertVideo } from '@video/shared';
import { openTestDb, testConfig } from '@video/shared/testing';
import { buildApp } from '../services/api/src/app.js';

const { values: args } = parseArgs({
  options: {
    viewers: { type: 'string', default: '500' },
    posts: { type: 'string', default: '20' },
    redis: { type: 'string', default: '' },
  },
});
const VIEWERS = Number(args.viewers);
const POSTS = Number(args.posts);
const prefix = `bench-danmaku-${randomBytes(4).toString('hex')}:`;

const { db, close } = await openTestDb('sqlite');
const config = testConfig(args.redis ? { redis_url: `${args.redis}/0?prefix=${prefix}` } : {});
const apps = await Promise.all((args.redis ? [0, 1] : [0]).map(() => buildApp(config, { db, logger: false })));
const bases = await Promise.all(apps.map((app) => app.listen({ port: 0, host: '127.0.0.1' })));

const now = Date.now();
// Several posters, so the per-user limit (5 per 10 s) does not pace the run.
const sessions: string[] = [];
let userId = 0;
for (let u = 0; u < Math.ceil(POSTS / 5); u++) {
  userId = await insertUser(db.kysely, { user_name: `bench${u}`, pwd_hash: 'x', create_time: now });
  const session = randomUUID();
  await insertSession(db.kysely, { id: session, user_id: userId, create_time: now, expires_at: now + 3_600_000 });
  sessions.push(session);
}
const video = randomUUID();
await insertVideo(db.kysely, {
  id: video, author_id: userId, name: 'bench', display_ctime: displayCtime(now), create_time: now,
  deleted_at: null, upload_state: 'ready', size: 1, content_type: 'video/mp4', updated_at: now,
});

const sentAt = new Map<string, number>();
const latencies: number[] = [];
const sockets: WebSocket[] = [];
for (let i = 0; i < VIEWERS; i++) {
  const ws = new WebSocket(`${bases[i % bases.length]!.replace('http', 'ws')}/danmaku/ws?id=${video}`);
  ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString());
    if (m.type === 'danmaku') latencies.push(performance.now() - sentAt.get(m.data[4])!);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  sockets.push(ws);
}
// Heartbeats, as the page sends them, so no viewer expires during a long run.
const heartbeat = setInterval(() => {
  for (const ws of sockets) if (ws.readyState === WebSocket.OPEN) ws.send('{"type":"ping"}');
}, 10_000);
// Let the joins' counts settle before measuring.
await new Promise((r) => setTimeout(r, 500));

const started = performance.now();
for (let i = 0; i < POSTS; i++) {
  const text = `bench ${i}`;
  sentAt.set(text, performance.now());
  const res = await fetch(`${bases[i % bases.length]}/danmaku/v3/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-session-id': sessions[Math.floor(i / 5)]! },
    body: JSON.stringify({ id: video, time: i, text, color: 0, type: 0 }),
  });
  if (res.status === 429) {
    i--;
    await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
    continue;
  }
  const deadline = performance.now() + 5000;
  while (latencies.length < (i + 1) * VIEWERS && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
}
const elapsed = performance.now() - started;

latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
console.log(
  `| ${args.redis ? 'Redis, 2 instances' : 'in process, 1 instance'} | ${VIEWERS} | ${POSTS} | ` +
    `${latencies.length}/${VIEWERS * POSTS} | ${pct(50)} | ${pct(99)} | ${latencies.at(-1)!.toFixed(1)} |`,
);
console.error(`(${(elapsed / 1000).toFixed(1)} s for the posts)`);

clearInterval(heartbeat);
for (const ws of sockets) ws.close();
for (const app of apps) await app.close();
if (args.redis) {
  const redis = new Redis(args.redis);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
}
await close();
