// @ts-check
// The studio's captions dialog for the selected video: its tracks (each with Delete), and a form
// that uploads a WebVTT or SubRip file for a language. The language is checked here with the
// api's BCP 47 shape so a typo is caught before the upload; the api's own answer is shown as is.
import { deleteCaption, listCaptions, putCaption } from './api.js';
import { h, need } from './dom.js';
import { describeError } from './http.js';
import { guard, state, userName } from './user-page.js';

/** The tag shape the caption routes accept: a language, then up to three script/region/variant parts. */
export const LANG_RE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;
const MAX_BYTES = 1024 * 1024;

const dialog = need('#captions-dialog', HTMLDialogElement);
const form = need('#captions-form', HTMLFormElement);
const tracks = need('#captions-tracks', HTMLUListElement);
const none = need('#captions-none', HTMLElement);
const lang = need('#caption-lang', HTMLInputElement);
const file = need('#caption-file', HTMLInputElement);
const error = need('#captions-error', HTMLElement);
const status = need('#captions-status', HTMLElement);
const upload = need('#caption-upload', HTMLButtonElement);
const names = new Intl.DisplayNames(['en'], { type: 'language' });

/** @param {string} tag */
function label(tag) {
  try {
    return `${names.of(tag) ?? tag} (${tag})`;
  } catch {
    return tag;
  }
}

/**
 * The file as the api wants it: its type named from the extension when the browser left it empty.
 * @param {File} picked
 */
export function captionBlob(picked) {
  const srt = /\.srt$/i.test(picked.name) || picked.type === 'application/x-subrip';
  return new Blob([picked], { type: srt ? 'application/x-subrip' : 'text/vtt' });
}

/** @param {string} videoId */
async function refresh(videoId) {
  const res = await guard(() => listCaptions(videoId));
  if (!res || state.video?.id !== videoId) return;
  if (res.status !== 200) return void (error.textContent = describeError(res.status, res.data));
  tracks.replaceChildren(
    ...res.data.captions.map((c) =>
      h(
        'li',
        { 'data-lang': c.lang },
        h('a', { href: c.url, hreflang: c.lang, text: label(c.lang) }),
        h('button', { type: 'button', class: 'btn btn-danger-ghost', 'aria-label': `Delete the ${label(c.lang)} captions`, text: 'Delete', onclick: () => void remove(videoId, c.lang) }),
      ),
    ),
  );
  none.hidden = res.data.captions.length > 0;
}

/**
 * @param {string} videoId
 * @param {string} tag
 */
async function remove(videoId, tag) {
  error.textContent = '';
  const res = await guard(() => deleteCaption(userName, videoId, tag));
  if (!res) return;
  if (res.status !== 204 && res.status !== 404) return void (error.textContent = describeError(res.status, res.data));
  status.textContent = `Deleted the ${label(tag)} captions.`;
  await refresh(videoId);
}

async function submit() {
  const video = state.video;
  const picked = file.files?.[0];
  error.textContent = '';
  status.textContent = '';
  if (!video) return;
  const tag = lang.value.trim();
  if (!LANG_RE.test(tag)) return void (error.textContent = 'Enter a language tag such as en, fr or zh-Hans.');
  if (!picked) return void (error.textContent = 'Choose a .vtt or .srt file.');
  if (picked.size > MAX_BYTES) return void (error.textContent = 'A caption file may be at most 1 MB.');
  upload.disabled = true;
  const res = await guard(() => putCaption(userName, video.id, tag, captionBlob(picked)));
  upload.disabled = false;
  if (!res) return;
  if (res.status !== 201 && res.status !== 200) {
    return void (error.textContent = describeError(res.status, res.data, { on415: 'That file is not WebVTT or SubRip.' }));
  }
  status.textContent = `${res.status === 200 ? 'Replaced' : 'Added'} the ${label(tag)} captions.`;
  form.reset();
  await refresh(video.id);
}

function open() {
  const video = state.video;
  if (!video) return;
  form.reset();
  error.textContent = '';
  status.textContent = '';
  tracks.replaceChildren();
  none.hidden = true;
  dialog.showModal();
  lang.focus();
  void refresh(video.id);
}

export function initCaptionsDialog() {
  need('#captions-video', HTMLButtonElement).addEventListener('click', open);
  need('#captions-close', HTMLButtonElement).addEventListener('click', () => dialog.close());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit();
  });
}
