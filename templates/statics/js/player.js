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

/**
 * A player for the video, or null when DPlayer did not load.
 * @param {Video} video
 * @returns {DPlayerInstance | null}
 */
export function makePlayer(video) {
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
    video: { url: `/videos/${seg(video.id)}`, type: 'normal' },
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
