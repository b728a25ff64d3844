// @ts-check
// "Load more" under a grid of video cards: the server drew the first page; this fetches the next
// ones from the list's own api route with its next_cursor.
import { listPublic } from './api.js';
import { videoCard } from './cards.js';
import { $ } from './dom.js';
import { describeError } from './http.js';

const PAGE = 24;

export function initFeed() {
  const grid = $('#video-grid');
  const more = /** @type {HTMLButtonElement | null} */ ($('#grid-more'));
  const error = $('#grid-error');
  const source = grid?.dataset.source;
  if (!grid || !more || !source) return;
  const shown = new Set([...grid.querySelectorAll('a.vcard')].map((a) => /** @type {HTMLElement} */ (a).dataset.id));
  more.addEventListener('click', async () => {
    const query = new URLSearchParams({ limit: String(PAGE), cursor: grid.dataset.nextCursor ?? '' });
    more.disabled = true;
    const res = await listPublic(source, query).catch(() => ({ status: 0, data: null, headers: null }));
    more.disabled = false;
    if (res.status !== 200 || !res.data) {
      if (error) error.textContent = describeError(res.status, res.data);
      return;
    }
    if (error) error.textContent = '';
    for (const video of res.data.videos) {
      if (shown.has(video.id)) continue;
      shown.add(video.id);
      grid.append(videoCard(video));
    }
    grid.dataset.nextCursor = res.data.next_cursor ?? '';
    more.hidden = !res.data.next_cursor;
  });
}
