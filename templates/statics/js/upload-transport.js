// @ts-check
// How the upload dialog sends a file. The default is one multipart POST; a resumable uploader
// (tus-upload.js) replaces it with setUploader without touching the dialog.
import { seg } from './http.js';

/**
 * status 0: the network failed, or (aborted) the user stopped it.
 * @typedef {{ status: number, data: any, aborted?: boolean }} UploadResult
 * @typedef {{ onProgress?: (sent: number, total: number) => void, signal?: AbortSignal }} UploadOptions
 * @typedef {(videoId: string, file: File, options?: UploadOptions) => Promise<UploadResult>} Uploader
 */

/**
 * One multipart POST /upload/:id through XMLHttpRequest (fetch cannot report upload progress).
 * `onProgress(sent, total)` in bytes.
 * @type {Uploader}
 */
export function xhrUpload(videoId, file, { onProgress, signal } = {}) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/upload/${seg(videoId)}`);
    xhr.responseType = 'json';
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded, e.total);
    });
    xhr.addEventListener('load', () => resolve({ status: xhr.status, data: xhr.response }));
    xhr.addEventListener('error', () => resolve({ status: 0, data: null }));
    xhr.addEventListener('abort', () => resolve({ status: 0, data: null, aborted: true }));
    signal?.addEventListener('abort', () => xhr.abort());
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

/** @type {Uploader} */
let uploader = xhrUpload;

/**
 * Replaces the transport (anything but a function restores the default).
 * @param {Uploader | null} fn
 */
export function setUploader(fn) {
  uploader = typeof fn === 'function' ? fn : xhrUpload;
}

/** @type {Uploader} */
export const upload = (videoId, file, options) => uploader(videoId, file, options);
