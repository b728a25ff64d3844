// @ts-check
// The studio's edit dialog: name, description, tags (comma-separated), privacy and comments policy of the selected
// video, saved with PATCH; the list and the title show the change at once.
import { updateVideo } from './api.js';
import { need } from './dom.js';
import { describeError } from './http.js';
import { showMeta } from './selection.js';
import { guard, state, userName } from './user-page.js';
import { renderVideo } from './video-list.js';

/** @typedef {import('../../types/api').Privacy} Privacy */
/** @typedef {import('../../types/api').Video['comments_policy']} CommentsPolicy */

const dialog = need('#edit-dialog', HTMLDialogElement);
const form = need('#edit-form', HTMLFormElement);
const name = need('#edit-name', HTMLInputElement);
const description = need('#edit-description', HTMLTextAreaElement);
const tags = need('#edit-tags', HTMLInputElement);
const privacy = need('#edit-privacy', HTMLSelectElement);
const commentsPolicy = need('#edit-comments-policy', HTMLSelectElement);
const error = need('#edit-error', HTMLElement);
const save = need('#edit-save', HTMLButtonElement);

/** "a, b ,, c" → ["a", "b", "c"] (the api drops case duplicates and checks the limits). */
export const splitTags = (/** @type {string} */ text) =>
  text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');

function open() {
  const video = state.video;
  if (!video) return;
  name.value = video.name;
  description.value = video.description ?? '';
  tags.value = (video.tags ?? []).join(', ');
  privacy.value = video.privacy ?? 'public';
  commentsPolicy.value = video.comments_policy ?? 'open';
  error.textContent = '';
  dialog.showModal();
  name.focus();
}

async function submit() {
  const video = state.video;
  if (!video) return;
  const edit = { name: name.value.trim(), description: description.value.trim(), tags: splitTags(tags.value), privacy: /** @type {Privacy} */ (privacy.value), comments_policy: /** @type {CommentsPolicy} */ (commentsPolicy.value) };
  if (!edit.name) return void (error.textContent = 'A video needs a title.');
  save.disabled = true;
  const res = await guard(() => updateVideo(userName, video.id, edit));
  save.disabled = false;
  if (!res) return;
  if (res.status !== 200) return void (error.textContent = describeError(res.status, res.data));
  const fresh = { ...video, ...res.data };
  renderVideo(fresh);
  if (state.video?.id === fresh.id) {
    state.video = fresh;
    showMeta(fresh);
  }
  dialog.close();
}

export function initEditDialog() {
  need('#edit-video', HTMLButtonElement).addEventListener('click', open);
  need('#edit-cancel', HTMLButtonElement).addEventListener('click', () => dialog.close());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit();
  });
}
