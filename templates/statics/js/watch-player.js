// @ts-check
// The watch page's player: HLS once processing is done, the original before that when this
// browser can play it, else the processing state ("Processing 42 %"), polled until done and then
// replaced by the player. A failed processing says so; its owner can ask for it again.
import { reprocessVideo } from './api.js';
import { $, need } from './dom.js';
import { describeError } from './http.js';
import { canPlayOriginal, loadHls, pollProcessing, sourceOf, statusText } from './media.js';
import { installCaptionSelect, installQualityMenu } from './player-controls.js';
import { makePlayer, playerEl } from './player.js';
import { emit, state, userName } from './user-page.js';
import { reportViews } from './views.js';

/** @typedef {import('../../types/api').Video} Video */
/** @typedef {import('./media.js').Media} Media */

const app = need('#app', HTMLElement);
const panel = need('#processing-panel', HTMLElement);
const status = need('#processing-status', HTMLElement);
const hint = need('#processing-hint', HTMLElement);

/** The page's media, as the server rendered it. */
export function pageMedia() {
  const d = app.dataset;
  const captions = [...document.querySelectorAll('#caption-select option[value]:not([value=""])')].map((o) => ({
    lang: o.getAttribute('lang') ?? '',
    url: /** @type {HTMLOptionElement} */ (o).value,
    label: o.textContent ?? '',
  }));
  return /** @type {Media} */ ({
    id: d.videoId ?? '',
    state: /** @type {Media['state']} */ (d.state || 'none'),
    contentType: d.contentType ?? '',
    poster: d.poster ?? '',
    master: d.master ?? '',
    storyboard: d.storyboard ?? '',
    logo: d.logo ?? '',
    hlsSrc: d.hlsSrc ?? '',
    captions,
  });
}

/**
 * @param {Video} video
 * @param {Media} media
 */
async function play(video, media) {
  if (media.state === 'done' && !(await loadHls(media.hlsSrc))) media = { ...media, state: 'none' };
  panel.hidden = true;
  playerEl.hidden = false;
  const player = makePlayer(video, media);
  state.player = player;
  if (!player) return null;
  installQualityMenu(player);
  installCaptionSelect(player);
  emit('player:created', { player, video });
  emit('video:selected', { id: video.id, name: video.name, owner: video.author, video, player });
  reportViews(video.id, player);
  return player;
}

/**
 * Shows the processing state in the player's place.
 * @param {Media['state']} current
 * @param {string} text
 */
function showState(current, text) {
  panel.hidden = false;
  playerEl.hidden = true;
  status.textContent = text;
  hint.textContent = current === 'failed' ? 'The video could not be prepared for playback.' : 'It will play here as soon as it is ready.';
  const again = $('#reprocess-btn');
  if (again) again.hidden = current !== 'failed';
}

/**
 * Polls until processing is done (then plays the HLS ladder) or failed.
 * @param {Video} video
 * @param {Media} media
 */
function waitForProcessing(video, media) {
  pollProcessing(video.id, (fresh) => {
    const processing = /** @type {import('../../types/api').Processing | null} */ (fresh.processing);
    if (!processing) return;
    if (processing.state === 'done') {
      const poster = typeof fresh.poster === 'string' ? fresh.poster : '';
      const gen = /[?&]g=([A-Za-z0-9_-]+)/.exec(poster)?.[1];
      const storyboard = media.storyboard.replace(/\?.*$/, '') + (gen ? `?g=${gen}` : '');
      void play(video, { ...media, state: 'done', poster, storyboard });
    } else showState(processing.state, statusText(processing));
  });
}

/** @param {Video} video */
function initReprocess(video) {
  const again = /** @type {HTMLButtonElement | null} */ ($('#reprocess-btn'));
  if (!again) return;
  again.addEventListener('click', async () => {
    again.disabled = true;
    const res = await reprocessVideo(userName, video.id).catch(() => ({ status: 0, data: null }));
    again.disabled = false;
    if (res.status !== 202) return void (hint.textContent = describeError(res.status, res.data, { on409: 'It is being processed already.' }));
    showState('queued', statusText({ state: 'queued', progress: 0, error: null }));
    waitForProcessing(video, pageMedia());
  });
}

/**
 * Starts what the page should show for the video: the player or the processing state.
 * @param {Video} video
 * @returns {Promise<DPlayerInstance | null>}
 */
export async function startWatchPlayer(video) {
  const media = pageMedia();
  initReprocess(video);
  const source = sourceOf(media.state, canPlayOriginal(media.contentType));
  if (source === 'wait') {
    if (media.state !== 'failed') waitForProcessing(video, media);
    emit('video:selected', { id: video.id, name: video.name, owner: video.author, video, player: null });
    return null;
  }
  return play(video, source === 'hls' ? media : { ...media, state: 'none' });
}
