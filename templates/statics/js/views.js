// @ts-check
// View reports: the player tells the api where it is when playback starts and every 5 s while it
// plays; the api decides what counts as a view.
import { callOrOffline, seg } from './http.js';

const EVERY_MS = 5000;

/**
 * @param {string} videoId
 * @param {DPlayerInstance} player
 */
export function reportViews(videoId, player) {
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let timer;
  const send = () => {
    const position = Math.round((player.video.currentTime || 0) * 10) / 10;
    void callOrOffline('POST', `/api/videos/${seg(videoId)}/views`, { position });
  };
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
  };
  player.on('play', () => {
    send();
    stop();
    timer = setInterval(() => {
      if (player.video.paused) stop();
      else send();
    }, EVERY_MS);
  });
  player.on('pause', stop);
  player.on('ended', stop);
}
