// What the watch page's player needs to know about a video's derived media: which source to play
// (the HLS ladder once processing is done, the original before), the processing state in words,
// the poster, the storyboard, the logo and the caption tracks. Pure, so it is table-tested.
import type { Processing, VideoJson } from './page-models.js';
import { posterPath, PLACEHOLDER_POSTER } from './page-models.js';

export interface CaptionJson {
  lang: string;
  url: string;
}

export interface CaptionTrack extends CaptionJson {
  /** The language's name in English, e.g. "Simplified Chinese" for zh-Hans; the tag itself if unknown. */
  label: string;
}

export type MediaState = Processing['state'] | 'none';

export interface MediaView {
  state: MediaState;
  /** "Processing 42 %", "Waiting to be processed", "Processing failed: …"; '' when done or none. */
  status: string;
  progress: number;
  /** The poster path ('' while there is none). */
  poster: string;
  master: string;
  storyboard: string;
  logo: string;
  contentType: string;
  captions: CaptionTrack[];
}

const STATES: readonly string[] = ['queued', 'running', 'done', 'failed'];
const languageNames = new Intl.DisplayNames(['en'], { type: 'language' });

/** The processing state in words, as the page shows it before the HLS renditions exist. */
export function processingStatus(processing: Processing | null | undefined): string {
  if (!processing) return '';
  const progress = Math.max(0, Math.min(100, Math.round(Number(processing.progress) || 0)));
  switch (processing.state) {
    case 'queued':
      return 'Waiting to be processed';
    case 'running':
      return `Processing ${progress} %`;
    case 'failed':
      return `Processing failed${processing.error ? `: ${processing.error}` : ''}`;
    default:
      return '';
  }
}

/** "English", "Simplified Chinese"; the tag itself when the runtime does not know it. */
export function languageLabel(lang: string): string {
  try {
    return languageNames.of(lang) ?? lang;
  } catch {
    return lang;
  }
}

/** The generation named by a poster URL's `g` (so the storyboard is cached with it), or ''. */
export function generationOf(poster: string): string {
  const g = /[?&]g=([^&#]*)/.exec(poster)?.[1] ?? '';
  return /^[A-Za-z0-9_-]{1,64}$/.test(g) ? g : '';
}

/** Caption tracks the api listed, only those served from this site's own paths, sorted by label. */
export function captionTracks(list: CaptionJson[]): CaptionTrack[] {
  return list
    .filter((c) => typeof c.lang === 'string' && typeof c.url === 'string' && /^\/videos\/[^\s\\]+$/.test(c.url))
    .map((c) => ({ lang: c.lang, url: c.url, label: languageLabel(c.lang) }))
    .sort((a, b) => a.label.localeCompare(b.label, 'en'));
}

/** `player_logo` when it is one of this site's paths (the page policy loads images from nowhere else), else ''. */
export function playerLogo(logo: string): string {
  return typeof logo === 'string' && /^\/(?!\/)[^\s"'\\]*$/.test(logo) ? logo : '';
}

export function mediaView(video: VideoJson, captions: CaptionJson[], logo: string): MediaView {
  const base = `/videos/${encodeURIComponent(video.id)}`;
  const processing = video.processing && STATES.includes(video.processing.state) ? video.processing : null;
  const poster = posterPath(video.poster);
  const posterOk = poster !== PLACEHOLDER_POSTER;
  const gen = posterOk ? generationOf(poster) : '';
  return {
    state: processing ? processing.state : 'none',
    status: processingStatus(processing),
    progress: Math.round(Number(processing?.progress) || 0),
    poster: posterOk ? poster : '',
    master: `${base}/hls/master.m3u8`,
    storyboard: `${base}/storyboard.jpg${gen ? `?g=${gen}` : ''}`,
    logo: playerLogo(logo),
    contentType: video.content_type ?? '',
    captions: captionTracks(captions),
  };
}
