import type { Executor } from '@video/shared';
import { listedVideosByIds, type VideoWithAuthor } from '../feed/feed-repository.js';
import { coLikeScores, rank, tagAffinity, tagScores, type Ranked, type ReasonKind, type TagAffinity } from './recommend-score.js';
import { BOUNDS, coLikes, eligible, followedVideos, hotVideos, loadProfile, seedTags, videosWithTags, visibleNames, type SeedKind } from './recommend-signals.js';

export interface Reason {
  kind: ReasonKind;
  /** Ready to show: "because you follow alice", "because you liked "Cats"", "popular right now". */
  text: string;
  /** The followed author (follow). */
  user_name?: string;
  /** The video of the user's the reason names (tag, co_like), when they may still see it. */
  video_id?: string;
  /** The shared tag (tag). */
  tag?: string;
}

export interface Recommendation {
  video: VideoWithAuthor;
  reason: Reason;
}

const DID: Record<SeedKind, string> = { liked: 'liked', saved: 'saved', watched: 'watched' };

/** The candidates of every signal, ranked; `hot` alone for a user with no follows, likes, favorites or history. */
export async function rankFor(db: Executor, userId: number, limit: number): Promise<{ ranked: Ranked[]; affinity: TagAffinity }> {
  const profile = await loadProfile(db, userId);
  const affinity = tagAffinity(profile.seeds, await seedTags(db, [...new Set(profile.seeds.map((s) => s.videoId))]));
  const tagged = tagScores(affinity, await videosWithTags(db, affinity.top));
  const liked = profile.seeds.filter((s) => s.kind === 'liked').map((s) => s.videoId);
  const co = await coLikes(db, userId, liked);
  const coLike = coLikeScores(co.likes, co.via);
  const followed = await followedVideos(db, profile.followees);
  const hot = await hotVideos(db, BOUNDS.candidates + limit);
  // What the user liked or saved is theirs already, watched or not.
  const own = new Set(profile.seeds.map((s) => s.videoId));
  const ids = [...new Set([...followed, ...tagged.keys(), ...coLike.keys(), ...hot])].filter((id) => !own.has(id));
  const candidates = await eligible(db, userId, ids);
  const ranked = rank(candidates, { followees: new Set(profile.followees), tag: tagged, coLike });
  return { ranked, affinity };
}

/** The user's top `limit` recommendations, each with why. */
export async function recommend(db: Executor, userId: number, limit: number): Promise<Recommendation[]> {
  const { ranked, affinity } = await rankFor(db, userId, limit);
  const top = ranked.slice(0, limit);
  const seedFor = (r: Ranked) => (r.kind === 'tag' && r.about !== null ? affinity.seedOf.get(r.about)?.videoId : r.kind === 'co_like' ? r.about : null) ?? null;
  const names = await visibleNames(db, userId, [...new Set(top.map(seedFor).filter((id): id is string => id !== null))]);
  const videos = new Map((await listedVideosByIds(db, top.map((r) => r.id))).map((v) => [v.id, v]));
  return top.flatMap((r) => {
    const video = videos.get(r.id);
    if (!video) return [];
    const seed = seedFor(r);
    return [{ video, reason: reasonOf(r, video, affinity, seed, seed === null ? undefined : names.get(seed)) }];
  });
}

function reasonOf(r: Ranked, video: VideoWithAuthor, affinity: TagAffinity, seed: string | null, seedName: string | undefined): Reason {
  const named = seed !== null && seedName !== undefined ? { video_id: seed } : {};
  switch (r.kind) {
    case 'follow':
      return { kind: 'follow', text: `because you follow ${video.author}`, user_name: video.author };
    case 'tag': {
      const tag = r.about ?? '';
      const did = DID[affinity.seedOf.get(tag)?.kind ?? 'liked'];
      const text = seedName === undefined ? `because you like videos tagged "${tag}"` : `because you ${did} "${seedName}"`;
      return { kind: 'tag', text, tag, ...named };
    }
    case 'co_like':
      return { kind: 'co_like', text: seedName === undefined ? 'people who like what you like liked this' : `people who liked "${seedName}" also liked this`, ...named };
    default:
      return { kind: 'popular', text: 'popular right now' };
  }
}
