// @ts-check
// The signed-in user's videos: the list beside the player, paged with "Load more".
import { listVideos } from './api.js';
import { h, need, timeEl } from './dom.js';
import { describeError } from './http.js';
import { processingBadge } from './media.js';
import { guard, isPending, showError, state, userName } from './user-page.js';

/** @typedef {import('../../types/api').Video} Video */

const VIDEO_PAGE = 12;
const list = need('#video-list', HTMLOListElement);
const more = need('#videos-more', HTMLButtonElement);
const empty = need('#videos-empty', HTMLElement);

/** Every video the list shows, newest first. */
export const videos = /** @type {Map<string, Video>} */ (new Map());
/** @type {string | null} */
let cursor = null;
/** @type {(id: string) => void} */
let pick = () => {};

/** @param {(id: string) => void} onPick runs when a video in the list is clicked */
export function initVideoList(onPick) {
  pick = onPick;
  more.addEventListener('click', () => void loadVideos());
}

/**
 * "unlisted" or "private" beside a video that is not public.
 * @param {Video} video
 */
export function privacyBadge(video) {
  const privacy = video.privacy ?? 'public';
  return privacy === 'public' ? null : h('span', { class: `badge badge-${privacy}`, 'data-privacy': privacy, text: privacy });
}

/**
 * The row's picture: the 320 px thumb beside the poster once there is one, else a play sign.
 * @param {Video} video
 */
function thumbOf(video) {
  const pending = isPending(video);
  const poster = typeof video.poster === 'string' && /^\/videos\/[^\s\\]+\/poster\.jpg(\?|$)/.test(video.poster) ? video.poster : '';
  const picture = poster ? h('img', { src: poster.replace('/poster.jpg', '/thumb.jpg'), alt: '', width: 320, height: 180, loading: 'lazy' }) : pending ? '…' : '▶';
  return h('span', { class: `thumb${pending ? ' thumb-pending' : ''}`, 'aria-hidden': 'true' }, picture);
}

/** @param {Video} video */
function videoItem(video) {
  const pending = isPending(video);
  return h(
    'li',
    { 'data-id': video.id },
    h(
      'button',
      { type: 'button', class: 'video-item', 'aria-current': state.video?.id === video.id ? 'true' : null, onclick: () => pick(video.id) },
      thumbOf(video),
      h(
        'span',
        { class: 'video-item-text' },
        h('span', { class: 'video-item-name', text: video.name }),
        h('span', { class: 'video-item-time' }, pending ? h('span', { class: 'badge', text: 'upload not finished' }) : null, privacyBadge(video), video.hidden ? h('span', { class: 'badge badge-private', title: 'Hidden from feeds and search after reports, until a moderator decides', text: 'hidden after reports' }) : null, processingBadge(video), timeEl(video.create_time)),
      ),
    ),
    pending
      ? null
      : h('a', { class: 'btn btn-icon video-item-watch', href: `/v/${encodeURIComponent(video.id)}`, title: 'Open the watch page', 'aria-label': `Watch page of ${video.name}`, text: '↗' }),
  );
}

/** @param {string} id */
const itemOf = (id) => list.querySelector(`li[data-id="${CSS.escape(id)}"]`);

/**
 * Shows a video (again, in place, when it is listed already).
 * @param {Video} video
 * @param {'append' | 'prepend'} [where]
 */
export function renderVideo(video, where = 'append') {
  videos.set(video.id, video);
  const item = videoItem(video);
  const old = itemOf(video.id);
  if (old) old.replaceWith(item);
  else if (where === 'prepend') list.prepend(item);
  else list.append(item);
  empty.hidden = true;
}

/** Loads the next page of videos. */
export async function loadVideos() {
  const query = new URLSearchParams({ limit: String(VIDEO_PAGE) });
  if (cursor) query.set('cursor', cursor);
  more.disabled = true;
  const res = await guard(() => listVideos(userName, query));
  more.disabled = false;
  if (!res) return;
  if (res.status !== 200) return showError(describeError(res.status, res.data));
  for (const video of res.data.videos) renderVideo(video);
  cursor = res.data.next_cursor ?? null;
  more.hidden = !cursor;
  empty.hidden = videos.size > 0;
}

/**
 * Takes a video off the list; returns the id of the first one left, or null.
 * @param {string} id
 */
export function removeVideo(id) {
  videos.delete(id);
  itemOf(id)?.remove();
  const next = videos.keys().next();
  if (next.done) empty.hidden = false;
  return next.done ? null : next.value;
}

/** @param {string} id the video now selected */
export function markCurrent(id) {
  for (const button of list.querySelectorAll('.video-item')) {
    const current = button.parentElement?.dataset.id === id;
    if (current) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');
  }
}

/** The first video listed, or null. */
export const firstVideoId = () => videos.keys().next().value ?? null;
