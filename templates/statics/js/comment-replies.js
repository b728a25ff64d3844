// @ts-check
// A top-level comment's replies: a "View N replies" toggle (aria-expanded) that loads them oldest
// first, page by page, and the reply form.
import { h } from './dom.js';
import { describeError } from './http.js';
import { listReplies, postReply } from './social-api.js';
import { guard, showError } from './user-page.js';

/**
 * @typedef {import('../../types/api').Video} Video
 * @typedef {import('../../types/social').ThreadComment} ThreadComment
 */

const REPLY_PAGE = 20;

/** @param {number} n */
const label = (n) => `${n} ${n === 1 ? 'reply' : 'replies'}`;

/**
 * @param {Video} video
 * @param {ThreadComment} c
 * @param {(reply: ThreadComment) => HTMLElement} draw
 */
export function repliesBlock(video, c, draw) {
  const list = h('ol', { class: 'comment-list replies', id: `replies-${c.id}`, hidden: true });
  const toggle = h('button', { type: 'button', class: 'btn btn-link replies-toggle', 'aria-expanded': 'false', 'aria-controls': `replies-${c.id}`, text: `View ${label(c.replies_count ?? 0)}`, hidden: !c.replies_count });
  const more = h('button', { type: 'button', class: 'btn btn-link', text: 'More replies', hidden: true });
  /** @type {string | null} */
  let cursor = null;
  let loaded = false;
  const load = async () => {
    const query = new URLSearchParams({ limit: String(REPLY_PAGE) });
    if (cursor) query.set('cursor', cursor);
    const res = await guard(() => listReplies(video.id, c.id, query));
    if (!res) return;
    if (res.status !== 200) return showError(describeError(res.status, res.data));
    const shown = new Set([...list.children].map((li) => /** @type {HTMLElement} */ (li).dataset.id));
    for (const reply of res.data.comments) if (!shown.has(reply.id)) list.append(draw(reply));
    cursor = res.data.next_cursor ?? null;
    more.hidden = !cursor;
    loaded = true;
  };
  /** @param {boolean} open */
  const setOpen = (open) => {
    toggle.setAttribute('aria-expanded', String(open));
    list.hidden = !open;
    toggle.textContent = open ? 'Hide replies' : `View ${label(c.replies_count ?? 0)}`;
  };
  toggle.addEventListener('click', async () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    setOpen(open);
    if (open && !loaded) await load();
  });
  more.addEventListener('click', () => void load());
  /** Shows a reply just posted: the first opening loads it with the older ones. */
  const added = async (/** @type {ThreadComment} */ reply) => {
    c.replies_count = (c.replies_count ?? 0) + 1;
    toggle.hidden = false;
    setOpen(true);
    if (!loaded) return load();
    if (!list.querySelector(`li[data-id="${CSS.escape(reply.id)}"]`)) list.append(draw(reply));
  };
  return Object.assign(h('div', { class: 'replies-block' }, toggle, list, more), { added });
}

/**
 * Opens the reply form under a top-level comment (once).
 * @param {Video} video
 * @param {ThreadComment} c
 * @param {HTMLElement} body
 */
export function replyForm(video, c, body) {
  const existing = /** @type {HTMLTextAreaElement | null} */ (body.querySelector('.reply-form textarea'));
  if (existing) return existing.focus();
  const input = h('textarea', { rows: 2, maxlength: 2000, 'aria-label': `Reply to ${c.author}`, placeholder: 'Write a reply…', required: true });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'reply-form' }, input, h('div', { class: 'comment-actions' }, error, h('button', { class: 'btn btn-primary btn-small', type: 'submit', text: 'Reply' })));
  const block = /** @type {(HTMLElement & { added?: (r: ThreadComment) => Promise<void> }) | null} */ (body.querySelector('.replies-block'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const content = input.value.trim();
    if (!content) return void (error.textContent = 'Write something first.');
    const res = await guard(() => postReply(video.id, content, c.id));
    if (!res) return;
    if (res.status !== 201) return void (error.textContent = describeError(res.status, res.data));
    form.remove();
    await block?.added?.(res.data);
  });
  (block ?? body).before(form);
  input.focus();
}
