import type { SelectQueryBuilder } from 'kysely';
import { authorNotBanned, listedVideoSql, type Database, type Executor } from '@video/shared';

/** How many rows each signal reads at most: every request is a few bounded index ranges. */
export const BOUNDS = { follows: 200, seeds: 100, tags: 8, perTag: 200, coLikeSeeds: 50, coLikers: 500, coLikerLikes: 5000, candidates: 200 };

export type SeedKind = 'liked' | 'saved' | 'watched';
export interface Seed {
  videoId: string;
  kind: SeedKind;
}

/** What the user did: whom they follow, and the videos they liked, saved (favorites) and watched, newest first. */
export interface Profile {
  followees: number[];
  seeds: Seed[];
}

type Row = { id: string; k: string };

/** `q1 union all q2 …`, each part its own limited subquery (SQLite and MySQL both accept the form). */
async function unionOfLimited(db: Executor, parts: SelectQueryBuilder<Database, any, Row>[]): Promise<Row[]> {
  if (parts.length === 0) return [];
  const wrap = (q: SelectQueryBuilder<Database, any, Row>, i: number) => db.selectFrom(q.as(`p${i}`)).select([`p${i}.id`, `p${i}.k`]) as unknown as SelectQueryBuilder<Database, any, Row>;
  let out = wrap(parts[0]!, 0);
  for (let i = 1; i < parts.length; i++) out = out.unionAll(wrap(parts[i]!, i));
  return out.execute();
}

export async function loadProfile(db: Executor, userId: number): Promise<Profile> {
  const followees = await db.selectFrom('follows').select('followee_id').where('follower_id', '=', userId).orderBy('time', 'desc').limit(BOUNDS.follows).execute();
  const n = BOUNDS.seeds;
  const rows = await unionOfLimited(db, [
    db.selectFrom('video_ratings').select(['video_id as id', (eb) => eb.val('liked').as('k')]).where('user_id', '=', userId).where('value', '=', 1).orderBy('time', 'desc').limit(n),
    db.selectFrom('favorites').select(['video_id as id', (eb) => eb.val('saved').as('k')]).where('user_id', '=', userId).orderBy('time', 'desc').limit(n),
    db.selectFrom('watch_history').select(['video_id as id', (eb) => eb.val('watched').as('k')]).where('user_id', '=', userId).orderBy('watched_at', 'desc').limit(n),
  ]);
  return { followees: followees.map((r) => Number(r.followee_id)), seeds: rows.map((r) => ({ videoId: r.id, kind: r.k as SeedKind })) };
}

/** The seeds' tags, as (video id, tag) pairs. */
export async function seedTags(db: Executor, videoIds: string[]): Promise<Row[]> {
  if (videoIds.length === 0) return [];
  return db.selectFrom('video_tags').select(['video_id as id', 'tag as k']).where('video_id', 'in', videoIds).execute();
}

/** For each tag, its newest videos (ids are time-ordered), as (video id, tag) pairs. */
export async function videosWithTags(db: Executor, tags: string[]): Promise<Row[]> {
  const parts = tags.map((t) => db.selectFrom('video_tags').select(['video_id as id', 'tag as k']).where('tag', '=', t).orderBy('video_id', 'desc').limit(BOUNDS.perTag));
  return unionOfLimited(db, parts);
}

/** Likes of the users who liked the given videos (not the user's own), as (video id, co-liker) pairs, plus which seed tied each co-liker. */
export async function coLikes(db: Executor, userId: number, liked: string[]): Promise<{ likes: { videoId: string; userId: number }[]; via: Map<number, string> }> {
  const via = new Map<number, string>();
  if (liked.length === 0) return { likes: [], via };
  const peers = await db
    .selectFrom('video_ratings')
    .select(['user_id', 'video_id'])
    .where('video_id', 'in', liked.slice(0, BOUNDS.coLikeSeeds))
    .where('value', '=', 1)
    .where('user_id', '<>', userId)
    .limit(BOUNDS.coLikers)
    .execute();
  for (const p of peers) if (!via.has(Number(p.user_id))) via.set(Number(p.user_id), p.video_id);
  if (via.size === 0) return { likes: [], via };
  const rows = await db.selectFrom('video_ratings').select(['user_id', 'video_id']).where('user_id', 'in', [...via.keys()]).where('value', '=', 1).limit(BOUNDS.coLikerLikes).execute();
  return { likes: rows.map((r) => ({ videoId: r.video_id, userId: Number(r.user_id) })), via };
}

/** Listed = public, with a file, not deleted, not hidden. */
function listed(db: Executor) {
  return db.selectFrom('video_info as v').where(listedVideoSql());
}

/** The newest listed videos of the followed authors. */
export async function followedVideos(db: Executor, followees: number[]): Promise<string[]> {
  if (followees.length === 0) return [];
  const rows = await listed(db).select('v.id').where('v.author_id', 'in', followees).orderBy('v.create_time', 'desc').orderBy('v.id', 'desc').limit(BOUNDS.candidates).execute();
  return rows.map((r) => r.id);
}

/** The head of the `hot` ranking (its index order). */
export async function hotVideos(db: Executor, n: number): Promise<string[]> {
  const rows = await listed(db).select('v.id').orderBy('v.hot', 'desc').orderBy('v.id', 'desc').limit(n).execute();
  return rows.map((r) => r.id);
}

export interface Candidate {
  id: string;
  authorId: number;
  hot: number;
}

/** Of the given ids, the listed videos the user neither owns nor has watched. */
export async function eligible(db: Executor, userId: number, ids: string[]): Promise<Candidate[]> {
  if (ids.length === 0) return [];
  const rows = await listed(db).select(['v.id', 'v.author_id', 'v.hot']).where('v.id', 'in', ids).where('v.author_id', '<>', userId).execute();
  const watched = await db.selectFrom('watch_history').select('video_id').where('user_id', '=', userId).where('video_id', 'in', ids).execute();
  const seen = new Set(watched.map((w) => w.video_id));
  return rows.filter((r) => !seen.has(r.id)).map((r) => ({ id: r.id, authorId: Number(r.author_id), hot: Number(r.hot) }));
}

/** Names of the seeds a reason cites, only those the user may still see. */
export async function visibleNames(db: Executor, userId: number, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('video_info')
    .select(['id', 'name'])
    .where('id', 'in', ids)
    .where('deleted_at', 'is', null)
    .where(authorNotBanned('video_info.author_id'))
    .where((eb) => eb.or([eb('privacy', '<>', 'private'), eb('author_id', '=', userId)]))
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}
