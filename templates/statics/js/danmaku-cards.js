// @ts-check
// "N watching" badges on the video cards of the list, refreshed every 20 s while the page is seen.
import { callOrOffline } from './http.js';

/** @typedef {import('../../types/api').ViewerCounts} ViewerCounts */

const CARD_REFRESH_MS = 20_000;
const IDS_PER_REQUEST = 100;

const cards = document.querySelector('#video-list');
/** @type {Record<string, number>} */
let cardCounts = {};
/** @type {ReturnType<typeof setTimeout> | undefined} */
let cardTimer;

function paintCards() {
  if (!cards) return;
  for (const li of cards.querySelectorAll('li[data-id]')) {
    const n = cardCounts[/** @type {HTMLElement} */ (li).dataset.id ?? ''] ?? 0;
    let badge = /** @type {HTMLElement | null} */ (li.querySelector('.danmaku-card-viewers'));
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

/** Fetches the counts of every listed video (and schedules the next refresh). */
export async function refreshCards() {
  clearTimeout(cardTimer);
  cardTimer = setTimeout(refreshCards, CARD_REFRESH_MS);
  if (!cards || document.hidden) return;
  const ids = [...cards.querySelectorAll('li[data-id]')].map((li) => /** @type {HTMLElement} */ (li).dataset.id ?? '');
  /** @type {Record<string, number>} */
  const next = {};
  for (let i = 0; i < ids.length; i += IDS_PER_REQUEST) {
    const chunk = ids.slice(i, i + IDS_PER_REQUEST);
    /** @type {{ status: number, data: ViewerCounts }} */
    const res = await callOrOffline('GET', `/api/viewers?ids=${chunk.map(encodeURIComponent).join(',')}`);
    if (res.status !== 200 || !res.data) return;
    Object.assign(next, res.data.viewers);
  }
  cardCounts = next;
  paintCards();
}

export function initCards() {
  if (!cards) return;
  // The page re-renders cards (new uploads, more pages): paint them again, fetch new ones soon.
  /** @type {ReturnType<typeof setTimeout> | null} */
  let pending = null;
  new MutationObserver(() => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      paintCards();
    }, 50);
  }).observe(cards, { childList: true });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void refreshCards();
  });
  void refreshCards();
}
