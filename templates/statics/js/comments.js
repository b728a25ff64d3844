// @ts-check
// The comments under the selected video (studio) or the watched one: paged list, posting (Ctrl/⌘+Enter
// too) and deleting.
import { deleteComment, listComments, postComment } from './api.js';
import { h, need, timeEl } from './dom.js';
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

/**
 * @param {Comment} comment
 * @param {Video} video
 */
function commentItem(comment, video) {
  // The comment's author or the video's owner may delete it (the studio lists only the user's own videos).
  const videoOwner = video.author ?? userName;
  const mayDelete = userName !== '' && (comment.author === userName || videoOwner === userName);
  return h(
    'li',
    { class: 'comment', 'data-id': comment.id },
    h('span', { class: 'avatar', 'aria-hidden': 'true', text: Array.from(comment.author || '?')[0].toUpperCase() }),
    h(
      'div',
      { class: 'comment-body' },
      h('p', { class: 'comment-head' }, h('strong', { class: 'comment-author', text: comment.author }), ' ', timeEl(comment.time)),
      h('p', { class: 'comment-text', text: comment.content }),
    ),
    mayDelete
      ? h('button', {
          type: 'button',
          class: 'btn btn-icon',
          title: 'Delete comment',
          'aria-label': 'Delete comment',
          text: '✕',
          onclick: () => remove(video, comment),
        })
      : null,
  );
}

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
  for (const comment of res.data.comments) list.append(commentItem(comment, video));
  cursor = res.data.next_cursor ?? null;
  more.hidden = !cursor;
  updateCount();
}

/**
 * @param {Video} video
 * @param {Comment} comment
 */
async function remove(video, comment) {
  const res = await guard(() => deleteComment(video.id, comment.id));
  if (!res) return;
  if (res.status !== 204 && res.status !== 404) return showError(describeError(res.status, res.data));
  list.querySelector(`li[data-id="${CSS.escape(comment.id)}"]`)?.remove();
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
  if (res.status !== 201) return void (formError.textContent = describeError(res.status, res.data));
  input.value = '';
  if (state.video === video) {
    list.prepend(commentItem(res.data, video));
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
