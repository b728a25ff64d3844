// Danmaku on the user page: DPlayer's danmaku through the api's v3 backend (with a backend that
// shows why a danmaku was refused), danmaku from other viewers drawn the moment they are posted,
// and "N watching now" under the player and on the video cards.
import { addPlayerOptions, currentPlayer, userName } from './userhome.js';
import { createDanmakuBackend } from './danmaku-backend.js';
import { LiveRoom } from './danmaku-live.js';
import { filterPanel, loadFilters, passes, renderDensity, saveFilters } from './danmaku-view.js';

const POOL_MAX = 3000;
const CARD_REFRESH_MS = 20_000;

const filters = loadFilters(userName);
/** Every danmaku of the selected video, in time order, filtered or not (DPlayer keeps the shown ones). */
let pool = [];

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

// ---- the pool kept by DPlayer -----------------------------------------------------------------

/** id → DPlayer item, for the danmaku whose id this page knows (its own, and live ones). */
const known = new Map();

function remember(id, item) {
  known.set(id, item);
  if (known.size > 5000) known.delete(known.keys().next().value);
}

function forget(player, item) {
  const at = pool.indexOf(item);
  if (at >= 0) pool.splice(at, 1);
  const dm = player?.danmaku;
  if (!dm || !item) return;
  const i = dm.dan.indexOf(item);
  if (i < 0) return;
  dm.dan.splice(i, 1);
  if (i < dm.danIndex) dm.danIndex--;
}

/** Inserts by time after any equal times; returns the index. */
function insertSorted(list, item) {
  let pos = list.length;
  while (pos > 0 && Number(list[pos - 1].time) > Number(item.time)) pos--;
  list.splice(pos, 0, item);
  return pos;
}

/**
 * Adds a live danmaku to the player's pool in time order and draws it now. One already behind the
 * playhead counts as shown; one ahead plays again when the video gets there, like any other.
 */
function addLive(player, message) {
  const dm = player?.danmaku;
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

// ---- watching now -----------------------------------------------------------------------------

const watching = document.createElement('p');
watching.className = 'danmaku-watching';
watching.id = 'danmaku-watching';
watching.hidden = true;
watching.setAttribute('aria-live', 'polite');
const dot = document.createElement('span');
dot.className = 'danmaku-watching-dot';
dot.setAttribute('aria-hidden', 'true');
const countEl = document.createElement('span');
countEl.className = 'danmaku-watching-count';
const label = document.createElement('span');
watching.append(dot, countEl, label);

function mountWatching() {
  if (watching.isConnected) return;
  const meta = document.querySelector('#video-meta > div') ?? document.querySelector('#video-meta');
  meta?.append(watching);
}

function showCount(n) {
  mountWatching();
  watching.hidden = false;
  watching.dataset.viewers = String(n);
  countEl.textContent = String(n);
  label.textContent = ' watching now';
}

function showState(state) {
  watching.dataset.state = state;
  if (state === 'reconnecting') {
    mountWatching();
    watching.hidden = false;
    label.textContent = ' watching now (reconnecting…)';
  }
  if (state === 'closed') watching.hidden = true;
}

// ---- filters and density -------------------------------------------------------------------

const panel = filterPanel(filters, () => {
  saveFilters(userName, filters);
  const dm = currentPlayer()?.danmaku;
  if (!dm) return;
  // DPlayer's pool becomes the filtered copy; seek() clears the screen and finds the playhead again.
  dm.dan = pool.filter((item) => passes(filters, item));
  dm.seek();
});

// The pool as Bilibili XML, for other danmaku tools.
const exportLink = document.createElement('a');
exportLink.className = 'danmaku-export';
exportLink.textContent = 'Export danmaku (XML)';
panel.querySelector('.danmaku-filters-body')?.append(exportLink);

function mountPanel(videoId) {
  exportLink.href = `/api/videos/${encodeURIComponent(videoId)}/danmaku.xml`;
  exportLink.setAttribute('download', `${videoId}.xml`);
  if (panel.isConnected) return;
  mountWatching();
  if (watching.isConnected) watching.after(panel);
}

let density = { bucket: 5, counts: new Map(), player: null };

function drawDensity() {
  renderDensity(density.player, density.bucket, [...density.counts]);
}

function bumpDensity(time) {
  if (!density.player) return;
  const i = Math.floor(Number(time) / density.bucket);
  density.counts.set(i, (density.counts.get(i) ?? 0) + 1);
  drawDensity();
}

async function loadDensity(videoId, player) {
  density = { bucket: 5, counts: new Map(), player };
  try {
    const res = await fetch(`/api/danmaku/v3/density?id=${encodeURIComponent(videoId)}&bucket=5`, {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    });
    const body = res.ok ? await res.json() : null;
    if (!body || body.code !== 0 || density.player !== player) return;
    for (const [i, n] of body.data.counts) density.counts.set(i, (density.counts.get(i) ?? 0) + n);
  } catch {
    return;
  }
  if (Number.isFinite(player.video?.duration)) drawDensity();
  else player.on('loadedmetadata', () => density.player === player && drawDensity());
}

// ---- one room per selected video --------------------------------------------------------------

let room = null;

function leaveRoom() {
  room?.close();
  room = null;
}

document.addEventListener('video:selected', (event) => {
  leaveRoom();
  known.clear();
  const { id, player } = event.detail ?? {};
  // A pending upload has no player: nobody is watching it.
  if (!id || !player) return;
  mountPanel(id);
  loadDensity(id, player);
  room = new LiveRoom(id, {
    onDanmaku: (message) => {
      if (message.nonce && backend.ownNonces.delete(message.nonce)) return;
      if (currentPlayer() === player) addLive(player, message);
    },
    onDelete: ({ id: gone }) => {
      forget(player, known.get(gone));
      known.delete(gone);
    },
    onViewers: showCount,
    onState: showState,
  });
  refreshCards();
});

document.addEventListener('player:destroyed', () => {
  leaveRoom();
  pool = [];
  density = { bucket: 5, counts: new Map(), player: null };
});
window.addEventListener('pagehide', leaveRoom);

// ---- counts on the video cards ----------------------------------------------------------------

const cards = document.querySelector('#video-list');
let cardCounts = {};

function paintCards() {
  if (!cards) return;
  for (const li of cards.querySelectorAll('li[data-id]')) {
    const n = cardCounts[li.dataset.id] ?? 0;
    let badge = li.querySelector('.danmaku-card-viewers');
    if (n === 0) {
      badge?.remove();
      continue;
    }
    if (!badge) {
      badge = document.createElement('span');
      badge.className = 'danmaku-card-viewers';
      (li.querySelector('.video-item-time') ?? li).append(badge);
    }
    badge.dataset.viewers = String(n);
    badge.title = `${n} watching now`;
    badge.textContent = `${n} watching`;
  }
}

let cardTimer = null;
async function refreshCards() {
  clearTimeout(cardTimer);
  cardTimer = setTimeout(refreshCards, CARD_REFRESH_MS);
  if (!cards || document.hidden) return;
  const ids = [...cards.querySelectorAll('li[data-id]')].map((li) => li.dataset.id);
  const next = {};
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    try {
      const res = await fetch(`/api/viewers?ids=${chunk.map(encodeURIComponent).join(',')}`, {
        credentials: 'same-origin',
        headers: { accept: 'application/json' },
      });
      if (!res.ok) return;
      Object.assign(next, (await res.json()).viewers);
    } catch {
      return;
    }
  }
  cardCounts = next;
  paintCards();
}

if (cards) {
  // The page re-renders cards (new uploads, more pages): paint them again, fetch new ones soon.
  let pending = null;
  new MutationObserver(() => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      paintCards();
    }, 50);
  }).observe(cards, { childList: true });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) refreshCards();
  });
  refreshCards();
}
