// @ts-check
// What every part of the user page shares: who is signed in, the selected video and its player,
// the page's error banner, and the hooks and events through which danmaku and uploads join in.
//
//   addPlayerOptions(fn)  fn(video) → extra DPlayer options merged in when a player is made
//   currentVideo(), currentPlayer()
// and these events on `document`:
//   video:selected   detail {id, name, owner, video, player}   (player is null for a pending upload)
//   player:created   detail {player, video}
//   player:destroyed detail {video}
import { need } from './dom.js';
import { describeError } from './http.js';

/** @typedef {import('../../types/api').Video} Video */
/**
 * @template T
 * @typedef {import('./http.js').ApiResult<T>} ApiResult
 */
/** @typedef {{ id: string, name: string, owner: string, video: Video, player: DPlayerInstance | null }} VideoSelected */

const app = need('#app', HTMLElement);
/** The signed-in user's name. */
export const userName = app.dataset.user ?? '';
export const maxUploadMb = Number(app.dataset.maxUploadMb) || 1024;

export const state = {
  /** @type {Video | null} */
  video: null,
  /** @type {DPlayerInstance | null} */
  player: null,
};

export const currentVideo = () => state.video;
export const currentPlayer = () => state.player;

/** @type {((video: Video) => DPlayerOptions | undefined)[]} */
export const playerOptionHooks = [];

/** @param {(video: Video) => DPlayerOptions | undefined} fn */
export function addPlayerOptions(fn) {
  playerOptionHooks.push(fn);
}

/**
 * @param {'video:selected' | 'player:created' | 'player:destroyed'} name
 * @param {object} detail
 */
export const emit = (name, detail) => document.dispatchEvent(new CustomEvent(name, { detail }));

/** @param {Video} video */
export const isPending = (video) => video.upload_state === 'pending';

const pageError = need('#page-error', HTMLElement);
/** @type {ReturnType<typeof setTimeout> | undefined} */
let errorTimer;

/** @param {string} message */
export function showError(message) {
  pageError.textContent = message;
  pageError.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => (pageError.hidden = true), 8000);
}

export function signedOut() {
  window.location.assign('/');
}

/**
 * Runs an api call; handles a dead session and network failures; returns the answer or null.
 * @template T
 * @param {() => Promise<ApiResult<T>>} send
 * @returns {Promise<ApiResult<T> | null>}
 */
export async function guard(send) {
  try {
    const res = await send();
    if (res.status === 401) {
      signedOut();
      return null;
    }
    return res;
  } catch {
    showError(describeError(0));
    return null;
  }
}
