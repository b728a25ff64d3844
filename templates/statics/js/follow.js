// @ts-check
// Toggle buttons for "follow this channel" and "favorite this video": aria-pressed shows the state,
// read once on load from the user's own lists, and a press flips it through the api.
import { describeError } from './http.js';
import { listFavorites, listFollowing, setFavorite, setFollowing } from './social-api.js';

/**
 * @param {HTMLButtonElement} button
 * @param {boolean} on
 * @param {[string, string]} labels the text when off, and when on
 */
function show(button, on, labels) {
  button.setAttribute('aria-pressed', String(on));
  const label = button.querySelector('span[id$="-label"]') ?? button;
  label.textContent = on ? labels[1] : labels[0];
}

/**
 * @param {HTMLButtonElement} button
 * @param {[string, string]} labels
 * @param {(on: boolean) => Promise<{ status: number, data: unknown }>} send
 * @param {(message: string) => void} onError
 * @param {(on: boolean) => void} [changed]
 */
function toggle(button, labels, send, onError, changed) {
  button.addEventListener('click', async () => {
    const on = button.getAttribute('aria-pressed') !== 'true';
    button.disabled = true;
    const res = await send(on).catch(() => ({ status: 0, data: null }));
    button.disabled = false;
    if (res.status !== 204) return onError(describeError(res.status, res.data, { on400: 'You cannot follow yourself.' }));
    show(button, on, labels);
    changed?.(on);
  });
}

/**
 * The follow button for channel `name` (a sign-in link for visitors: then nothing to do).
 * @param {string} me
 * @param {(message: string) => void} onError
 * @param {(on: boolean) => void} [changed]
 */
export function initFollow(me, onError, changed) {
  const button = document.querySelector('button#follow-btn');
  if (!(button instanceof HTMLButtonElement) || !me) return;
  const name = button.dataset.name ?? '';
  /** @type {[string, string]} */
  const labels = ['Follow', 'Following'];
  toggle(button, labels, (on) => setFollowing(me, name, on), onError, changed);
  void listFollowing(me, new URLSearchParams({ limit: '200' }))
    .then((res) => {
      if (res.status === 200 && res.data && button.getAttribute('aria-pressed') === 'false') show(button, res.data.users.some((u) => u.user_name === name), labels);
    })
    .catch(() => undefined);
}

/**
 * @param {string} me
 * @param {string} videoId
 * @param {(message: string) => void} onError
 */
export function initFavorite(me, videoId, onError) {
  const button = document.querySelector('button#favorite-btn');
  if (!(button instanceof HTMLButtonElement) || !me) return;
  /** @type {[string, string]} */
  const labels = ['Favorite', 'Favorited'];
  toggle(button, labels, (on) => setFavorite(me, videoId, on), onError);
  void listFavorites(me, new URLSearchParams({ limit: '200' }))
    .then((res) => {
      if (res.status === 200 && res.data && button.getAttribute('aria-pressed') === 'false') show(button, res.data.videos.some((v) => v.id === videoId), labels);
    })
    .catch(() => undefined);
}
