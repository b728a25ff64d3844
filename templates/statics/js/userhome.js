// The user page: the signed-in user's videos, the player, comments and the upload dialog.
//
// Extension points for other modules on this page (import them from this file):
//   addPlayerOptions(fn)  fn(video) → extra DPlayer options merged in when a player is made
//   currentVideo(), currentPlayer()
// and these events on `document`:
//   video:selected   detail {id, name, owner, video, player}   (player is null for a pending upload)
//   player:created   detail {player, video}
//   player:destroyed detail {video}
import { $, h, timeEl, fullTime } from './dom.js';
import { call, describeError, seg } from './http.js';
import { initUploadDialog } from './upload.js';

const app = $('#app');
const me = app.dataset.user;
const maxUploadMb = Number(app.dataset.maxUploadMb) || 1024;
const VIDEO_PAGE = 12;
const COMMENT_PAGE = 20;

const state = {
  videos: new Map(),
  videoCursor: null,
  video: null,
  player: null,
  commentCursor: null,
  commentCount: 0,
};

const playerOptionHooks = [];

export function addPlayerOptions(fn) {
  playerOptionHooks.push(fn);
}
export const currentVideo = () => state.video;
export const currentPlayer = () => state.player;
export const userName = me;

const emit = (name, detail) => document.dispatchEvent(new CustomEvent(name, { detail }));

// ---- errors and session ---------------------------------------------------------------------

const pageError = $('#page-error');
function showError(message) {
  pageError.textContent = message;
  pageError.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => (pageError.hidden = true), 8000);
}

function signedOut() {
  window.location.assign('/');
}

/** Runs an api call; handles a dead session and network failures; returns {status, data} or null. */
async function request(method, url, body) {
  try {
    const res = await call(method, url, body);
    if (res.status === 401) {
      signedOut();
      return null;
    }
    return res;
  } catch {
    showError(describeError(0));
    return null;
  }
}

// ---- video list -----------------------------------------------------------------------------

const list = $('#video-list');
const videosMore = $('#videos-more');
const videosEmpty = $('#videos-empty');

const isPending = (video) => video.upload_state === 'pending';

function videoItem(video) {
  const pending = isPending(video);
  return h(
    'li',
    { 'data-id': video.id },
    h(
      'button',
      {
        type: 'button',
        class: 'video-item',
        'aria-current': state.video?.id === video.id ? 'true' : null,
        onclick: () => select(video.id),
      },
      h('span', { class: `thumb${pending ? ' thumb-pending' : ''}`, 'aria-hidden': 'true' }, pending ? '…' : '▶'),
      h(
        'span',
        { class: 'video-item-text' },
        h('span', { class: 'video-item-name', text: video.name }),
        h(
          'span',
          { class: 'video-item-time' },
          pending ? h('span', { class: 'badge', text: 'upload not finished' }) : null,
          timeEl(video.create_time),
        ),
      ),
    ),
  );
}

function renderVideo(video, where = 'append') {
  state.videos.set(video.id, video);
  const item = videoItem(video);
  const old = list.querySelector(`li[data-id="${CSS.escape(video.id)}"]`);
  if (old) old.replaceWith(item);
  else if (where === 'prepend') list.prepend(item);
  else list.append(item);
  videosEmpty.hidden = true;
}

async function loadVideos() {
  const params = new URLSearchParams({ limit: String(VIDEO_PAGE) });
  if (state.videoCursor) params.set('cursor', state.videoCursor);
  videosMore.disabled = true;
  const res = await request('GET', `/api/user/${seg(me)}/videos?${params}`);
  videosMore.disabled = false;
  if (!res) return;
  if (res.status !== 200) return showError(describeError(res.status, res.data));
  for (const video of res.data.videos) renderVideo(video);
  state.videoCursor = res.data.next_cursor ?? null;
  videosMore.hidden = !state.videoCursor;
  videosEmpty.hidden = state.videos.size > 0;
}

videosMore.addEventListener('click', loadVideos);

// ---- player ---------------------------------------------------------------------------------

const playerEl = $('#player');
const playerEmpty = $('#player-empty');
const playerPending = $('#player-pending');

function destroyPlayer() {
  if (!state.player) return;
  const video = state.video;
  try {
    state.player.destroy();
  } catch {
    /* already gone */
  }
  state.player = null;
  playerEl.replaceChildren();
  emit('player:destroyed', { video });
}

function makePlayer(video) {
  const DPlayer = window.DPlayer;
  if (typeof DPlayer !== 'function') {
    showError('The player could not be loaded. Reload the page to try again.');
    return null;
  }
  const options = {
    container: playerEl,
    theme: '#7c5cff',
    preload: 'metadata',
    hotkey: true,
    screenshot: false,
    video: { url: `/videos/${seg(video.id)}`, type: 'normal' },
  };
  for (const hook of playerOptionHooks) {
    try {
      Object.assign(options, hook(video) || {});
    } catch (err) {
      console.error('player option hook failed', err);
    }
  }
  const player = new DPlayer(options);
  player.on('error', () => {
    if (state.player === player) showError('This video could not be played.');
  });
  return player;
}

// ---- selection ------------------------------------------------------------------------------

const meta = $('#video-meta');
const title = $('#video-title');
const time = $('#video-time');

function select(id) {
  const video = state.videos.get(id);
  if (!video) return;
  destroyPlayer();
  state.video = video;
  for (const button of list.querySelectorAll('.video-item')) {
    const current = button.parentElement.dataset.id === id;
    if (current) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');
  }
  title.textContent = video.name;
  time.textContent = fullTime(video.create_time);
  time.dateTime = video.create_time;
  meta.hidden = false;
  playerEmpty.hidden = true;
  playerPending.hidden = !isPending(video);
  playerEl.hidden = isPending(video);
  if (!isPending(video)) {
    state.player = makePlayer(video);
    if (state.player) emit('player:created', { player: state.player, video });
  }
  emit('video:selected', { id: video.id, name: video.name, owner: me, video, player: state.player });
  resetComments();
  loadComments();
}

function clearSelection() {
  destroyPlayer();
  state.video = null;
  meta.hidden = true;
  commentsSection.hidden = true;
  playerPending.hidden = true;
  playerEl.hidden = true;
  playerEmpty.hidden = false;
}

$('#delete-video').addEventListener('click', async () => {
  const video = state.video;
  if (!video) return;
  if (!window.confirm(`Delete “${video.name}”? This cannot be undone.`)) return;
  const res = await request('DELETE', `/api/user/${seg(me)}/videos/${seg(video.id)}`);
  if (!res) return;
  if (res.status !== 204 && res.status !== 404) return showError(describeError(res.status, res.data));
  state.videos.delete(video.id);
  list.querySelector(`li[data-id="${CSS.escape(video.id)}"]`)?.remove();
  const next = state.videos.keys().next();
  if (next.done) {
    clearSelection();
    videosEmpty.hidden = false;
  } else select(next.value);
});

// ---- comments -------------------------------------------------------------------------------

const commentsSection = $('#comments');
const commentList = $('#comment-list');
const commentsMore = $('#comments-more');
const commentsEmpty = $('#comments-empty');
const commentCount = $('#comment-count');
const commentForm = $('#comment-form');
const commentInput = $('#comment-input');

function resetComments() {
  commentList.replaceChildren();
  state.commentCursor = null;
  state.commentCount = 0;
  commentCount.textContent = '';
  commentsSection.hidden = false;
  commentsEmpty.hidden = true;
  commentsMore.hidden = true;
}

function updateCommentCount() {
  const n = commentList.children.length;
  commentCount.textContent = n ? `(${n}${state.commentCursor ? '+' : ''})` : '';
  commentsEmpty.hidden = n > 0;
}

function commentItem(comment, video) {
  // The comment's author or the video's owner may delete it; this page lists only the user's own videos.
  const videoOwner = me;
  const mayDelete = comment.author === me || videoOwner === me;
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
          onclick: () => deleteComment(video, comment),
        })
      : null,
  );
}

async function loadComments() {
  const video = state.video;
  if (!video) return;
  const params = new URLSearchParams({ limit: String(COMMENT_PAGE) });
  if (state.commentCursor) params.set('cursor', state.commentCursor);
  commentsMore.disabled = true;
  const res = await request('GET', `/api/videos/${seg(video.id)}/comments?${params}`);
  commentsMore.disabled = false;
  if (!res || state.video !== video) return;
  if (res.status !== 200) return showError(describeError(res.status, res.data));
  for (const comment of res.data.comments) commentList.append(commentItem(comment, video));
  state.commentCursor = res.data.next_cursor ?? null;
  commentsMore.hidden = !state.commentCursor;
  updateCommentCount();
}

commentsMore.addEventListener('click', loadComments);

async function deleteComment(video, comment) {
  const res = await request('DELETE', `/api/videos/${seg(video.id)}/comment/${seg(comment.id)}`);
  if (!res) return;
  if (res.status !== 204 && res.status !== 404) return showError(describeError(res.status, res.data));
  commentList.querySelector(`li[data-id="${CSS.escape(comment.id)}"]`)?.remove();
  updateCommentCount();
}

commentForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const video = state.video;
  const errorEl = commentForm.querySelector('[data-error]');
  const content = commentInput.value.trim();
  errorEl.textContent = '';
  if (!video) return;
  if (!content) return void (errorEl.textContent = 'Write something first.');
  const button = commentForm.querySelector('button[type=submit]');
  button.disabled = true;
  const res = await request('POST', `/api/videos/${seg(video.id)}/comments`, { content });
  button.disabled = false;
  if (!res) return;
  if (res.status !== 201) return void (errorEl.textContent = describeError(res.status, res.data));
  commentInput.value = '';
  if (state.video === video) {
    commentList.prepend(commentItem(res.data, video));
    updateCommentCount();
  }
});

commentInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) commentForm.requestSubmit();
});

// ---- upload and sign-out --------------------------------------------------------------------

async function refreshVideo(id) {
  const res = await request('GET', `/api/user/${seg(me)}/videos/${seg(id)}`);
  if (res && res.status === 200) renderVideo(res.data);
}

const uploads = initUploadDialog({
  userName: me,
  maxUploadMb,
  onSignedOut: signedOut,
  onCreated: (video) => renderVideo({ upload_state: 'pending', ...video }, 'prepend'),
  onUploaded: async (video) => {
    await refreshVideo(video.id);
    const fresh = state.videos.get(video.id);
    if (fresh && isPending(fresh)) renderVideo({ ...fresh, upload_state: 'ready' });
    select(video.id);
  },
});

$('#open-upload').addEventListener('click', () => uploads.open());
$('#resume-upload').addEventListener('click', () => state.video && uploads.open(state.video));

$('#signout-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    await fetch('/signout', { method: 'POST', credentials: 'same-origin' });
  } finally {
    window.location.assign('/');
  }
});

// Start once every module script on the page has run, so extensions have registered their hooks.
function start() {
  playerEl.hidden = true;
  loadVideos().then(() => {
    const first = state.videos.keys().next();
    if (!first.done) select(first.value);
  });
}
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
