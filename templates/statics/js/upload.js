// The upload dialog: create the video record, then send the file with a progress bar. The transport
// is replaceable (setUploader) so a resumable uploader can take over without touching the dialog.
import { $ } from './dom.js';
import { call, describeError, seg } from './http.js';
import { rateMeter, speedText } from './upload-progress.js';

/**
 * Default transport: one multipart POST /upload/:id through XMLHttpRequest (fetch cannot report
 * upload progress). `onProgress(sent, total)` in bytes. Resolves to {status, data}; status 0 means
 * the network failed or it was aborted.
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

let uploader = xhrUpload;

/** Replaces the transport: fn(videoId, file, {onProgress, signal}) → Promise<{status, data}>. */
export function setUploader(fn) {
  uploader = typeof fn === 'function' ? fn : xhrUpload;
}

/**
 * Wires the dialog. `onCreated(video)` runs once the record exists (the list shows it as not yet
 * uploaded), `onUploaded(video)` once the file is stored. Returns {open(pendingVideo?)}: with a
 * video, the dialog uploads into that existing record instead of creating another.
 */
export function initUploadDialog({ userName, maxUploadMb, onCreated, onUploaded, onSignedOut }) {
  const dialog = $('#upload-dialog');
  const form = $('#upload-form');
  const nameInput = $('#upload-name');
  const fileInput = $('#upload-file');
  const bar = $('#upload-bar');
  const percent = $('#upload-percent');
  const speed = $('#upload-speed');
  const progress = $('#upload-progress');
  const errorEl = $('#upload-error');
  const statusEl = $('#upload-status');
  const submit = $('#upload-submit');
  const cancel = $('#upload-cancel');
  const close = $('#upload-close');
  const maxBytes = maxUploadMb * 1024 * 1024;
  let target = null; // an existing record to upload into
  let busy = null; // AbortController of the running upload

  let meter = rateMeter();

  const setProgress = (sent, total) => {
    const p = total > 0 ? Math.max(0, Math.min(100, Math.round((sent / total) * 100))) : 0;
    bar.value = p;
    percent.textContent = `${p}%`;
    speed.textContent = sent < total ? speedText(meter(sent), total - sent) : '';
  };

  /** Uploading or not: Cancel and Upload; done: a single Close, focused. */
  const setDone = (done) => {
    cancel.hidden = done;
    submit.hidden = done;
    close.hidden = !done;
    fileInput.disabled = done;
    if (done) {
      nameInput.disabled = true;
      close.focus();
    }
  };

  const reset = () => {
    form.reset();
    errorEl.textContent = '';
    statusEl.textContent = '';
    progress.hidden = true;
    setProgress(0, 0);
    submit.disabled = false;
    nameInput.disabled = false;
    setDone(false);
  };

  const open = (pending) => {
    reset();
    target = pending || null;
    if (target) {
      nameInput.value = target.name;
      nameInput.disabled = true;
    }
    dialog.showModal();
    (target ? fileInput : nameInput).focus();
  };

  cancel.addEventListener('click', () => {
    if (busy) busy.abort();
    dialog.close();
  });
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => busy?.abort());

  const uploadMessages = {
    on413: `This file is too large. The limit is ${maxUploadMb} MB.`,
    on415: 'This file is not a video we can play. Choose an MP4, WebM, MOV or Ogg file.',
    on404: 'This video was deleted meanwhile.',
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy || !close.hidden) return;
    errorEl.textContent = '';
    statusEl.textContent = '';
    const name = nameInput.value.trim();
    const file = fileInput.files && fileInput.files[0];
    if (!name) return void (errorEl.textContent = 'Give the video a title.');
    if (!file) return void (errorEl.textContent = 'Choose a video file.');
    if (file.size === 0) return void (errorEl.textContent = 'That file is empty.');
    if (file.size > maxBytes) return void (errorEl.textContent = uploadMessages.on413);

    submit.disabled = true;
    busy = new AbortController();
    try {
      let video = target;
      if (!video) {
        statusEl.textContent = 'Creating the video…';
        const created = await call('POST', `/api/user/${seg(userName)}/videos`, { name });
        if (created.status === 401) return onSignedOut();
        if (created.status !== 201) {
          errorEl.textContent = describeError(created.status, created.data);
          return;
        }
        video = created.data;
        target = video; // a retry goes into this record
        nameInput.disabled = true;
        onCreated?.(video);
      }
      statusEl.textContent = 'Uploading…';
      progress.hidden = false;
      meter = rateMeter();
      setProgress(0, file.size);
      const res = await uploader(video.id, file, { onProgress: setProgress, signal: busy.signal });
      if (res.status === 201 || res.status === 200 || res.status === 204) {
        setProgress(file.size, file.size);
        statusEl.textContent = 'Uploaded!';
        setDone(true);
        onUploaded?.(video);
        return;
      }
      if (res.status === 401) return onSignedOut();
      statusEl.textContent = '';
      progress.hidden = true;
      errorEl.textContent = res.aborted ? 'Upload cancelled.' : describeError(res.status, res.data, uploadMessages);
    } catch {
      errorEl.textContent = describeError(0);
    } finally {
      busy = null;
      submit.disabled = false;
    }
  });

  return { open };
}
