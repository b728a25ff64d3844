// @ts-check
// The player: one DPlayer for the selected video, made with the options every hook adds.
import { need } from './dom.js';
import { seg } from './http.js';
import { emit, playerOptionHooks, showError, state } from './user-page.js';

/** @typedef {import('../../types/api').Video} Video */

export const playerEl = need('#player', HTMLElement);

/** Destroys the current player, if any. */
export function destroyPlayer() {
  if (!state.player) return;
  const video = state.video;
  try {
    state.player.destroy();
  } catch {
    /* already gone */
  }
  state.player = null;
  playerEl.replaceChildren();
  emit('player:destroyed', { video });
}

/** hls.js's settings: the main thread (a worker would come from a blob: URL, which the site's script policy forbids; fMP4 needs no transmuxing), and no rung above the player's size. */
const HLS_CONFIG = { enableWorker: false, capLevelToPlayerSize: true };

/**
 * DPlayer's custom source type for the HLS ladder: hls.js plays it through MSE even where the
 * browser has HLS of its own, so the page can offer the rungs (player.plugins.hls.levels).
 * @param {string} url
 */
function hlsType(url) {
  /**
   * @param {HTMLVideoElement} videoEl
   * @param {DPlayerInstance} player
   */
  return (videoEl, player) => {
    const Hls = /** @type {HlsStatic} */ (window.Hls);
    const hls = new Hls(HLS_CONFIG);
    hls.loadSource(url);
    hls.attachMedia(videoEl);
    player.plugins = { ...player.plugins, hls };
    player.on('destroy', () => hls.destroy());
  };
}

/**
 * DPlayer's source options: the HLS ladder once processing is done (through hls.js where MSE is
 * there, else the browser's own HLS), the original before that.
 * @param {Video} video
 * @param {import('./media.js').Media | null} media
 * @returns {DPlayerOptions}
 */
export function sourceOptions(video, media) {
  const pic = media?.poster || undefined;
  if (media && media.state === 'done') {
    const thumbnails = media.storyboard;
    if (window.Hls?.isSupported()) return { video: { url: media.master, type: 'siteHls', customType: { siteHls: hlsType(media.master) }, pic, thumbnails } };
    return { video: { url: media.master, type: 'normal', pic, thumbnails } };
  }
  return { video: { url: `/videos/${seg(video.id)}`, type: 'normal', pic } };
}

/**
 * The player's logo and its first caption track, when there are any.
 * @param {import('./media.js').Media | null} media
 * @returns {DPlayerOptions}
 */
function extraOptions(media) {
  /** @type {DPlayerOptions} */
  const extra = {};
  if (media?.logo) extra.logo = media.logo;
  const first = media?.captions[0];
  if (first) extra.subtitle = { url: first.url, type: 'webvtt', fontSize: '20px', bottom: '8%' };
  return extra;
}

/**
 * A player for the video, or null when DPlayer did not load.
 * @param {Video} video
 * @param {import('./media.js').Media | null} [media] the derived files (null: play the original)
 * @returns {DPlayerInstance | null}
 */
export function makePlayer(video, media = null) {
  const DPlayer = window.DPlayer;
  if (typeof DPlayer !== 'function') {
    showError('The player could not be loaded. Reload the page to try again.');
    return null;
  }
  /** @type {DPlayerOptions} */
  const options = {
    container: playerEl,
    theme: '#7c5cff',
    preload: 'metadata',
    hotkey: true,
    screenshot: false,
    ...sourceOptions(video, media),
    ...extraOptions(media),
  };
  for (const hook of playerOptionHooks) {
    try {
      Object.assign(options, hook(video) || {});
    } catch (err) {
      console.error('player option hook failed', err);
    }
  }
  const player = new DPlayer(options);
  player.on('error', () => {
    if (state.player === player) showError('This video could not be played.');
  });
  return player;
}
