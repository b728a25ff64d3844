// @ts-check
// A video's derived media as the player uses it: which source plays (the HLS ladder once processing
// is done, the original before that when this browser can play it, else the processing state),
// the processing state in words, hls.js loaded on demand, and a bounded poll of the processing state.
import { getPublicVideo } from './api.js';
import { h } from './dom.js';
import { seg } from './http.js';

/** @typedef {import('../../types/api').Video} Video */
/** @typedef {import('../../types/api').Processing} Processing */
/** @typedef {import('../../types/api').MediaState} MediaState */
/**
 * What the player needs: the state, the original's type, and the derived files' paths.
 * @typedef {{ id: string, state: MediaState, contentType: string, poster: string, master: string,
 *   storyboard: string, logo: string, hlsSrc: string, captions: { lang: string, url: string, label: string }[] }} Media
 */

export const POLL_MS = 2000;
/** Polls stop after this many (about 30 minutes at 2 s): a page left open does not poll forever. */
export const MAX_POLLS = 900;

/**
 * "Waiting to be processed", "Processing 42 %", "Processing failed: reason"; '' when done or none.
 * @param {Processing | null | undefined} processing
 */
export function statusText(processing) {
  if (!processing) return '';
  const progress = Math.max(0, Math.min(100, Math.round(Number(processing.progress) || 0)));
  if (processing.state === 'queued') return 'Waiting to be processed';
  if (processing.state === 'running') return `Processing ${progress} %`;
  if (processing.state === 'failed') return `Processing failed${processing.error ? `: ${processing.error}` : ''}`;
  return '';
}

/**
 * The studio row's processing badge ("Processing 42 %", "Failed: reason"), or null when done or none.
 * @param {Video} video
 */
export function processingBadge(video) {
  const processing = /** @type {Processing | null} */ (video.processing ?? null);
  if (!processing || processing.state === 'done') return null;
  const text = processing.state === 'failed' ? `Failed${processing.error ? `: ${processing.error}` : ''}` : statusText(processing);
  return h('span', { class: `badge badge-processing badge-${processing.state}`, 'data-processing': processing.state, text });
}

/**
 * Whether this browser says it can play a type ('' → no; "maybe"/"probably" → yes).
 * @param {string} contentType
 */
export function canPlayOriginal(contentType) {
  return contentType !== '' && document.createElement('video').canPlayType(contentType) !== '';
}

/**
 * What to play: 'hls' once processing is done, 'original' when this browser can play the file,
 * else 'wait' (the processing state is shown instead).
 * @param {MediaState} state
 * @param {boolean} playable
 * @returns {'hls' | 'original' | 'wait'}
 */
export function sourceOf(state, playable) {
  if (state === 'done') return 'hls';
  if (playable || state === 'none') return 'original';
  return 'wait';
}

/**
 * The media of a VideoInfo (the studio knows videos from the api, not from the page).
 * @param {Video} video
 * @param {string} hlsSrc
 * @returns {Media}
 */
export function mediaOf(video, hlsSrc) {
  const base = `/videos/${seg(video.id)}`;
  const processing = /** @type {Processing | null} */ (video.processing ?? null);
  const poster = typeof video.poster === 'string' && video.poster.startsWith('/') ? video.poster : '';
  const gen = /[?&]g=([A-Za-z0-9_-]+)/.exec(poster)?.[1];
  return {
    id: video.id,
    state: processing ? processing.state : 'none',
    contentType: video.content_type ?? '',
    poster,
    master: `${base}/hls/master.m3u8`,
    storyboard: `${base}/storyboard.jpg${gen ? `?g=${gen}` : ''}`,
    logo: '',
    hlsSrc,
    captions: [],
  };
}

/** @type {Map<string, Promise<boolean>>} */
const loading = new Map();

/**
 * Loads hls.js (a script of this site) once; resolves true when window.Hls is there.
 * @param {string} src
 */
export function loadHls(src) {
  if (window.Hls) return Promise.resolve(true);
  let pending = loading.get(src);
  if (!pending) {
    pending = new Promise((resolve) => {
      const script = document.createElement('script');
      script.src = src;
      script.onload = () => resolve(Boolean(window.Hls));
      script.onerror = () => resolve(false);
      document.head.append(script);
    });
    loading.set(src, pending);
  }
  return pending;
}

/**
 * Asks the api for the video's processing state every POLL_MS until it is done or failed, `stop()`
 * is called, or MAX_POLLS have gone by. `onUpdate` gets every state read.
 * @param {string} id
 * @param {(video: Video) => void} onUpdate
 * @returns {{ stop(): void }}
 */
export function pollProcessing(id, onUpdate) {
  let polls = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let stopped = false;
  const tick = async () => {
    polls += 1;
    const res = await getPublicVideo(id).catch(() => null);
    if (stopped) return;
    const state = res?.status === 200 ? res.data.processing?.state : undefined;
    if (res?.status === 200) onUpdate(res.data);
    if (state === 'done' || state === 'failed' || res?.status === 404 || polls >= MAX_POLLS) return;
    timer = setTimeout(tick, POLL_MS);
  };
  timer = setTimeout(tick, POLL_MS);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
