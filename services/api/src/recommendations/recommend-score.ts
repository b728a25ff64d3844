import { BOUNDS, type Candidate, type Seed, type SeedKind } from './recommend-signals.js';

export type ReasonKind = 'follow' | 'tag' | 'co_like' | 'popular';

/** How much each signal counts once scaled to 0–1 (the best candidate of a signal scores 1). */
export const WEIGHTS: Record<ReasonKind, number> = { follow: 0.5, tag: 1, co_like: 3, popular: 0.25 };
/** How much a seed's tags count toward tag affinity, by what the user did with it. */
export const SEED_WEIGHTS: Record<SeedKind, number> = { liked: 3, saved: 3, watched: 1 };

export interface TagAffinity {
  weights: Map<string, number>;
  /** The tags worth looking up, strongest first. */
  top: string[];
  /** For each tag, the seed a reason names: the strongest kind, then the most recent. */
  seedOf: Map<string, Seed>;
}

/** Tag weights from the seeds' tags: each seed adds its kind's weight to every tag it carries. */
export function tagAffinity(seeds: Seed[], tagRows: { id: string; k: string }[]): TagAffinity {
  const bySeed = new Map<string, string[]>();
  for (const r of tagRows) bySeed.set(r.id, [...(bySeed.get(r.id) ?? []), r.k]);
  const weights = new Map<string, number>();
  const seedOf = new Map<string, Seed>();
  for (const seed of seeds) {
    for (const tag of bySeed.get(seed.videoId) ?? []) {
      weights.set(tag, (weights.get(tag) ?? 0) + SEED_WEIGHTS[seed.kind]);
      const best = seedOf.get(tag);
      if (!best || SEED_WEIGHTS[seed.kind] > SEED_WEIGHTS[best.kind]) seedOf.set(tag, seed);
    }
  }
  const top = [...weights.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, BOUNDS.tags).map(([t]) => t);
  return { weights, top, seedOf };
}

export interface Scored<T> {
  score: number;
  /** The tag (for tag affinity) or seed video id (for co-likes) a reason names. */
  about: T;
}

/** Each tagged candidate's summed tag weight and its strongest matching tag. */
export function tagScores(affinity: TagAffinity, rows: { id: string; k: string }[]): Map<string, Scored<string>> {
  const out = new Map<string, Scored<string>>();
  for (const r of rows) {
    const w = affinity.weights.get(r.k) ?? 0;
    const cur = out.get(r.id);
    if (!cur) out.set(r.id, { score: w, about: r.k });
    else out.set(r.id, { score: cur.score + w, about: w > (affinity.weights.get(cur.about) ?? 0) ? r.k : cur.about });
  }
  return out;
}

/** How many co-likers liked each video (the top ones), and the seed most of them share with the user. */
export function coLikeScores(likes: { videoId: string; userId: number }[], via: Map<number, string>): Map<string, Scored<string>> {
  const counts = new Map<string, Map<string, number>>();
  for (const l of likes) {
    const seed = via.get(l.userId);
    if (seed === undefined) continue;
    const bySeed = counts.get(l.videoId) ?? new Map<string, number>();
    bySeed.set(seed, (bySeed.get(seed) ?? 0) + 1);
    counts.set(l.videoId, bySeed);
  }
  const scored = [...counts.entries()].map(([id, bySeed]): [string, Scored<string>] => {
    const [about] = [...bySeed.entries()].sort((a, b) => b[1] - a[1])[0]!;
    return [id, { score: [...bySeed.values()].reduce((a, b) => a + b, 0), about }];
  });
  scored.sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? 1 : -1));
  return new Map(scored.slice(0, BOUNDS.candidates));
}

export interface Signals {
  followees: Set<number>;
  tag: Map<string, Scored<string>>;
  coLike: Map<string, Scored<string>>;
}

export interface Ranked extends Candidate {
  score: number;
  kind: ReasonKind;
  /** The tag or seed video id behind a tag or co_like reason. */
  about: string | null;
}

/**
 * The weighted sum of the four signals, each scaled by its best candidate; the reason is the signal
 * that contributed most (popularity only when nothing personal did). Ties keep the `hot` order.
 */
export function rank(candidates: Candidate[], s: Signals): Ranked[] {
  const max = (values: number[]) => Math.max(0, ...values);
  const maxTag = max([...s.tag.values()].map((v) => v.score));
  const maxCo = max([...s.coLike.values()].map((v) => v.score));
  const maxHot = max(candidates.map((c) => c.hot));
  const scale = (v: number, m: number) => (m > 0 ? v / m : 0);
  const out = candidates.map((c): Ranked => {
    const tag = s.tag.get(c.id);
    const co = s.coLike.get(c.id);
    const parts: [ReasonKind, number, string | null][] = [
      ['follow', s.followees.has(c.authorId) ? WEIGHTS.follow : 0, null],
      ['tag', WEIGHTS.tag * scale(tag?.score ?? 0, maxTag), tag?.about ?? null],
      ['co_like', WEIGHTS.co_like * scale(co?.score ?? 0, maxCo), co?.about ?? null],
    ];
    const popular = WEIGHTS.popular * scale(Math.max(0, c.hot), maxHot);
    const best = parts.reduce((a, b) => (b[1] > a[1] ? b : a));
    const score = parts.reduce((a, p) => a + p[1], popular);
    return best[1] > 0 ? { ...c, score, kind: best[0], about: best[2] } : { ...c, score, kind: 'popular', about: null };
  });
  return out.sort((a, b) => b.score - a.score || b.hot - a.hot || (a.id < b.id ? 1 : -1));
}
