// @ts-check
// The watch page's social part: favorite, "save to playlist" and follow for signed-in users, and
// when the page plays a playlist (?list=), the next video once this one ends.
import { initBell } from './bell.js';
import { initFavorite, initFollow } from './follow.js';
import { initSaveDialog } from './save-dialog.js';
import { showError, userName } from './user-page.js';

/**
 * Goes to the playlist's next video when the player reaches the end.
 * @param {string} nextHref
 */
function playNextAtEnd(nextHref) {
  if (!nextHref || !nextHref.startsWith('/v/')) return;
  document.addEventListener('player:created', (event) => {
    const { player } = /** @type {CustomEvent<{ player: DPlayerInstance }>} */ (event).detail;
    player.on('ended', () => window.location.assign(nextHref));
  });
}

/**
 * @param {string} videoId
 * @param {string} nextHref the playlist's next watch page, or ''
 */
export function initWatchSocial(videoId, nextHref) {
  initBell();
  playNextAtEnd(nextHref);
  if (!userName) return;
  initFavorite(userName, videoId, showError);
  initFollow(userName, showError);
  initSaveDialog(userName, videoId);
}
