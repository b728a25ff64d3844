// @ts-check
// "Save to playlist": a dialog listing the user's playlists with a checkbox each (checked when the
// video is in it; ticking adds, unticking removes), and a form that creates a playlist with the video.
import { h } from './dom.js';
import { describeError } from './http.js';
import { createPlaylist, getPlaylist, listPlaylists, setInPlaylist } from './social-api.js';

/** @typedef {import('../../types/social').Playlist} Playlist */

/**
 * @param {string} me
 * @param {string} videoId
 * @param {Playlist} list
 * @param {boolean} checked
 * @param {HTMLElement} status
 */
function row(me, videoId, list, checked, status) {
  const box = h('input', { type: 'checkbox', id: `save-${list.id}`, 'data-playlist': list.id });
  box.checked = checked;
  box.addEventListener('change', async () => {
    box.disabled = true;
    const res = await setInPlaylist(me, list.id, videoId, box.checked).catch(() => ({ status: 0, data: null }));
    box.disabled = false;
    if (res.status === 204) return void (status.textContent = box.checked ? `Saved to ${list.name}.` : `Removed from ${list.name}.`);
    box.checked = !box.checked;
    status.textContent = describeError(res.status, res.data);
  });
  return h('li', {}, h('label', { for: `save-${list.id}` }, box, ' ', list.name, ' ', h('span', { class: 'muted', text: list.privacy })));
}

/**
 * @param {string} me
 * @param {string} videoId
 * @param {HTMLElement} listEl
 * @param {HTMLElement} status
 */
async function fill(me, videoId, listEl, status) {
  const res = await listPlaylists(me).catch(() => null);
  if (!res || res.status !== 200 || !res.data) return void (status.textContent = describeError(res ? res.status : 0, res?.data));
  const lists = res.data.playlists;
  // Whether the video is in each list: read each list (a user has few; each read is small).
  const contents = await Promise.all(lists.map((l) => getPlaylist(l.id).catch(() => null)));
  listEl.replaceChildren(
    ...lists.map((l, i) => {
      const got = contents[i];
      const has = got !== null && got.status === 200 && (got.data.videos ?? []).some((v) => v.id === videoId);
      return row(me, videoId, l, has, status);
    }),
  );
  status.textContent = lists.length ? '' : 'No playlists yet: create one below.';
}

/**
 * @param {string} me
 * @param {string} videoId
 */
export function initSaveDialog(me, videoId) {
  const dialog = document.getElementById('save-dialog');
  const opener = document.querySelector('button#save-btn');
  if (!(dialog instanceof HTMLDialogElement) || !(opener instanceof HTMLButtonElement)) return;
  const listEl = /** @type {HTMLElement} */ (dialog.querySelector('#save-list'));
  const status = /** @type {HTMLElement} */ (dialog.querySelector('#save-status'));
  const form = /** @type {HTMLFormElement} */ (dialog.querySelector('#new-playlist-form'));
  const error = /** @type {HTMLElement} */ (form.querySelector('[data-error]'));
  opener.addEventListener('click', () => {
    dialog.showModal();
    status.textContent = 'Loading your playlists…';
    void fill(me, videoId, listEl, status);
  });
  dialog.querySelector('#save-close')?.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => opener.focus());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const fields = new FormData(form);
    const name = String(fields.get('name') ?? '').trim();
    if (!name) return void (error.textContent = 'Give it a name.');
    const res = await createPlaylist(me, { name, privacy: String(fields.get('privacy') ?? 'public') }).catch(() => null);
    if (!res || res.status !== 201) return void (error.textContent = describeError(res ? res.status : 0, res?.data));
    error.textContent = '';
    form.reset();
    const added = await setInPlaylist(me, res.data.id, videoId, true).catch(() => null);
    listEl.append(row(me, videoId, res.data, added?.status === 204, status));
    status.textContent = added?.status === 204 ? `Saved to ${res.data.name}.` : describeError(added ? added.status : 0, added?.data);
  });
}
