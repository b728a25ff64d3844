// @ts-check
// The watch page's "Recent danmaku" box: opened, it lists the video's newest danmaku with a Report
// button each (others' only), for the report dialog (report.js).
import { h } from './dom.js';
import { callOrOffline, describeError } from './http.js';

const box = document.getElementById('danmaku-recent');
const app = document.getElementById('app');
if (box instanceof HTMLDetailsElement && app) initRecent(box, app.dataset.videoId ?? '', app.dataset.user ?? '');

/** @param {number} seconds */
function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * @param {HTMLDetailsElement} box
 * @param {string} videoId
 * @param {string} me
 */
function initRecent(box, videoId, me) {
  const list = /** @type {HTMLElement} */ (box.querySelector('#danmaku-recent-list'));
  const status = /** @type {HTMLElement} */ (box.querySelector('#danmaku-recent-status'));
  box.addEventListener('toggle', async () => {
    if (!box.open) return;
    status.textContent = 'Loading…';
    const res = await callOrOffline('GET', `/api/videos/${encodeURIComponent(videoId)}/danmaku/recent?limit=50`);
    if (res.status !== 200) return void (status.textContent = describeError(res.status, res.data));
    /** @type {{ id: string, time: number, text: string, author: string }[]} */
    const items = res.data.danmaku;
    status.textContent = items.length ? '' : 'No danmaku yet.';
    list.replaceChildren(
      ...items.map((d) =>
        h(
          'li',
          { class: 'danmaku-recent-item', 'data-id': d.id },
          h('span', { class: 'muted', text: `${clock(d.time)} ` }),
          h('strong', { text: d.author || 'someone' }),
          ' ',
          h('span', { text: d.text }),
          d.author !== me
            ? h('button', { type: 'button', class: 'btn btn-link', text: 'Report', 'aria-label': `Report danmaku “${d.text}”`, 'data-report-target': 'danmaku', 'data-report-id': d.id })
            : null,
        ),
      ),
    );
  });
}
