// @ts-check
// The comments under the selected video (studio) or the watched one: paged list, posting (Ctrl/⌘+Enter
// too); each comment's thread, edits, pins and deletion are comment-thread.js's.
import { listComments, postComment } from './api.js';
import { commentItem } from './comment-thread.js';
import { need } from './dom.js';
import { describeError } from './http.js';
import { guard, showError, state, userName } from './user-page.js';

/**
 * @typedef {import('../../types/api').Video} Video
 * @typedef {import('../../types/api').Comment} Comment
 */

const COMMENT_PAGE = 20;
const section = need('#comments', HTMLElement);
const list = need('#comment-list', HTMLOListElement);
const more = need('#comments-more', HTMLButtonElement);
const empty = need('#comments-empty', HTMLElement);
const count = need('#comment-count', HTMLElement);
const form = need('#comment-form', HTMLFormElement);
const input = need('#comment-input', HTMLTextAreaElement);
const formError = need('#comment-form [data-error]', HTMLElement);
const submit = need('#comment-form button[type=submit]', HTMLButtonElement);
/** @type {string | null} */
let cursor = null;

/** Empties the list for a newly selected video. */
export function resetComments() {
  list.replaceChildren();
  cursor = null;
  count.textContent = '';
  section.hidden = false;
  empty.hidden = true;
  more.hidden = true;
}

export function hideComments() {
  section.hidden = true;
}

function updateCount() {
  const n = list.children.length;
  count.textContent = n ? `(${n}${cursor ? '+' : ''})` : '';
  empty.hidden = n > 0;
}

/** @param {Video} video */
const hooksFor = (video) => ({
  reload: () => {
    if (state.video !== video) return;
    resetComments();
    void loadComments();
  },
  removed: updateCount,
});

/** Loads the next page of the selected video's comments. */
export async function loadComments() {
  const video = state.video;
  if (!video) return;
  const query = new URLSearchParams({ limit: String(COMMENT_PAGE) });
  if (cursor) query.set('cursor', cursor);
  more.disabled = true;
  const res = await guard(() => listComments(video.id, query));
  more.disabled = false;
  if (!res || state.video !== video) return;
  if (res.status !== 200) return showError(describeError(res.status, res.data));
  for (const comment of res.data.comments) list.append(commentItem(comment, video, hooksFor(video)));
  cursor = res.data.next_cursor ?? null;
  more.hidden = !cursor;
  updateCount();
}

async function post() {
  const video = state.video;
  const content = input.value.trim();
  formError.textContent = '';
  if (!video) return;
  if (!content) return void (formError.textContent = 'Write something first.');
  submit.disabled = true;
  const res = await guard(() => postComment(video.id, content));
  submit.disabled = false;
  if (!res) return;
  // A 403 says why (comments closed, blocked by the owner, an unverified address).
  const refusal = /** @type {{ error?: unknown } | null} */ (res.data);
  if (res.status === 403 && typeof refusal?.error === 'string') return void (formError.textContent = refusal.error);
  if (res.status !== 201) return void (formError.textContent = describeError(res.status, res.data));
  input.value = '';
  if (res.data.state === 'pending') formError.textContent = 'Thanks: your comment shows to others once the owner approves it.';
  if (state.video === video) {
    list.prepend(commentItem(res.data, video, hooksFor(video)));
    updateCount();
  }
}

export function initComments() {
  more.addEventListener('click', () => void loadComments());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void post();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
}
