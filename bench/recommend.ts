/**
 * Offline evaluation of /user/:me/recommended on synthetic users with planted tastes: 20 tag
 * communities, 5,000 videos (250 per community, each with two of its community's five tags and
 * sometimes a site-wide one), 200 creators (10 per community) and 2,000 viewers who like, watch,
 * save and follow mostly within their community. 30% of each viewer's likes are held out (the
 * like, its watch and its save removed); the recommender then ranks for the viewer and is scored
 * against the held-out likes and against the planted community, next to the `hot` list with the
 * same exclusions. Runs on a temp SQLite file.
 *
 * Then each signal alone (the others' weights set to 0), to show what each contributes.
 *
 *   node --import tsx bench/recommend.ts [--users 2000] [--videos 5000] [--evaluate 500] [--seed 1]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connectDatabase, migrate, type Db } from '@video/shared';
import { WEIGHTS, type ReasonKind } from '../services/api/src/recommendations/recommend-score.js';
import { rankFor } from '../services/api/src/recommendations/recommend-service.js';
import { hotVideos } from '../services/api/src/recommendations/recommend-signals.js';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '2000' },
    videos: { type: 'string', default: '5000' },
    evaluate: { type: 'string', default: '500' },
    seed: { type: 'string', default: '1' },
  },
});
const COMMUNITIES = 20;
const CREATORS_PER = 10;
const USERS = Number(args.users);
const VIDEOS = Number(args.videos);
const EVALUATE = Math.min(Number(args.evaluate), USERS);
const K = 10;
const LIKES = 30;
const EXTRA_WATCHES = 20;
const IN_COMMUNITY = 0.85;
const HOLD_OUT = 0.3;

/** mulberry32: the same synthetic site for the same --seed. */
let state = Number(args.seed) >>> 0;
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

interface Site {
  community: number[];
  byCommunity: string[][];
  /** Each community's videos in a skewed order: a like picks the head more often. */
  videoIds: string[];
  creators: number[][];
}

interface Viewer {
  id: number;
  community: number;
  liked: string[];
  heldOut: Set<string>;
  watched: string[];
  saved: string[];
  follows: number[];
}

/** A video of the community, the head of its list liked more often (quality ~ rank^-0.8). */
function likedVideo(site: Site, c: number): string {
  const list = site.byCommunity[c]!;
  return list[Math.min(list.length - 1, Math.floor(list.length * random() ** 2.5))]!;
}

async function insertChunks<T>(db: Db, table: 'users' | 'video_info' | 'video_tags' | 'video_ratings' | 'watch_history' | 'favorites' | 'follows', rows: T[]): Promise<void> {
  await db.kysely.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 500) await trx.insertInto(table).values(rows.slice(i, i + 500) as never).execute();
  });
}

async function seedSite(db: Db): Promise<Site> {
  const now = Date.now();
  const creators = Array.from({ length: COMMUNITIES }, (_, c) => Array.from({ length: CREATORS_PER }, (_, k) => c * CREATORS_PER + k + 1));
  await insertChunks(db, 'users', creators.flat().map((id) => ({ id, user_name: `creator${id}`, pwd_hash: 'x', create_time: now })));
  const videoIds = Array.from({ length: VIDEOS }, (_, i) => `v${String(i).padStart(6, '0')}`);
  const community = videoIds.map((_, i) => i % COMMUNITIES);
  const byCommunity = Array.from({ length: COMMUNITIES }, (_, c) => videoIds.filter((_, i) => community[i] === c).sort(() => random() - 0.5));
  const tags: { video_id: string; tag: string }[] = [];
  const videos = videoIds.map((id, i) => {
    const c = community[i]!;
    const own = [...new Set([`c${c}t${Math.floor(random() * 5)}`, `c${c}t${Math.floor(random() * 5)}`])];
    if (random() < 0.3) own.push(`general${Math.floor(random() * 10)}`);
    for (const tag of own) tags.push({ video_id: id, tag });
    return { id, author_id: pick(creators[c]!), name: id, display_ctime: '', create_time: now - i, upload_state: 'ready' as const, size: 1, content_type: 'video/mp4', updated_at: now, tags: JSON.stringify(own) };
  });
  await insertChunks(db, 'video_info', videos);
  await insertChunks(db, 'video_tags', tags);
  return { community, byCommunity, videoIds, creators };
}

function plantViewer(site: Site, id: number): Viewer {
  const c = id % COMMUNITIES;
  const elsewhere = () => pick([...Array(COMMUNITIES).keys()].filter((x) => x !== c));
  const liked = new Set<string>();
  for (let i = 0; i < LIKES * 3 && liked.size < LIKES; i++) liked.add(likedVideo(site, random() < IN_COMMUNITY ? c : elsewhere()));
  const all = [...liked];
  const heldOut = new Set(all.filter(() => random() < HOLD_OUT));
  const kept = all.filter((v) => !heldOut.has(v));
  const watched = new Set(kept);
  for (let i = 0; i < EXTRA_WATCHES; i++) {
    const v = likedVideo(site, random() < 0.8 ? c : elsewhere());
    if (!heldOut.has(v)) watched.add(v);
  }
  const follows = [...new Set([pick(site.creators[c]!), pick(site.creators[c]!), pick(site.creators[elsewhere()]!)])];
  return { id, community: c, liked: kept, heldOut, watched: [...watched], saved: kept.slice(0, 5), follows };
}

async function seedViewers(db: Db, site: Site): Promise<Viewer[]> {
  const first = COMMUNITIES * CREATORS_PER + 1;
  const viewers = Array.from({ length: USERS }, (_, i) => plantViewer(site, first + i));
  const now = Date.now();
  await insertChunks(db, 'users', viewers.map((v) => ({ id: v.id, user_name: `viewer${v.id}`, pwd_hash: 'x', create_time: now })));
  await insertChunks(db, 'video_ratings', viewers.flatMap((v) => v.liked.map((video_id, i) => ({ user_id: v.id, video_id, value: 1, time: now - i }))));
  await insertChunks(db, 'watch_history', viewers.flatMap((v) => v.watched.map((video_id, i) => ({ user_id: v.id, video_id, watched_at: now - i }))));
  await insertChunks(db, 'favorites', viewers.flatMap((v) => v.saved.map((video_id, i) => ({ user_id: v.id, video_id, time: now - i }))));
  await insertChunks(db, 'follows', viewers.flatMap((v) => v.follows.map((followee_id) => ({ follower_id: v.id, followee_id, time: now }))));
  // `hot` from what was observed (held-out likes are unseen), as the scheduler would rank it.
  const score = new Map<string, number>();
  for (const v of viewers) {
    for (const id of v.liked) score.set(id, (score.get(id) ?? 0) + 3);
    for (const id of v.watched) score.set(id, (score.get(id) ?? 0) + 1);
  }
  await db.kysely.transaction().execute(async (trx) => {
    for (const [id, s] of score) await trx.updateTable('video_info').set({ hot: s * 1_000_000 }).where('id', '=', id).execute();
  });
  return viewers;
}

interface Tally {
  heldOutHits: number;
  inCommunity: number;
  lists: number;
}
const tally = (): Tally => ({ heldOutHits: 0, inCommunity: 0, lists: 0 });

function score(t: Tally, site: Site, v: Viewer, top: string[]): void {
  t.lists++;
  for (const id of top.slice(0, K)) {
    if (v.heldOut.has(id)) t.heldOutHits++;
    if (site.community[site.videoIds.indexOf(id)] === v.community) t.inCommunity++;
  }
}

async function evaluate(db: Db, site: Site, viewers: Viewer[]) {
  const rec = tally();
  const hot = tally();
  const times: number[] = [];
  const kinds = new Map<string, number>();
  const hotList = await hotVideos(db.kysely, 1000);
  const step = Math.max(1, Math.floor(viewers.length / EVALUATE));
  for (let i = 0; i < viewers.length && rec.lists < EVALUATE; i += step) {
    const v = viewers[i]!;
    const t0 = performance.now();
    const { ranked } = await rankFor(db.kysely, v.id, K);
    times.push(performance.now() - t0);
    score(rec, site, v, ranked.map((r) => r.id));
    for (const r of ranked.slice(0, K)) kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
    const seen = new Set([...v.watched, ...v.liked, ...v.saved]);
    score(hot, site, v, hotList.filter((id) => !seen.has(id)));
  }
  times.sort((a, b) => a - b);
  return { rec, hot, times, kinds };
}

function report(name: string, t: Tally, heldOutPerUser: number): string {
  const p = t.heldOutHits / (t.lists * K);
  return `${name.padEnd(12)} precision@10 held-out ${p.toFixed(3)}  recall@10 ${(t.heldOutHits / (t.lists * heldOutPerUser)).toFixed(3)}  in planted community ${(t.inCommunity / (t.lists * K)).toFixed(3)}`;
}

/** Each signal alone: its weight kept, every other one 0 (the shipped weights restored after). */
async function ablations(db: Db, site: Site, viewers: Viewer[], heldOut: number): Promise<void> {
  const shipped = { ...WEIGHTS };
  try {
    for (const only of ['follow', 'tag', 'co_like'] as ReasonKind[]) {
      for (const k of Object.keys(WEIGHTS) as ReasonKind[]) WEIGHTS[k] = k === only || k === 'popular' ? shipped[k] : 0;
      console.log(report(`${only}+hot`, (await evaluate(db, site, viewers)).rec, heldOut));
    }
  } finally {
    Object.assign(WEIGHTS, shipped);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-recommend-'));
  const db = connectDatabase(`sqlite:${path.join(dir, 'video.db')}`);
  try {
    const started = performance.now();
    await migrate(db);
    const site = await seedSite(db);
    const viewers = await seedViewers(db, site);
    const seeded = performance.now();
    const { rec, hot, times, kinds } = await evaluate(db, site, viewers);
    const heldOut = viewers.reduce((a, v) => a + v.heldOut.size, 0) / viewers.length;
    const q = (f: number) => times[Math.min(times.length - 1, Math.floor(times.length * f))]!.toFixed(1);
    console.log(`${USERS} viewers, ${VIDEOS} videos, ${COMMUNITIES} communities; ${heldOut.toFixed(1)} held-out likes per viewer; ${rec.lists} viewers evaluated`);
    console.log(report('recommended', rec, heldOut));
    console.log(report('hot', hot, heldOut));
    console.log(`reasons in the top 10: ${[...kinds].map(([k, n]) => `${k} ${((100 * n) / (rec.lists * K)).toFixed(0)}%`).join(', ')}`);
    console.log(`ranking per viewer (SQLite, in process): p50 ${q(0.5)} ms, p95 ${q(0.95)} ms; seed ${((seeded - started) / 1000).toFixed(1)} s`);
    await ablations(db, site, viewers, heldOut);
    console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
