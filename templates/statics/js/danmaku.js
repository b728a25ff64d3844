// @ts-check
// Danmaku on the user page: DPlayer's danmaku through the api's v3 backend (with a backend that
// shows why a danmaku was refused), danmaku from other viewers drawn the moment they are posted,
// and "N watching now" under the player and on the video cards.
import { createDanmakuBackend } from './danmaku-backend.js';
import { initCards, refreshCards } from './danmaku-cards.js';
import { LiveRoom } from './danmaku-live.js';
import { filterPanel, loadFilters, passes, renderDensity, saveFilters } from './danmaku-view.js';
import { mountPanel, showCount, showState } from './danmaku-watching.js';
import { h } from './dom.js';
import { callOrOffline } from './http.js';
import { addPlayerOptions, currentPlayer, userName } from './user-page.js';

/**
 * @typedef {import('../../types/api').DanmakuDensity} DanmakuDensity
 * @typedef {import('../../types/api').LiveMessage} LiveMessage
 * @typedef {import('./user-page.js').VideoSelected} VideoSelected
 */

const POOL_MAX = 3000;
const BUCKET = 5;

/** Every danmaku of the selected video, in time order, filtered or not (DPlayer keeps the shown ones). */
let pool = /** @type {DanmakuItem[]} */ ([]);
/** id → DPlayer item, for the danmaku whose id this page knows (its own, and live ones). */
const known = /** @type {Map<string, DanmakuItem>} */ (new Map());
let density = { counts: /** @type {Map<number, number>} */ (new Map()), player: /** @type {DPlayerInstance | null} */ (null) };
/** @type {LiveRoom | null} */
let room = null;

/**
 * @param {string} id
 * @param {DanmakuItem} item
 */
function remember(id, item) {
  known.set(id, item);
  if (known.size > 5000) known.delete(/** @type {string} */ (known.keys().next().value));
}

/**
 * @param {DPlayerInstance | null} player
 * @param {DanmakuItem | undefined} item
 */
function forget(player, item) {
  if (!item) return;
  const at = pool.indexOf(item);
  if (at >= 0) pool.splice(at, 1);
  const dm = player?.danmaku;
  if (!dm) return;
  const i = dm.dan.indexOf(item);
  if (i < 0) return;
  dm.dan.splice(i, 1);
  if (i < dm.danIndex) dm.danIndex--;
}

/**
 * Inserts by time after any equal times; returns the index.
 * @param {DanmakuItem[]} list
 * @param {DanmakuItem} item
 */
function insertSorted(list, item) {
  let pos = list.length;
  while (pos > 0 && Number(list[pos - 1].time) > Number(item.time)) pos--;
  list.splice(pos, 0, item);
  return pos;
}

function drawDensity() {
  renderDensity(density.player, BUCKET, [...density.counts]);
}

/** @param {number} time */
function bumpDensity(time) {
  if (!density.player) return;
  const i = Math.floor(Number(time) / BUCKET);
  density.counts.set(i, (density.counts.get(i) ?? 0) + 1);
  drawDensity();
}

/**
 * @param {string} videoId
 * @param {DPlayerInstance} player
 */
async function loadDensity(videoId, player) {
  density = { counts: new Map(), player };
  /** @type {{ status: number, data: DanmakuDensity }} */
  const res = await callOrOffline('GET', `/api/danmaku/v3/density?id=${encodeURIComponent(videoId)}&bucket=${BUCKET}`);
  if (res.status !== 200 || !res.data || res.data.code !== 0 || density.player !== player) return;
  for (const [i, n] of res.data.data.counts) density.counts.set(i, (density.counts.get(i) ?? 0) + n);
  if (Number.isFinite(player.video?.duration)) drawDensity();
  else player.on('loadedmetadata', () => density.player === player && drawDensity());
}

/**
 * Adds a live danmaku to the player's pool in time order and draws it now. One already behind the
 * playhead counts as shown; one ahead plays again when the video gets there, like any other.
 * @param {DPlayerInstance} player
 * @param {{ id: string, data: import('../../types/api').DanmakuRow }} message
 * @param {ReturnType<typeof loadFilters>} filters
 */
function addLive(player, message, filters) {
  const dm = player.danmaku;
  if (!dm) return;
  const [time, type, color, author, text] = message.data;
  const item = { time, type, color, author, text };
  insertSorted(pool, item);
  remember(message.id, item);
  bumpDensity(time);
  if (!passes(filters, item)) return;
  const pos = insertSorted(dm.dan, item);
  if (pos <= dm.danIndex) dm.danIndex++;
  // `draw` changes the object it is given, so it gets its own; the text is already escaped.
  dm.draw({ text, color, type });
}

function leaveRoom() {
  room?.close();
  room = null;
}

/** @param {ReturnType<typeof loadFilters>} filters */
function filterControls(filters) {
  const panel = filterPanel(filters, () => {
    saveFilters(userName, filters);
    const dm = currentPlayer()?.danmaku;
    if (!dm) return;
    // DPlayer's pool becomes the filtered copy; seek() clears the screen and finds the playhead again.
    dm.dan = pool.filter((item) => passes(filters, item));
    dm.seek();
  });
  // The pool as Bilibili XML, for other danmaku tools.
  const exportLink = h('a', { class: 'danmaku-export', text: 'Export danmaku (XML)' });
  panel.querySelector('.danmaku-filters-body')?.append(exportLink);
  return { panel, exportLink };
}

/**
 * @param {ReturnType<typeof loadFilters>} filters
 * @param {ReturnType<typeof createDanmakuBackend>} backend
 * @param {ReturnType<typeof filterControls>} controls
 */
function onVideoSelected(filters, backend, controls) {
  /** @param {Event} event */
  return (event) => {
    leaveRoom();
    known.clear();
    const { id, player } = /** @type {CustomEvent<Partial<VideoSelected>>} */ (event).detail ?? {};
    // A pending upload has no player: nobody is watching it.
    if (!id || !player) return;
    mountPanel(controls.panel, controls.exportLink, id);
    void loadDensity(id, player);
    room = new LiveRoom(id, {
      onDanmaku: (message) => {
        if (message.nonce && backend.ownNonces.delete(message.nonce)) return;
        if (currentPlayer() === player) addLive(player, message, filters);
      },
      onDelete: ({ id: gone }) => {
        forget(player, known.get(gone));
        known.delete(gone);
      },
      onViewers: showCount,
      onState: showState,
    });
    void refreshCards();
  };
}

/** Adds danmaku to every player the page makes. */
export function installDanmaku() {
  const filters = loadFilters(userName);
  const backend = createDanmakuBackend({
    onPool: (items) => {
      pool = items.slice().sort((a, b) => a.time - b.time);
      return pool.filter((item) => passes(filters, item));
    },
    onRejected: (item) => forget(currentPlayer(), item),
    onSent: (item, data) => {
      remember(data.id, item);
      insertSorted(pool, item);
      bumpDensity(item.time);
    },
  });
  addPlayerOptions((video) => ({
    apiBackend: backend,
    danmaku: { id: video.id, api: '/api/danmaku/', maximum: POOL_MAX, user: userName, bottom: '15%' },
  }));
  document.addEventListener('video:selected', onVideoSelected(filters, backend, filterControls(filters)));
  document.addEventListener('player:destroyed', () => {
    leaveRoom();
    pool = [];
    density = { counts: new Map(), player: null };
  });
  window.addEventListener('pagehide', leaveRoom);
  initCards();
}
