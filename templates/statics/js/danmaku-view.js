// @ts-check
// Viewer-side danmaku filters (saved per user in this browser) and the density curve drawn over
// DPlayer's seek bar. Pure helpers and elements; danmaku.js wires them to the player.

/** @type {[number, string][]} */
const TYPES = [
  [0, 'Scrolling'],
  [1, 'Top'],
  [2, 'Bottom'],
];

/** @typedef {{ hide: number[], words: string[] }} Filters */

/** @param {string} user */
const storageKey = (user) => `danmaku-filters:${user}`;

/**
 * @param {string} user
 * @returns {Filters}
 */
export function loadFilters(user) {
  try {
    const saved = JSON.parse(window.localStorage.getItem(storageKey(user)) || '{}');
    return {
      hide: Array.isArray(saved.hide) ? saved.hide.filter((/** @type {unknown} */ t) => t === 0 || t === 1 || t === 2) : [],
      words: Array.isArray(saved.words) ? saved.words.filter((/** @type {unknown} */ w) => typeof w === 'string' && w).slice(0, 50) : [],
    };
  } catch {
    return { hide: [], words: [] };
  }
}

/**
 * @param {string} user
 * @param {Filters} filters
 */
export function saveFilters(user, filters) {
  try {
    window.localStorage.setItem(storageKey(user), JSON.stringify(filters));
  } catch {
    /* storage full or disabled: the filters still apply to this page */
  }
}

/** @type {Record<string, string>} */
const UNESCAPES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'", '&#x2f;': '/' };
/** @param {string} s */
const unescapeHtml = (s) => String(s).replace(/&(amp|lt|gt|quot|#39|#x27|#x2f);/g, (e) => UNESCAPES[e]);

/** @type {Record<string, number>} */
const TYPE_NUMBERS = { right: 0, top: 1, bottom: 2 };
/** @param {number | string} type */
const typeNumber = (type) => (typeof type === 'number' ? type : TYPE_NUMBERS[type] ?? 0);

/**
 * True when the item (a DPlayer pool item, text escaped) is shown under these filters.
 * @param {Filters} filters
 * @param {DanmakuItem} item
 */
export function passes(filters, item) {
  if (filters.hide.includes(typeNumber(item.type))) return false;
  if (filters.words.length === 0) return true;
  const text = unescapeHtml(item.text).toLowerCase();
  return !filters.words.some((w) => text.includes(w.toLowerCase()));
}

/**
 * A small disclosure with the filter controls; `onChange(filters)` on every edit.
 * @param {Filters} filters
 * @param {(filters: Filters) => void} onChange
 */
export function filterPanel(filters, onChange) {
  const details = document.createElement('details');
  details.className = 'danmaku-filters';
  const summary = document.createElement('summary');
  summary.textContent = 'Danmaku filters';
  details.append(summary);
  const body = document.createElement('div');
  body.className = 'danmaku-filters-body';
  for (const [type, name] of TYPES) {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.dataset.type = String(type);
    box.checked = filters.hide.includes(type);
    box.addEventListener('change', () => {
      filters.hide = filters.hide.filter((t) => t !== type);
      if (box.checked) filters.hide.push(type);
      onChange(filters);
    });
    label.append(box, ` Hide ${name.toLowerCase()}`);
    body.append(label);
  }
  const words = document.createElement('label');
  words.className = 'danmaku-filters-words';
  const input = document.createElement('input');
  input.type = 'text';
  input.maxLength = 500;
  input.placeholder = 'spoiler, lol';
  input.value = filters.words.join(', ');
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      filters.words = input.value
        .split(',')
        .map((w) => w.trim())
        .filter(Boolean)
        .slice(0, 50);
      onChange(filters);
    }, 250);
  });
  words.append('Block words ', input);
  body.append(words);
  details.append(body);
  return details;
}

const SVG = 'http://www.w3.org/2000/svg';

/**
 * Draws `counts` ([bucket, n] pairs, `bucket` seconds each) as a filled curve along the seek bar of
 * `player`, scaled to the video's duration. Replaces any earlier curve.
 * @param {DPlayerInstance | null} player
 * @param {number} bucket
 * @param {[number, number][]} counts
 */
export function renderDensity(player, bucket, counts) {
  const wrap = player?.container?.querySelector('.dplayer-bar-wrap');
  const duration = player?.video?.duration ?? NaN;
  if (!wrap || !Number.isFinite(duration) || duration <= 0) return;
  wrap.querySelector('.danmaku-density')?.remove();
  const slots = Math.max(1, Math.ceil(duration / bucket));
  const values = new Array(slots).fill(0);
  for (const [i, n] of counts) if (i >= 0 && i < slots) values[i] += n;
  const peak = Math.max(...values);
  if (peak === 0) return;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'danmaku-density');
  svg.setAttribute('viewBox', `0 0 ${slots} 100`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('aria-hidden', 'true');
  const points = [`0,100`];
  values.forEach((v, i) => {
    const y = 100 - (v / peak) * 100;
    points.push(`${i},${y}`, `${i + 1},${y}`);
  });
  points.push(`${slots},100`);
  const area = document.createElementNS(SVG, 'polygon');
  area.setAttribute('points', points.join(' '));
  svg.append(area);
  wrap.prepend(svg);
}
