// @ts-check
// Unfinished uploads from earlier visits. tus-js-client remembers each unfinished upload in
// localStorage (keyed by video and file); when the page loads, the ones the server still holds are
// offered again, and choosing the same file continues where the last byte arrived.
import { $, h } from './dom.js';
import { STORAGE_PREFIX, dialogHint, loadTus } from './tus-transport.js';
import { formatBytes } from './upload-progress.js';

/**
 * @typedef {import('tus-js-client').PreviousUpload} PreviousUpload
 * @typedef {import('tus-js-client').UrlStorage} UrlStorage
 * @typedef {PreviousUpload & { urlStorageKey: string, uploadUrl: string, metadata: { video_id: string, filename: string } }} StoredUpload
 * @typedef {{ offset: number, length: number }} Held
 */

const TUS_HEADERS = { 'tus-resumable': '1.0.0' };

/**
 * What the server still holds of a stored upload: {offset, length}; null when it is gone or not
 * ours; undefined when that cannot be told now (signed out, offline).
 * @param {string} url
 * @returns {Promise<Held | null | undefined>}
 */
async function probe(url) {
  try {
    const res = await fetch(url, { method: 'HEAD', headers: TUS_HEADERS, credentials: 'same-origin' });
    if (res.status === 200) {
      return { offset: Number(res.headers.get('upload-offset')), length: Number(res.headers.get('upload-length')) };
    }
    return res.status === 404 || res.status === 403 || res.status === 410 ? null : undefined;
  } catch {
    return undefined;
  }
}

/** @param {string} videoId */
const videoButton = (videoId) => $(`#video-list li[data-id="${CSS.escape(videoId)}"] .video-item`);
/** @param {string} videoId */
const videoName = (videoId) => videoButton(videoId)?.querySelector('.video-item-name')?.textContent || '';
/** @param {Held} held */
const percentOf = (held) => Math.floor((held.offset / held.length) * 100);

/**
 * Selects the video in the list and presses its "Upload file" button, which opens the dialog for
 * that video (the button's handler below adds where the upload stopped).
 * @param {StoredUpload} entry
 */
function continueInDialog(entry) {
  const button = videoButton(entry.metadata.video_id);
  if (!button) return false;
  button.click();
  $('#resume-upload')?.click();
  return true;
}

/**
 * The stored uploads of this page's kind, optionally of one video.
 * @param {string} [videoId]
 * @returns {Promise<{ storage: UrlStorage | null, entries: StoredUpload[] }>}
 */
async function storedUploads(videoId) {
  const tus = await loadTus();
  const storage = tus.defaultOptions.urlStorage;
  if (!storage || typeof storage.findAllUploads !== 'function') return { storage: null, entries: [] };
  const all = /** @type {StoredUpload[]} */ (await storage.findAllUploads());
  const entries = all.filter(
    (e) =>
      String(e.urlStorageKey).startsWith(STORAGE_PREFIX) &&
      e.uploadUrl &&
      e.metadata &&
      e.metadata.video_id &&
      (!videoId || e.metadata.video_id === videoId),
  );
  return { storage, entries };
}

/** Resolves once the video list has rendered (or after two seconds), so offers can name videos. */
function listReady() {
  const list = $('#video-list');
  if (!list || list.children.length > 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      observer.disconnect();
      resolve(undefined);
    };
    const observer = new MutationObserver(done);
    observer.observe(list, { childList: true });
    setTimeout(done, 2000);
  });
}

/**
 * One offered upload: its name and progress, Continue and Discard.
 * @param {StoredUpload} entry
 * @param {Held} held
 * @param {UrlStorage} storage
 */
function offerRow(entry, held, storage) {
  const name = videoName(entry.metadata.video_id);
  const label = h('span', {
    text: `${name ? `“${name}” — ` : ''}${entry.metadata.filename}, ${percentOf(held)}% of ${formatBytes(held.length)}`,
  });
  const onContinue = () => {
    if (!continueInDialog(entry)) label.textContent += ' — open the video and choose the same file.';
  };
  const onDiscard = async () => {
    await fetch(entry.uploadUrl, { method: 'DELETE', headers: TUS_HEADERS, credentials: 'same-origin' }).catch(() => undefined);
    await storage.removeUpload(entry.urlStorageKey);
    const banner = item.closest('#tus-unfinished');
    item.remove();
    if (banner && !banner.querySelector('li')) banner.remove();
  };
  const item = h(
    'li',
    { class: 'tus-unfinished-item', 'data-video-id': entry.metadata.video_id },
    label,
    h('button', { type: 'button', class: 'btn btn-primary', text: 'Continue', onclick: onContinue }),
    h('button', { type: 'button', class: 'btn btn-ghost', text: 'Discard', onclick: onDiscard }),
  );
  return item;
}

/** Offers the unfinished uploads the server still holds in a banner at the top of the page. */
export async function offerUnfinished() {
  const found = await storedUploads().catch(() => null);
  if (!found || !found.storage || found.entries.length === 0) return;
  const storage = found.storage;
  await listReady();
  const rows = [];
  for (const entry of found.entries) {
    const held = await probe(entry.uploadUrl);
    if (held === undefined) continue; // signed out or offline: ask again next time
    if (held === null || held.offset >= held.length) {
      await storage.removeUpload(entry.urlStorageKey);
      continue;
    }
    rows.push(offerRow(entry, held, storage));
  }
  if (rows.length === 0) return;
  const banner = h(
    'section',
    { class: 'banner banner-warn tus-unfinished', id: 'tus-unfinished', role: 'status' },
    h('p', { text: 'You have unfinished uploads. Continue one by choosing the same file again:' }),
    h('ul', {}, rows),
  );
  $('#app')?.prepend(banner);
}

/**
 * The dialog opened from a pending video's own "Upload file" button says where an earlier attempt
 * stopped.
 */
export function initResumeHint() {
  /** @type {string | null} */
  let selectedId = null;
  document.addEventListener('video:selected', (event) => {
    selectedId = /** @type {CustomEvent<{ id?: string }>} */ (event).detail?.id ?? null;
  });
  $('#resume-upload')?.addEventListener('click', async () => {
    const videoId = selectedId;
    if (!videoId) return;
    try {
      const { entries } = await storedUploads(videoId);
      for (const entry of entries) {
        const held = await probe(entry.uploadUrl);
        if (held && held.offset < held.length && selectedId === videoId) {
          dialogHint(`Choose “${entry.metadata.filename}” again to continue from ${percentOf(held)}%.`);
          return;
        }
      }
    } catch {
      // No hint: the upload still works, it just starts from the beginning.
    }
  });
  $('#upload-dialog')?.addEventListener('close', () => dialogHint(''));
}
