// What the public pages read from the api (the contract's VideoInfo and profile, only the fields a
// page shows) and the plain values the templates print. Formatting is pure, so it is table-tested.

export type Privacy = 'public' | 'unlisted' | 'private';

export interface VideoJson {
  id: string;
  name: string;
  author?: string;
  description?: string;
  tags?: string[];
  privacy?: Privacy;
  duration?: number | null;
  poster?: string | null;
  views?: number;
  likes?: number;
  dislikes?: number;
  comments_count?: number;
  create_time?: string;
  upload_state?: string;
  content_type?: string | null;
  processing?: Processing | null;
  comments_policy?: 'open' | 'approval' | 'closed';
  /** Hidden from feeds and search after reports. */
  hidden?: boolean;
  /** Why a recommendation was made ("because you follow anna"), when the api says. */
  reason?: string;
}

/** VideoInfo's `processing`: the media task's state, its progress and the reason it failed. */
export interface Processing {
  state: 'queued' | 'running' | 'done' | 'failed';
  progress?: number;
  error?: string | null;
}

export interface VideoListJson {
  videos: VideoJson[];
  next_cursor: string | null;
}

export interface Profile {
  user_name: string;
  created_at?: string;
  videos_count?: number;
  followers_count?: number;
  following_count?: number;
}

/** One video card as the templates print it (every value still gets escaped by the template). */
export interface Card {
  id: string;
  href: string;
  name: string;
  author: string;
  authorHref: string;
  poster: string;
  duration: string;
  views: string;
  age: string;
  privacy: Privacy;
  pending: boolean;
  reason: string;
}

export const PLACEHOLDER_POSTER = '/statics/img/poster.svg';

/** `m:ss`, or `h:mm:ss` past an hour; '' while the duration is unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** "1 view", "1,234 views", "1.2M views". */
export function formatViews(n: number | undefined): string {
  const views = typeof n === 'number' && n > 0 ? Math.floor(n) : 0;
  if (views === 1) return '1 view';
  if (views >= 1_000_000) return `${(views / 1_000_000).toFixed(1).replace(/\.0$/, '')}M views`;
  return `${views.toLocaleString('en-US')} views`;
}

const UNITS: [number, string][] = [
  [365 * 86400, 'year'],
  [30 * 86400, 'month'],
  [7 * 86400, 'week'],
  [86400, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
];

/** "just now", "5 minutes ago", "2 years ago"; '' for a missing or bad time. */
export function formatAge(iso: string | undefined, now = Date.now()): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(t)) return '';
  const seconds = Math.max(0, Math.floor((now - t) / 1000));
  for (const [size, unit] of UNITS) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}

/** "March 4, 2026" (UTC); '' for a missing or bad time. */
export function formatDate(iso: string | undefined): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(t)) return '';
  return new Date(t).toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
}

/** A poster path the page may load: one of this site's own paths, else the placeholder. */
export function posterPath(poster: string | null | undefined): string {
  return typeof poster === 'string' && /^\/(?!\/)[^\s\\]*$/.test(poster) ? poster : PLACEHOLDER_POSTER;
}

/**
 * The card's picture: the 320 px thumb beside the poster the api names (`…/poster.jpg?g=<gen>` →
 * `…/thumb.jpg?g=<gen>`, same generation, so it is cached as long), else the placeholder.
 */
export function thumbPath(poster: string | null | undefined): string {
  const path = posterPath(poster);
  return path === PLACEHOLDER_POSTER ? path : path.replace(/\/poster\.jpg(?=\?|$)/, '/thumb.jpg');
}

export const watchPath = (id: string) => `/v/${encodeURIComponent(id)}`;
export const channelPath = (name: string) => `/u/${encodeURIComponent(name)}`;
export const searchPath = (q: string) => `/search?q=${encodeURIComponent(q)}`;

export function toCard(video: VideoJson, now = Date.now()): Card {
  const author = video.author ?? '';
  return {
    id: video.id,
    href: watchPath(video.id),
    name: video.name,
    author,
    authorHref: channelPath(author),
    poster: thumbPath(video.poster),
    duration: formatDuration(video.duration),
    views: formatViews(video.views),
    age: formatAge(video.create_time, now),
    privacy: video.privacy ?? 'public',
    pending: video.upload_state === 'pending',
    reason: typeof video.reason === 'string' ? video.reason : '',
  };
}

// The pages a sign-in may go back to: a watch page, the signed-in pages, a thread with someone.
const NEXT_PATHS = [/^\/v\/[A-Za-z0-9_-]{1,64}$/, /^\/u\/[A-Za-z0-9%._-]{1,200}$/, /^\/feed$/, /^\/messages$/, /^\/messages\?with=[A-Za-z0-9%._-]{1,200}$/, /^\/\?sort=foryou$/, /^\/settings$/, /^\/library(?:\?tab=[a-z]{1,16})?$/, /^\/admin(?:\/[a-z]{1,16})?$/];

/** Where a sign-in goes back to: only the paths above, never another host or an odd path. */
export function safeNext(next: unknown): string | undefined {
  return typeof next === 'string' && NEXT_PATHS.some((re) => re.test(next)) ? next : undefined;
}

/** Where a signed-in page sends a visitor: the sign-in form, coming back to `next` afterwards. */
export const signinPath = (next: string) => `/?next=${encodeURIComponent(next)}#auth`;

/** The request's own origin for absolute links (OpenGraph, canonical); an odd Host falls back. */
export function siteOrigin(protocol: string, host: string | undefined, fallbackHost: string): string {
  const scheme = protocol === 'https' ? 'https' : 'http';
  const ok = typeof host === 'string' && /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/.test(host);
  return `${scheme}://${ok ? host.toLowerCase() : fallbackHost}`;
}
