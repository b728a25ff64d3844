// @ts-check
// The upload dialog's resumable transport: tus 1.0 through tus-js-client (served by this site at
// /statics/vendor/tus.min.js). A file goes to /files/ in 8 MiB PATCH requests, each retried on its
// own, so a dropped connection, a closed tab or a reload costs at most the chunk in flight.
import { $, h } from './dom.js';
import { xhrUpload } from './upload-transport.js';

/**
 * @typedef {typeof import('tus-js-client')} Tus
 * @typedef {import('tus-js-client').Upload} TusUpload
 * @typedef {import('tus-js-client').DetailedError} DetailedError
 * @typedef {import('./upload-transport.js').Uploader} Uploader
 * @typedef {import('./upload-transport.js').UploadResult} UploadResult
 */

const ENDPOINT = '/files/';
const CHUNK_SIZE = 8 * 1024 * 1024;
// Delays before each retry of a failed request; a server that stays away longer ends the upload,
// which can then be continued by hand.
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000];
const FINGERPRINT = 'tus-video';
/** The localStorage keys of this page's uploads start so. */
export const STORAGE_PREFIX = `tus::${FINGERPRINT}/`;

/** @type {Promise<Tus> | null} */
let loading = null;

/**
 * tus-js-client's browser build, loaded once on first use.
 * @returns {Promise<Tus>}
 */
export function loadTus() {
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

/**
 * One video and one file (name, type, size, modification time) make one resumable upload.
 * @param {string} videoId
 * @param {File} file
 */
const fingerprintOf = (videoId, file) => [FINGERPRINT, videoId, file.name, file.type, file.size, file.lastModified].join('/');

/** @type {Set<TusUpload>} */
const active = new Set();

// Leaving the page mid-upload loses the chunk in flight and needs the file chosen again: ask first.
window.addEventListener('beforeunload', (event) => {
  if (active.size === 0) return;
  event.preventDefault();
  event.returnValue = '';
});

/**
 * The dialog's hint under the file input ('' hides it).
 * @param {string} text
 */
export function dialogHint(text) {
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

/**
 * The dialog's Pause/Resume button for one upload; `detach()` hides it again.
 * @param {() => TusUpload} current
 */
function pauseControl(current) {
  const speed = $('#upload-speed');
  const actions = $('#upload-form .dialog-actions');
  let pause = $('#upload-pause');
  if (!pause && actions) {
    pause = h('button', { type: 'button', id: 'upload-pause', class: 'btn btn-ghost', hidden: true, text: 'Pause' });
    actions.prepend(pause);
  }
  const control = { paused: false, detach: () => {} };
  if (!pause) return control;
  const button = pause;
  const onClick = () => {
    control.paused = !control.paused;
    button.textContent = control.paused ? 'Resume' : 'Pause';
    if (control.paused) {
      void current().abort(false);
      if (speed) speed.textContent = 'Paused';
    } else current().start();
  };
  button.hidden = false;
  button.textContent = 'Pause';
  button.addEventListener('click', onClick);
  control.detach = () => {
    button.hidden = true;
    button.removeEventListener('click', onClick);
    if (speed) speed.textContent = '';
  };
  return control;
}

/**
 * What a failed upload's last answer said.
 * @param {Error | DetailedError} err
 * @returns {UploadResult}
 */
function resultOf(err) {
  const res = 'originalResponse' in err ? err.originalResponse : null;
  if (!res) return { status: 0, data: null };
  let data = null;
  try {
    data = JSON.parse(res.getBody());
  } catch {
    // Not our JSON (a proxy's page): the status alone explains it.
  }
  return { status: res.getStatus(), data };
}

/** @param {DetailedError} err */
function shouldRetry(err) {
  const status = err.originalResponse ? err.originalResponse.getStatus() : 0;
  const method = err.originalRequest ? err.originalRequest.getMethod() : '';
  // The stream server's connection limit: a chunk turned away now fits a moment later.
  if (status === 429) return method === 'PATCH' || method === 'HEAD';
  return (status === 0 || status >= 500 || status === 409 || status === 423) && navigator.onLine !== false;
}

/**
 * Starts the upload, continuing the newest stored attempt for this video and file when the server
 * still has it.
 * @param {TusUpload} upload
 * @param {() => boolean} settled
 */
function startOrResume(upload, settled) {
  upload
    .findPreviousUploads()
    .then((previous) => {
      previous.sort((a, b) => String(b.creationTime).localeCompare(String(a.creationTime)));
      if (previous.length > 0) upload.resumeFromPreviousUpload(previous[0]);
      if (!settled()) upload.start();
    })
    .catch(() => {
      if (!settled()) upload.start();
    });
}

/**
 * The dialog's transport. Closing the dialog stops sending but keeps the upload on the server
 * for 24 hours. Without tus support: the multipart transport.
 * @type {Uploader}
 */
export async function tusUpload(videoId, file, { onProgress, signal } = {}) {
  const tus = await loadTus().catch(() => null);
  if (!tus || !tus.isSupported) return xhrUpload(videoId, file, { onProgress, signal });
  return new Promise((resolve) => {
    let settled = false;
    /** @type {TusUpload} */
    let upload;
    const control = pauseControl(() => upload);
    /** @param {UploadResult} result */
    const finish = (result) => {
      if (settled) return;
      settled = true;
      active.delete(upload);
      control.detach();
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
      onShouldRetry: shouldRetry,
      onProgress: (sent, total) => {
        if (!control.paused) onProgress?.(sent, total);
      },
      onSuccess: () => finish({ status: 204, data: null }),
      onError: (err) => finish(resultOf(err)),
    });
    active.add(upload);
    signal?.addEventListener('abort', () => {
      void upload.abort(false);
      finish({ status: 0, data: null, aborted: true });
    });
    startOrResume(upload, () => settled);
  });
}
