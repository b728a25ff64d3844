// @ts-check
// /library: "Load more" under favorites and history, clearing the history, creating a playlist,
// and unblocking people. Each change goes through the api, then the page shows its result.
import { initBell } from './bell.js';
import { $ } from './dom.js';
import { initFeed } from './feed.js';
import { describeError } from './http.js';
import { clearHistory, setBlocked } from './library-api.js';
import { createPlaylist } from './social-api.js';

const main = /** @type {HTMLElement} */ ($('#main'));
const me = main.dataset.me ?? '';
const error = $('#library-error');

/** @param {number} status @param {unknown} data */
function fail(status, data) {
  if (error) error.textContent = describeError(status, data);
}

function initHistory() {
  const button = /** @type {HTMLButtonElement | null} */ ($('#history-clear'));
  button?.addEventListener('click', async () => {
    if (!window.confirm('Clear your whole watch history?')) return;
    button.disabled = true;
    const res = await clearHistory(me).catch(() => ({ status: 0, data: null }));
    button.disabled = false;
    if (res.status !== 204) return fail(res.status, res.data);
    window.location.reload();
  });
}

function initCreate() {
  const form = /** @type {HTMLFormElement | null} */ ($('#playlist-create'));
  form?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const name = String(data.get('name') ?? '').trim();
    if (!name) {
      if (error) error.textContent = 'Give the playlist a name.';
      return;
    }
    const res = await createPlaylist(me, { name, privacy: String(data.get('privacy') ?? 'public') }).catch(() => ({ status: 0, data: null }));
    if (res.status !== 201 || !res.data) return fail(res.status, res.data);
    window.location.href = `/playlists/${encodeURIComponent(res.data.id)}`;
  });
}

function initUnblock() {
  for (const button of document.querySelectorAll('button[data-unblock]')) {
    if (!(button instanceof HTMLButtonElement)) continue;
    button.addEventListener('click', async () => {
      button.disabled = true;
      const res = await setBlocked(me, button.dataset.unblock ?? '', false).catch(() => ({ status: 0, data: null }));
      if (res.status !== 204) {
        button.disabled = false;
        return fail(res.status, res.data);
      }
      button.closest('li')?.remove();
    });
  }
}

initFeed();
initHistory();
initCreate();
initUnblock();
initBell();
