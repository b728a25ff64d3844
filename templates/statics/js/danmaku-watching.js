// @ts-check
// "N watching now" under the selected video's title, with the danmaku filter panel after it.
import { h } from './dom.js';

const countEl = h('span', { class: 'danmaku-watching-count' });
const label = h('span');
const watching = h(
  'p',
  { class: 'danmaku-watching', id: 'danmaku-watching', hidden: true, 'aria-live': 'polite' },
  h('span', { class: 'danmaku-watching-dot', 'aria-hidden': 'true' }),
  countEl,
  label,
);

function mountWatching() {
  if (watching.isConnected) return;
  const meta = document.querySelector('#video-meta > div') ?? document.querySelector('#video-meta');
  meta?.append(watching);
}

/** @param {number} n viewers of the selected video */
export function showCount(n) {
  mountWatching();
  watching.hidden = false;
  watching.dataset.viewers = String(n);
  countEl.textContent = String(n);
  label.textContent = ' watching now';
}

/** @param {'connecting' | 'live' | 'reconnecting' | 'closed'} state the live room's */
export function showState(state) {
  watching.dataset.state = state;
  if (state === 'reconnecting') {
    mountWatching();
    watching.hidden = false;
    label.textContent = ' watching now (reconnecting…)';
  }
  if (state === 'closed') watching.hidden = true;
}

/**
 * Puts the filter panel after the watching line (once), its export link pointing at this video.
 * @param {HTMLElement} panel
 * @param {HTMLAnchorElement} exportLink
 * @param {string} videoId
 */
export function mountPanel(panel, exportLink, videoId) {
  exportLink.href = `/api/videos/${encodeURIComponent(videoId)}/danmaku.xml`;
  exportLink.setAttribute('download', `${videoId}.xml`);
  if (panel.isConnected) return;
  mountWatching();
  if (watching.isConnected) watching.after(panel);
}
