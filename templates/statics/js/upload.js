// @ts-check
// The upload dialog: create the video record, then send the file (upload-transport.js) with a
// progress bar, speed and time left; once stored, a single Close button.
import { createVideo } from './api.js';
import { need } from './dom.js';
import { describeError } from './http.js';
import { upload } from './upload-transport.js';
import { rateMeter, speedText } from './upload-progress.js';

/** @typedef {import('../../types/api').Video} Video */
/**
 * @typedef {object} DialogOptions
 * @property {string} userName
 * @property {number} maxUploadMb
 * @property {(video: Video) => void} [onCreated] the record exists (the list shows it as not yet uploaded)
 * @property {(video: Video) => void} [onUploaded] the file is stored
 * @property {() => void} onSignedOut
 */

function dialogParts() {
  return {
    dialog: need('#upload-dialog', HTMLDialogElement),
    form: need('#upload-form', HTMLFormElement),
    nameInput: need('#upload-name', HTMLInputElement),
    fileInput: need('#upload-file', HTMLInputElement),
    bar: need('#upload-bar', HTMLProgressElement),
    percent: need('#upload-percent', HTMLElement),
    speed: need('#upload-speed', HTMLElement),
    progress: need('#upload-progress', HTMLElement),
    errorEl: need('#upload-error', HTMLElement),
    statusEl: need('#upload-status', HTMLElement),
    submit: need('#upload-submit', HTMLButtonElement),
    cancel: need('#upload-cancel', HTMLButtonElement),
    close: need('#upload-close', HTMLButtonElement),
  };
}
/** @typedef {ReturnType<typeof dialogParts>} Parts */
/** @typedef {{ target: Video | null, busy: AbortController | null }} Session an existing record to upload into; the running upload */

/**
 * The bar, the percentage and the speed readout of one upload.
 * @param {Parts} parts
 */
function progressView(parts) {
  let meter = rateMeter();
  /**
   * @param {number} sent
   * @param {number} total
   */
  const set = (sent, total) => {
    const p = total > 0 ? Math.max(0, Math.min(100, Math.round((sent / total) * 100))) : 0;
    parts.bar.value = p;
    parts.percent.textContent = `${p}%`;
    parts.speed.textContent = sent < total ? speedText(meter(sent), total - sent) : '';
  };
  /** @param {number} total */
  const start = (total) => {
    meter = rateMeter();
    parts.progress.hidden = false;
    set(0, total);
  };
  return { set, start };
}

/**
 * Uploading or not: Cancel and Upload; done: a single Close, focused.
 * @param {Parts} parts
 * @param {boolean} done
 */
function setDone(parts, done) {
  parts.cancel.hidden = done;
  parts.submit.hidden = done;
  parts.close.hidden = !done;
  parts.fileInput.disabled = done;
  if (done) {
    parts.nameInput.disabled = true;
    parts.close.focus();
  }
}

/**
 * Why this file cannot be sent, or ''.
 * @param {string} name
 * @param {File | undefined} file
 * @param {number} maxUploadMb
 */
function refusal(name, file, maxUploadMb) {
  if (!name) return 'Give the video a title.';
  if (!file) return 'Choose a video file.';
  if (file.size === 0) return 'That file is empty.';
  if (file.size > maxUploadMb * 1024 * 1024) return `This file is too large. The limit is ${maxUploadMb} MB.`;
  return '';
}

/**
 * Wires the dialog. Returns {open(pendingVideo?)}: with a video, the dialog uploads into that
 * existing record instead of creating another.
 * @param {DialogOptions} options
 */
export function initUploadDialog(options) {
  const parts = dialogParts();
  const view = progressView(parts);
  /** @type {Session} */
  const session = { target: null, busy: null };

  /** @param {Video | null} [pending] */
  const open = (pending) => {
    parts.form.reset();
    parts.errorEl.textContent = '';
    parts.statusEl.textContent = '';
    parts.progress.hidden = true;
    view.set(0, 0);
    parts.submit.disabled = false;
    parts.nameInput.disabled = false;
    setDone(parts, false);
    session.target = pending || null;
    if (session.target) {
      parts.nameInput.value = session.target.name;
      parts.nameInput.disabled = true;
    }
    parts.dialog.showModal();
    (session.target ? parts.fileInput : parts.nameInput).focus();
  };

  parts.cancel.addEventListener('click', () => {
    session.busy?.abort();
    parts.dialog.close();
  });
  parts.close.addEventListener('click', () => parts.dialog.close());
  parts.dialog.addEventListener('close', () => session.busy?.abort());
  parts.form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (session.busy || !parts.close.hidden) return;
    void submit(parts, view, session, options);
  });
  return { open };
}

/**
 * @param {Parts} parts
 * @param {ReturnType<typeof progressView>} view
 * @param {Session} session
 * @param {DialogOptions} options
 */
async function submit(parts, view, session, options) {
  parts.errorEl.textContent = '';
  parts.statusEl.textContent = '';
  const name = parts.nameInput.value.trim();
  const file = parts.fileInput.files?.[0];
  const refused = refusal(name, file, options.maxUploadMb);
  if (refused || !file) return void (parts.errorEl.textContent = refused);
  parts.submit.disabled = true;
  session.busy = new AbortController();
  try {
    const video = session.target ?? (await createRecord(parts, name, options));
    if (!video) return;
    session.target = video; // a retry goes into this record
    await send(parts, view, video, file, session.busy.signal, options);
  } catch {
    parts.errorEl.textContent = describeError(0);
  } finally {
    session.busy = null;
    parts.submit.disabled = false;
  }
}

/**
 * Creates the video record; null when that failed (the dialog says why).
 * @param {Parts} parts
 * @param {string} name
 * @param {DialogOptions} options
 * @returns {Promise<Video | null>}
 */
async function createRecord(parts, name, options) {
  parts.statusEl.textContent = 'Creating the video…';
  const created = await createVideo(options.userName, name);
  if (created.status === 401) {
    options.onSignedOut();
    return null;
  }
  if (created.status !== 201) {
    parts.statusEl.textContent = '';
    parts.errorEl.textContent = describeError(created.status, created.data);
    return null;
  }
  parts.nameInput.disabled = true;
  options.onCreated?.(created.data);
  return created.data;
}

/**
 * @param {Parts} parts
 * @param {ReturnType<typeof progressView>} view
 * @param {Video} video
 * @param {File} file
 * @param {AbortSignal} signal
 * @param {DialogOptions} options
 */
async function send(parts, view, video, file, signal, options) {
  parts.statusEl.textContent = 'Uploading…';
  view.start(file.size);
  const res = await upload(video.id, file, { onProgress: view.set, signal });
  if (res.status === 201 || res.status === 200 || res.status === 204) {
    view.set(file.size, file.size);
    parts.statusEl.textContent = 'Uploaded!';
    setDone(parts, true);
    options.onUploaded?.(video);
    return;
  }
  if (res.status === 401) return options.onSignedOut();
  parts.statusEl.textContent = '';
  parts.progress.hidden = true;
  const messages = {
    on413: `This file is too large. The limit is ${options.maxUploadMb} MB.`,
    on415: 'This file is not a video we can play. Choose an MP4, WebM, MOV or Ogg file.',
    on404: 'This video was deleted meanwhile.',
  };
  parts.errorEl.textContent = res.aborted ? 'Upload cancelled.' : describeError(res.status, res.data, messages);
}
