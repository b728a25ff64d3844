// @ts-check
// The watch page's one entry module: the player with danmaku, view reports, likes, favorite, save and
// follow, the comments,
// and for visitors the sign-in dialog that brings them back here.
import { initAuthForms } from './auth-forms.js';
import { initComments, loadComments, resetComments } from './comments.js';
import { installDanmaku } from './danmaku.js';
import { $, need } from './dom.js';
import { playerEl } from './player.js';
import { initRating } from './rating.js';
import { emit, state } from './user-page.js';
import { startWatchPlayer } from './watch-player.js';
import { initWatchSocial } from './watch-social.js';
// The report dialog and the recent danmaku box set themselves up when the page has them.
import './report.js';
import './report-danmaku.js';

/** @typedef {import('../../types/api').Video} Video */

const app = need('#app', HTMLElement);
// The page knows the video from the server; the player and comments need only these fields.
const video = /** @type {Video} */ ({
  id: app.dataset.videoId ?? '',
  name: app.dataset.videoName ?? '',
  author: app.dataset.author ?? '',
  upload_state: app.dataset.pending ? 'pending' : 'ready',
});

function initSignInDialog() {
  const dialog = /** @type {HTMLDialogElement | null} */ ($('#signin-dialog'));
  if (!dialog) return;
  for (const link of document.querySelectorAll('a[data-signin], #signin-link')) {
    link.addEventListener('click', (event) => {
      event.preventDefault();
      dialog.showModal();
      /** @type {HTMLInputElement | null} */ (dialog.querySelector('input:not([type=hidden])'))?.focus();
    });
  }
  $('#signin-close')?.addEventListener('click', () => dialog.close());
  initAuthForms();
}

/** The player (or the processing state), then the `video:selected` the danmaku listens for. */
function startPlayer() {
  state.video = video;
  if (app.dataset.pending) {
    playerEl.hidden = true;
    emit('video:selected', { id: video.id, name: video.name, owner: video.author, video, player: null });
    return;
  }
  void startWatchPlayer(video);
}

installDanmaku();
initComments();
initSignInDialog();
initRating(video.id);
initWatchSocial(video.id, app.dataset.nextHref ?? '');
startPlayer();
resetComments();
void loadComments();
