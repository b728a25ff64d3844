// @ts-check
// A video card drawn in the page, the same as the server's (templates/partials/card.eta), for "Load more".
import { h } from './dom.js';

/** @typedef {import('../../types/api').Video} Video */

/** @param {number | null | undefined} seconds */
function duration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '';
  const t = Math.round(seconds);
  const [hh, mm, ss] = [Math.floor(t / 3600), Math.floor((t % 3600) / 60), String(t % 60).padStart(2, '0')];
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** @param {number | undefined} n */
const views = (n) => (n === 1 ? '1 view' : `${(n ?? 0).toLocaleString('en-US')} views`);

/** @param {string} iso */
function age(iso) {
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (Number.isNaN(seconds)) return '';
  /** @type {[number, string][]} */
  const units = [[31536000, 'year'], [2592000, 'month'], [604800, 'week'], [86400, 'day'], [3600, 'hour'], [60, 'minute']];
  for (const [size, unit] of units) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}

/** @param {string | null | undefined} poster */
const posterSrc = (poster) => (typeof poster === 'string' && /^\/(?!\/)[^\s\\]*$/.test(poster) ? poster : '/statics/img/poster.svg');

/** @param {Video} video */
export function videoCard(video) {
  const privacy = video.privacy ?? 'public';
  const when = age(video.create_time);
  return h(
    'li',
    { class: 'vcard-item' },
    h(
      'a',
      { class: 'vcard', href: `/v/${encodeURIComponent(video.id)}`, 'data-id': video.id },
      h(
        'span',
        { class: 'vcard-poster' },
        h('img', { src: posterSrc(video.poster), alt: '', width: 320, height: 180, loading: 'lazy' }),
        duration(video.duration) ? h('span', { class: 'vcard-duration', text: duration(video.duration) }) : null,
        privacy !== 'public' ? h('span', { class: `badge badge-${privacy} vcard-privacy`, text: privacy }) : null,
      ),
      h('span', { class: 'vcard-name', text: video.name }),
    ),
    h(
      'p',
      { class: 'vcard-meta' },
      h('a', { class: 'vcard-author', href: `/u/${encodeURIComponent(video.author ?? '')}`, text: video.author ?? '' }),
      ' ',
      h('span', { text: views(video.views) }),
      when ? ' · ' : null,
      when ? h('span', { text: when }) : null,
    ),
  );
}
