// Resumable uploads for the upload dialog: tus 1.0 through tus-js-client (served by this site at
// /statics/vendor/tus.min.js). A file goes to /files/ in 8 MiB PATCH requests, each retried on its
// own, so a dropped connection, a closed tab or a reload costs at most the chunk in flight.
// tus-js-client remembers each unfinished upload in localStorage (keyed by video and file); when the
// page loads, the ones the server still holds are offered again, and choosing the same file
// continues where the last byte arrived.
import { $, h } from './dom.js';
import { setUploader, xhrUpload } from './upload.js';
import { formatBytes } from './upload-progress.js';

const ENDPOINT = '/files/';
const CHUNK_SIZE = 8 * 1024 * 1024;
// Delays before each retry of a failed request; a server that stays away longer ends the upload,
// which can then be continued by hand.
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000];
const FINGERPRINT = 'tus-video';
const STORAGE_PREFIX = `tus::${FINGERPRINT}/`;

let loading = null;

/** tus-js-client's browser build, loaded once on first use. */
function loadTus() {
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      if (window.tus) return resolve(window.tus);
      const script = document.createElement('script');
      script.src = '/statics/vendor/tus.min.js';
      script.onload = () => (window.tus ? resolve(window.tus) : reject(new Error('tus-js-client did not load')));
      script.onerror = () => {
        loading = null;
        reject(new Error('tus-js-client did not load'));
      };
      document.head.append(script);
    });
  }
  return loading;
}

/** One video and one file (name, type, size, modification time) make one resumable upload. */
const fingerprintOf = (videoId, file) => [FINGERPRINT, videoId, file.name, file.type, file.size, file.lastModified].join('/');

// ---- the dialog's extra controls ---------------------------------------------------------------

const active = new Set();

// Leaving the page mid-upload loses the chunk in flight and needs the file chosen again: ask first.
window.addEventListener('beforeunload', (event) => {
  if (active.size === 0) return;
  event.preventDefault();
  event.returnValue = '';
});

function dialogParts() {
  const speed = $('#upload-speed');
  const actions = $('#upload-form .dialog-actions');
  if (!speed || !actions) return null;
  let pause = $('#upload-pause');
  if (!pause) {
    pause = h('button', { type: 'button', id: 'upload-pause', class: 'btn btn-ghost', hidden: true, text: 'Pause' });
    actions.prepend(pause);
  }
  return { speed, pause, status: $('#upload-status') };
}

function dialogHint(text) {
  const fileLabel = $('#upload-file')?.closest('label');
  if (!fileLabel) return;
  let hint = $('#upload-resume-hint');
  if (!hint) {
    hint = h('p', { id: 'upload-resume-hint', class: 'tus-hint', role: 'note' });
    fileLabel.after(hint);
  }
  hint.textContent = text;
  hint.hidden = !text;
}

// ---- the transport -------------------------------------------------------------------------------

function resultOf(err) {
  const res = err && err.originalResponse;
  if (!res) return { status: 0, data: null };
  let data = null;
  try {
    data = JSON.parse(res.getBody());
  } catch {
    // Not our JSON (a proxy's page): the status alone explains it.
  }
  return { status: res.getStatus(), data };
}

/**
 * The dialog's transport: fn(videoId, file, {onProgress, signal}) → Promise<{status, data}>.
 * Closing the dialog stops sending but keeps the upload on the server for 24 hours.
 */
async function tusUpload(videoId, file, { onProgress, signal } = {}) {
  let tus;
  try {
    tus = await loadTus();
  } catch {
    tus = null;
  }
  if (!tus || !tus.isSupported) return xhrUpload(videoId, file, { onProgress, signal });

  const parts = dialogParts();
  return new Promise((resolve) => {
    let settled = false;
    let paused = false;
    let upload = null;

    const onPauseClick = () => {
      if (!upload) return;
      paused = !paused;
      if (paused) {
        upload.abort(false);
        if (parts) {
          parts.pause.textContent = 'Resume';
          parts.speed.textContent = 'Paused';
        }
      } else {
        if (parts) parts.pause.textContent = 'Pause';
        upload.start();
      }
    };

    const finish = (result) => {
      if (settled) return;
      settled = true;
      active.delete(upload);
      if (parts) {
        parts.pause.hidden = true;
        parts.pause.removeEventListener('click', onPauseClick);
        parts.speed.textContent = '';
      }
      dialogHint('');
      resolve(result);
    };

    upload = new tus.Upload(file, {
      endpoint: ENDPOINT,
      chunkSize: CHUNK_SIZE,
      retryDelays: RETRY_DELAYS,
      metadata: { video_id: videoId, filename: file.name, filetype: file.type || 'application/octet-stream' },
      fingerprint: () => Promise.resolve(fingerprintOf(videoId, file)),
      removeFingerprintOnSuccess: true,
      onShouldRetry: (err) => {
        const status = err.originalResponse ? err.originalResponse.getStatus() : 0;
        const method = err.originalRequest ? err.originalRequest.getMethod() : '';
        // The stream server's connection limit: a chunk turned away now fits a moment later.
        if (status === 429) return method === 'PATCH' || method === 'HEAD';
        return (status === 0 || status >= 500 || status === 409 || status === 423) && navigator.onLine !== false;
      },
      onProgress: (sent, total) => {
        if (!paused) onProgress?.(sent, total);
      },
      onSuccess: () => finish({ status: 204, data: null }),
      onError: (err) => finish(resultOf(err)),
    });
    active.add(upload);

    signal?.addEventListener('abort', () => {
      upload.abort(false);
      finish({ status: 0, data: null, aborted: true });
    });

    if (parts) {
      parts.pause.hidden = false;
      parts.pause.textContent = 'Pause';
      parts.pause.addEventListener('click', onPauseClick);
    }

    upload
      .findPreviousUploads()
      .then((previous) => {
        // The newest stored attempt for this video and file, if the server still has it.
        previous.sort((a, b) => String(b.creationTime).localeCompare(String(a.creationTime)));
        if (previous.length > 0) upload.resumeFromPreviousUpload(previous[0]);
        if (!settled) upload.start();
      })
      .catch(() => {
        if (!settled) upload.start();
      });
  });
}

setUploader(tusUpload);

// ---- unfinished uploads from earlier visits ----------------------------------------------------

/** What the server still holds of a stored upload: {offset, length}, or null when it is gone or not ours. */
async function probe(url) {
  try {
    const res = await fetch(url, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' }, credentials: 'same-origin' });
    if (res.status === 200) {
      return { offset: Number(res.headers.get('upload-offset')), length: Number(res.headers.get('upload-length')) };
    }
    return res.status === 404 || res.status === 403 || res.status === 410 ? null : undefined;
  } catch {
    return undefined;
  }
}

const videoButton = (videoId) => document.querySelector(`#video-list li[data-id="${CSS.escape(videoId)}"] .video-item`);
const videoName = (videoId) => videoButton(videoId)?.querySelector('.video-item-name')?.textContent || '';

const percentOf = (held) => Math.floor((held.offset / held.length) * 100);

/**
 * Selects the video in the list and presses its "Upload file" button, which opens the dialog for
 * that video (the button's handler below adds where the upload stopped).
 */
function continueInDialog(entry) {
  const button = videoButton(entry.metadata.video_id);
  if (!button) return false;
  button.click();
  $('#resume-upload')?.click();
  return true;
}

/** The stored uploads of this page's kind, optionally of one video. */
async function storedUploads(videoId) {
  const tus = await loadTus();
  const storage = tus.defaultOptions.urlStorage;
  if (!storage || typeof storage.findAllUploads !== 'function') return { storage: null, entries: [] };
  const entries = (await storage.findAllUploads()).filter(
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
      resolve();
    };
    const observer = new MutationObserver(done);
    observer.observe(list, { childList: true });
    setTimeout(done, 2000);
  });
}

async function offerUnfinished() {
  let found;
  try {
    found = await storedUploads();
  } catch {
    return;
  }
  const { storage, entries } = found;
  if (!storage || entries.length === 0) return;
  await listReady();
  const rows = [];
  let banner = null;
  for (const entry of entries) {
    const held = await probe(entry.uploadUrl);
    if (held === undefined) continue; // signed out or offline: ask again next time
    if (held === null || held.offset >= held.length) {
      await storage.removeUpload(entry.urlStorageKey);
      continue;
    }
    const name = videoName(entry.metadata.video_id);
    const label = h('span', {
      text: `${name ? `“${name}” — ` : ''}${entry.metadata.filename}, ${percentOf(held)}% of ${formatBytes(held.length)}`,
    });
    const item = h(
      'li',
      { class: 'tus-unfinished-item', 'data-video-id': entry.metadata.video_id },
      label,
      h('button', {
        type: 'button',
        class: 'btn btn-primary',
        text: 'Continue',
        onclick: () => {
          if (!continueInDialog(entry)) label.textContent += ' — open the video and choose the same file.';
        },
      }),
      h('button', {
        type: 'button',
        class: 'btn btn-ghost',
        text: 'Discard',
        onclick: async () => {
          const init = { method: 'DELETE', headers: { 'tus-resumable': '1.0.0' }, credentials: 'same-origin' };
          await fetch(entry.uploadUrl, init).catch(() => undefined);
          await storage.removeUpload(entry.urlStorageKey);
          item.remove();
          if (banner && !banner.querySelector('li')) banner.remove();
        },
      }),
    );
    rows.push(item);
  }
  if (rows.length === 0) return;
  banner = h(
    'section',
    { class: 'banner banner-warn tus-unfinished', id: 'tus-unfinished', role: 'status' },
    h('p', { text: 'You have unfinished uploads. Continue one by choosing the same file again:' }),
    h('ul', {}, rows),
  );
  $('#app')?.prepend(banner);
}

// The dialog opened from a pending video's own "Upload file" button says where an earlier attempt stopped.
let selectedId = null;
document.addEventListener('video:selected', (event) => {
  selectedId = event.detail?.id ?? null;
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

void offerUnfinished();
