// @ts-check
// /playlists/:pid: the page is all server-drawn links. For its owner: edit the name, description
// and privacy, delete the list, and move or remove each video (each change goes through the api
// first; the page follows its answer).
import { initBell } from './bell.js';
import { $ } from './dom.js';
import { describeError } from './http.js';
import { deletePlaylist, movePlaylistItem, updatePlaylist } from './library-api.js';
import { setInPlaylist } from './social-api.js';

const main = /** @type {HTMLElement} */ ($('#main'));
const me = main.dataset.me ?? '';
const pid = main.dataset.pid ?? '';
const list = /** @type {HTMLOListElement | null} */ ($('#playlist-items'));
const error = $('#playlist-error');
const status = $('#playlist-status');

/** @param {number} code @param {unknown} data */
function fail(code, data) {
  if (error) error.textContent = describeError(code, data);
}

/** @param {string} text */
function done(text) {
  if (error) error.textContent = '';
  if (status) status.textContent = text;
}

function renumber() {
  const items = list ? [...list.children] : [];
  items.forEach((li, i) => {
    const pos = li.querySelector('.playlist-pos');
    if (pos) pos.textContent = String(i + 1);
  });
  const count = $('#playlist-count');
  if (count) count.textContent = `${items.length} video${items.length === 1 ? '' : 's'}`;
}

/** @param {HTMLButtonElement} button @param {HTMLLIElement} li */
async function itemAction(button, li) {
  if (!list) return;
  const id = li.dataset.id ?? '';
  const name = li.querySelector('.vcard-name')?.textContent ?? 'The video';
  const items = [...list.children];
  const at = items.indexOf(li);
  button.disabled = true;
  if (button.dataset.remove !== undefined) {
    const res = await setInPlaylist(me, pid, id, false).catch(() => ({ status: 0, data: null }));
    button.disabled = false;
    if (res.status !== 204) return fail(res.status, res.data);
    li.remove();
    renumber();
    return done(`${name} was removed.`);
  }
  const to = at + Number(button.dataset.move);
  if (to < 0 || to >= items.length) {
    button.disabled = false;
    return;
  }
  const res = await movePlaylistItem(me, pid, id, to).catch(() => ({ status: 0, data: null }));
  button.disabled = false;
  if (res.status !== 204) return fail(res.status, res.data);
  if (to < at) list.insertBefore(li, items[to]);
  else list.insertBefore(li, items[to].nextSibling);
  renumber();
  button.focus();
  done(`${name} is now number ${to + 1}.`);
}

function initItems() {
  list?.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button') : null;
    const li = button?.closest('li');
    if (button instanceof HTMLButtonElement && li instanceof HTMLLIElement) void itemAction(button, li);
  });
}

function initEdit() {
  const form = /** @type {HTMLFormElement | null} */ ($('#playlist-edit-form'));
  form?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { name: String(data.get('name') ?? '').trim(), description: String(data.get('description') ?? ''), privacy: String(data.get('privacy') ?? 'public') };
    const res = await updatePlaylist(me, pid, body).catch(() => ({ status: 0, data: null }));
    if (res.status !== 200) return fail(res.status, res.data);
    window.location.reload();
  });
  const remove = /** @type {HTMLButtonElement | null} */ ($('#playlist-delete'));
  remove?.addEventListener('click', async () => {
    if (!window.confirm('Delete this playlist? The videos themselves stay.')) return;
    const res = await deletePlaylist(me, pid).catch(() => ({ status: 0, data: null }));
    if (res.status !== 204) return fail(res.status, res.data);
    window.location.href = '/library?tab=playlists';
  });
}

if (me) {
  initItems();
  initEdit();
}
initBell();
