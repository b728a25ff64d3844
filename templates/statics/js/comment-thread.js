// @ts-check
// One comment as the watch page and the studio show it: author, time, "edited", a pinned badge, the
// text with @mentions as links, and its actions (reply, edit own, pin for the video's owner, delete),
// with its replies behind a "View replies" toggle. A comment waiting for approval says so, and its
// video's owner gets an Approve button; others' comments get a Report button where the page has the dialog.
import { deleteComment } from './api.js';
import { h, timeEl } from './dom.js';
import { describeError } from './http.js';
import { withMentions } from './mentions.js';
import { approveComment, editComment, setPinned } from './social-api.js';
import { guard, showError, userName } from './user-page.js';
import { repliesBlock, replyForm } from './comment-replies.js';

/**
 * @typedef {import('../../types/api').Video} Video
 * @typedef {import('../../types/social').ThreadComment} ThreadComment
 * @typedef {{ reload: () => void, removed: () => void }} ThreadHooks
 */

/** @param {ThreadComment} c */
function head(c) {
  return h(
    'p',
    { class: 'comment-head' },
    c.pinned ? h('span', { class: 'badge badge-pinned', text: 'Pinned' }) : null,
    c.state === 'pending' ? h('span', { class: 'badge badge-pending', text: 'Waiting for approval' }) : null,
    h('strong', { class: 'comment-author' }, h('a', { href: `/u/${encodeURIComponent(c.author)}`, text: c.author })),
    ' ',
    timeEl(c.time),
    c.edited_time ? h('span', { class: 'comment-edited muted', title: c.edited_time, text: ' (edited)' }) : null,
  );
}

/**
 * Swaps the text for a textarea until saved or cancelled.
 * @param {Video} video
 * @param {ThreadComment} c
 * @param {HTMLElement} body
 */
function startEdit(video, c, body) {
  const text = /** @type {HTMLElement} */ (body.querySelector('.comment-text'));
  if (body.querySelector('.comment-edit')) return;
  const input = h('textarea', { class: 'comment-edit', rows: 2, maxlength: 2000, 'aria-label': 'Edit your comment' });
  input.value = c.content;
  const save = h('button', { type: 'button', class: 'btn btn-primary btn-small', text: 'Save' });
  const cancel = h('button', { type: 'button', class: 'btn btn-ghost btn-small', text: 'Cancel' });
  const box = h('div', { class: 'comment-edit-box' }, input, h('div', { class: 'comment-actions' }, cancel, save));
  text.hidden = true;
  text.after(box);
  input.focus();
  const done = () => {
    box.remove();
    text.hidden = false;
  };
  cancel.addEventListener('click', done);
  save.addEventListener('click', async () => {
    const content = input.value.trim();
    if (!content) return input.focus();
    save.disabled = true;
    const res = await guard(() => editComment(video.id, c.id, content));
    save.disabled = false;
    if (!res) return;
    if (res.status !== 200) return showError(describeError(res.status, res.data));
    Object.assign(c, res.data);
    text.replaceChildren(...withMentions(c.content));
    body.querySelector('.comment-head')?.replaceWith(head(c));
    done();
  });
}

/**
 * @param {Video} video
 * @param {ThreadComment} c
 * @param {HTMLElement} body
 * @param {ThreadHooks} hooks
 */
function actions(video, c, body, hooks) {
  const videoOwner = (video.author ?? userName) === userName && userName !== '';
  const mine = userName !== '' && c.author === userName;
  const topLevel = !c.parent_id;
  const pending = c.state === 'pending';
  const reportable = userName !== '' && !mine && document.getElementById('report-dialog') !== null;
  /** @param {string} text @param {() => void} onclick @param {string} [cls] */
  // Each button names what it acts on, so a screen reader's list of buttons is not "Delete, Delete, …".
  const btn = (text, onclick, cls = '') =>
    h('button', { type: 'button', class: `btn btn-link ${cls}`, text, title: `${text} comment`, 'aria-label': `${text} comment`, onclick });
  const pin = async () => {
    const res = await guard(() => setPinned(video.id, c.id, !c.pinned));
    if (res && res.status !== 204) return showError(describeError(res.status, res.data));
    if (res) hooks.reload();
  };
  const approve = async () => {
    const res = await guard(() => approveComment(video.id, c.id));
    if (res && res.status !== 204) return showError(describeError(res.status, res.data));
    if (res) hooks.reload();
  };
  const remove = async () => {
    const res = await guard(() => deleteComment(video.id, c.id));
    if (!res) return;
    if (res.status !== 204 && res.status !== 404) return showError(describeError(res.status, res.data));
    body.closest('li.comment')?.remove();
    hooks.removed();
  };
  return h(
    'p',
    { class: 'comment-tools' },
    pending && videoOwner ? btn('Approve', () => void approve(), 'comment-approve') : null,
    userName && topLevel && !pending ? btn('Reply', () => replyForm(video, c, body), 'comment-reply') : null,
    mine ? btn('Edit', () => startEdit(video, c, body), 'comment-edit-btn') : null,
    videoOwner && topLevel && !pending ? btn(c.pinned ? 'Unpin' : 'Pin', () => void pin(), 'comment-pin') : null,
    reportable
      ? h('button', { type: 'button', class: 'btn btn-link comment-report', text: 'Report', title: 'Report comment', 'aria-label': 'Report comment', 'data-report-target': 'comment', 'data-report-id': c.id })
      : null,
    mine || videoOwner ? btn('Delete', () => void remove(), 'comment-delete') : null,
  );
}

/**
 * @param {ThreadComment} comment
 * @param {Video} video
 * @param {ThreadHooks} hooks
 */
export function commentItem(comment, video, hooks) {
  const body = h('div', { class: 'comment-body' }, head(comment), h('p', { class: 'comment-text' }, ...withMentions(comment.content)));
  body.append(actions(video, comment, body, hooks));
  if (!comment.parent_id) body.append(repliesBlock(video, comment, (reply) => commentItem(reply, video, hooks)));
  return h(
    'li',
    { class: `comment${comment.pinned ? ' comment-pinned' : ''}${comment.state === 'pending' ? ' comment-pending' : ''}`, 'data-id': comment.id },
    h('span', { class: 'avatar', 'aria-hidden': 'true', text: Array.from(comment.author || '?')[0].toUpperCase() }),
    body,
  );
}
