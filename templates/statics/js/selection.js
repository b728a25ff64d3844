// @ts-check
// Selecting a video: its title, the player (or the "upload not finished" placeholder) and its
// comments; deleting the selected video.
import { deleteVideo } from './api.js';
import { fullTime, need } from './dom.js';
import { describeError } from './http.js';
import { hideComments, loadComments, resetComments } from './comments.js';
import { destroyPlayer, makePlayer, playerEl } from './player.js';
import { emit, guard, isPending, showError, state, userName } from './user-page.js';
import { showProcessing, studioMedia } from './studio-media.js';
import { markCurrent, privacyBadge, removeVideo, videos } from './video-list.js';

const meta = need('#video-meta', HTMLElement);
const title = need('#video-title', HTMLElement);
const time = need('#video-time', HTMLTimeElement);
const playerEmpty = need('#player-empty', HTMLElement);
const playerPending = need('#player-pending', HTMLElement);
const watchLink = need('#watch-link', HTMLAnchorElement);
const badges = need('#video-badges', HTMLElement);

/**
 * The selected video's title, watch page link and privacy badge, again after an edit.
 * @param {import('../../types/api').Video} video
 */
export function showMeta(video) {
  title.textContent = video.name;
  watchLink.href = `/v/${encodeURIComponent(video.id)}`;
  badges.replaceChildren(privacyBadge(video) ?? '');
}

/** @param {string} id a listed video */
export function select(id) {
  const video = videos.get(id);
  if (!video) return;
  destroyPlayer();
  state.video = video;
  markCurrent(id);
  showMeta(video);
  time.textContent = fullTime(video.create_time);
  time.dateTime = video.create_time;
  meta.hidden = false;
  playerEmpty.hidden = true;
  playerPending.hidden = !isPending(video);
  playerEl.hidden = isPending(video);
  showProcessing(video);
  void startPlayer(video);
  resetComments();
  void loadComments();
}

/**
 * The selected video's player (HLS once processed), then `video:selected` for danmaku and uploads.
 * @param {import('../../types/api').Video} video
 */
async function startPlayer(video) {
  if (!isPending(video)) {
    const media = await studioMedia(video);
    // Another video was selected meanwhile: its own start makes the player.
    if (!media || state.video !== video) return;
    state.player = makePlayer(video, media);
    if (state.player) emit('player:created', { player: state.player, video });
  }
  emit('video:selected', { id: video.id, name: video.name, owner: userName, video, player: state.player });
}

function clearSelection() {
  destroyPlayer();
  state.video = null;
  meta.hidden = true;
  hideComments();
  playerPending.hidden = true;
  playerEl.hidden = true;
  playerEmpty.hidden = false;
}

async function deleteSelected() {
  const video = state.video;
  if (!video) return;
  if (!window.confirm(`Delete “${video.name}”? This cannot be undone.`)) return;
  const res = await guard(() => deleteVideo(userName, video.id));
  if (!res) return;
  if (res.status !== 204 && res.status !== 404) return showError(describeError(res.status, res.data));
  const next = removeVideo(video.id);
  if (next === null) clearSelection();
  else select(next);
}

export function initSelection() {
  need('#delete-video', HTMLButtonElement).addEventListener('click', () => void deleteSelected());
}
