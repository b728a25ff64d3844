// @ts-check
// The studio's side of media processing: the selected video's processing state under its title,
// "Process again" (the api queues it anew), a bounded poll of every video still being processed
// (its row and the title update as it goes), and the player's source (HLS once done).
import { reprocessVideo } from './api.js';
import { need } from './dom.js';
import { describeError } from './http.js';
import { loadHls, mediaOf, pollProcessing, statusText } from './media.js';
import { guard, isPending, showError, state, userName } from './user-page.js';
import { renderVideo, videos } from './video-list.js';

/** @typedef {import('../../types/api').Video} Video */
/** @typedef {import('../../types/api').Processing} Processing */

const app = need('#app', HTMLElement);
const line = need('#video-processing', HTMLElement);
const again = need('#reprocess-video', HTMLButtonElement);
/** Videos polled now, by id. */
const polling = new Map();

/** @param {Video} video */
const processingOf = (video) => /** @type {Processing | null} */ (video.processing ?? null);

/**
 * The processing line and "Process again" for the selected video.
 * @param {Video} video
 */
export function showProcessing(video) {
  const processing = processingOf(video);
  line.textContent = statusText(processing);
  line.hidden = line.textContent === '';
  again.hidden = isPending(video) || !processing || processing.state === 'queued' || processing.state === 'running';
}

/**
 * Polls a video while it is queued or running (once per video), showing each state read.
 * @param {Video} video
 */
export function watchProcessing(video) {
  const current = processingOf(video)?.state;
  if ((current !== 'queued' && current !== 'running') || polling.has(video.id)) return;
  const poll = pollProcessing(video.id, (fresh) => {
    if (!videos.has(fresh.id)) return poll.stop();
    renderVideo(fresh);
    if (state.video?.id === fresh.id) {
      state.video = { ...state.video, ...fresh };
      showProcessing(fresh);
    }
    const next = processingOf(fresh)?.state;
    if (next !== 'queued' && next !== 'running') polling.delete(fresh.id);
  });
  polling.set(video.id, poll);
}

async function reprocess() {
  const video = state.video;
  if (!video) return;
  again.disabled = true;
  const res = await guard(() => reprocessVideo(userName, video.id));
  again.disabled = false;
  if (!res) return;
  if (res.status !== 202) return showError(describeError(res.status, res.data, { on409: 'It is being processed already, or has no file.' }));
  const queued = { ...video, processing: /** @type {Processing} */ ({ state: 'queued', progress: 0, error: null }) };
  renderVideo(queued);
  state.video = queued;
  showProcessing(queued);
  watchProcessing(queued);
}

/**
 * The media the studio's player uses for a video: HLS (with hls.js loaded) once processing is
 * done, else the original. Resolves to null when another video was selected meanwhile.
 * @param {Video} video
 */
export async function studioMedia(video) {
  const media = { ...mediaOf(video, app.dataset.hlsSrc ?? ''), logo: app.dataset.logo ?? '' };
  if (media.state !== 'done') return media;
  const loaded = await loadHls(media.hlsSrc);
  if (state.video?.id !== video.id) return null;
  return loaded ? media : { ...media, state: /** @type {const} */ ('none') };
}

export function initStudioMedia() {
  again.addEventListener('click', () => void reprocess());
}
