/**
 * new_video fan-out: a channel with N followers, each with a bell open (a real WebSocket to the
 * api), publishes a video; measures the time from the announce job's start (the upload has
 * completed) until every follower's socket has the notification.
 *
 *   npx tsx bench/notify-fanout.ts [--followers 1000] [--redis redis://127.0.0.1:6379/12]
 *
 * Without --redis: one api instance, which finds the scheduler's rows by its 0.5 s poll. With it:
 * two instances on one database, sockets split between them, the job publishing on each user's
 * channel (a throwaway prefix, removed afterwards). SQLite in a temporary directory.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { displayCtime, insertSession, insertUser, insertVideo } from '@video/shared';
import { openTestDb, testConfig } from '@video/shared/testing';
import { buildApp } from '../services/api/src/app.js';
import { createAnnounceJob } from '../services/scheduler/src/announce/announce-job.js';

const { values: args } = parseArgs({
  options: { followers: { type: 'string', default: '1000' }, redis: { type: 'string', default: '' } },
});
const FOLLOWERS = Number(args.followers);
const prefix = `bench-notify-${randomBytes(4).toString('hex')}:`;

const { db, close } = await openTestDb('sqlite');
const config = testConfig({ ws_max_per_address: FOLLOWERS + 10, ...(args.redis ? { redis_url: `${args.redis}?prefix=${prefix}` } : {}) });
const apps = await Promise.all((args.redis ? [0, 1] : [0]).map(() => buildApp(config, { db, logger: false })));
const bases = await Promise.all(apps.map((app) => app.listen({ port: 0, host: '127.0.0.1' })));

const now = Date.now();
const author = await insertUser(db.kysely, { user_name: 'channel', pwd_hash: 'x', create_time: now });
const sessions: string[] = [];
for (let u = 0; u < FOLLOWERS; u++) {
  const id = await insertUser(db.kysely, { user_name: `fan${u}`, pwd_hash: 'x', create_time: now });
  await db.kysely.insertInto('follows').values({ follower_id: id, followee_id: author, time: now }).execute();
  const session = randomUUID();
  await insertSession(db.kysely, { id: session, user_id: id, create_time: now, expires_at: now + 3_600_000 });
  sessions.push(session);
}

let started = 0;
const latencies: number[] = [];
const sockets: WebSocket[] = [];
for (let i = 0; i < FOLLOWERS; i++) {
  const ws = new WebSocket(`${bases[i % bases.length]!.replace('http', 'ws')}/notifications/ws`, { headers: { 'x-session-id': sessions[i]! } });
  ws.on('message', (raw) => {
    if ((JSON.parse(raw.toString()) as { type: string }).type === 'new_video') latencies.push(performance.now() - started);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  sockets.push(ws);
}
await new Promise((r) => setTimeout(r, 500));

const noop = () => undefined;
const log = { info: noop, warn: console.error, error: console.error, debug: noop, trace: noop, fatal: noop, child: () => log } as never;
const job = createAnnounceJob({ db, log, config });
const video = randomUUID();
await insertVideo(db.kysely, {
  id: video, author_id: author, name: 'new upload', display_ctime: displayCtime(now), create_time: Date.now(),
  deleted_at: null, upload_state: 'ready', size: 1, content_type: 'video/mp4', updated_at: now,
});
started = performance.now();
await job.run(new AbortController().signal);
const stored = performance.now() - started;
const deadline = performance.now() + 10_000;
while (latencies.length < FOLLOWERS && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));

latencies.sort((a, b) => a - b);
const pct = (p: number) => (latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN).toFixed(0);
console.log(
  `| ${args.redis ? 'Redis, 2 instances' : 'no Redis (poll), 1 instance'} | ${FOLLOWERS} | ${stored.toFixed(0)} | ` +
    `${latencies.length}/${FOLLOWERS} | ${pct(50)} | ${pct(99)} | ${(latencies.at(-1) ?? NaN).toFixed(0)} |`,
);

await job.close?.();
for (const ws of sockets) ws.close();
for (const app of apps) await app.close();
if (args.redis) {
  const redis = new Redis(args.redis);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
}
await close();
