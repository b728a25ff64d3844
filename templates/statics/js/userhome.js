// @ts-check
// The user page's one entry module: the signed-in user's videos, the player, comments, the upload
// dialog (resumable through tus), the edit dialog and danmaku. Each part is its own module; this one wires them.
import { getVideo } from './api.js';
import { initBell } from './bell.js';
import { initCaptionsDialog } from './captions.js';
import { initComments } from './comments.js';
import { installDanmaku } from './danmaku.js';
import { need } from './dom.js';
import { initEditDialog } from './edit.js';
import { playerEl } from './player.js';
import { initSelection, select } from './selection.js';
import { initStudioMedia, watchProcessing } from './studio-media.js';
import { installTusUploads } from './tus-upload.js';
import { initUploadDialog } from './upload.js';
import { guard, isPending, maxUploadMb, signedOut, state, userName } from './user-page.js';
import { firstVideoId, initVideoList, loadVideos, renderVideo, videos } from './video-list.js';

/** @param {string} id */
async function refreshVideo(id) {
  const res = await guard(() => getVideo(userName, id));
  if (res && res.status === 200) {
    renderVideo(res.data);
    watchProcessing(res.data);
  }
}

function initUploads() {
  const uploads = initUploadDialog({
    userName,
    maxUploadMb,
    onSignedOut: signedOut,
    onCreated: (video) => renderVideo({ ...video, upload_state: video.upload_state ?? 'pending' }, 'prepend'),
    onUploaded: async (video) => {
      await refreshVideo(video.id);
      const fresh = videos.get(video.id);
      if (fresh && isPending(fresh)) renderVideo({ ...fresh, upload_state: 'ready' });
      select(video.id);
    },
  });
  need('#open-upload', HTMLButtonElement).addEventListener('click', () => uploads.open());
  need('#resume-upload', HTMLButtonElement).addEventListener('click', () => state.video && uploads.open(state.video));
}

function initSignOut() {
  need('#signout-form', HTMLFormElement).addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await fetch('/signout', { method: 'POST', credentials: 'same-origin' });
    } finally {
      window.location.assign('/');
    }
  });
}

initVideoList(select);
initSelection();
initComments();
initUploads();
initEditDialog();
initCaptionsDialog();
initStudioMedia();
initSignOut();
installDanmaku();
installTusUploads();
initBell();

playerEl.hidden = true;
void loadVideos().then(() => {
  for (const video of videos.values()) watchProcessing(video);
  const first = firstVideoId();
  if (first) select(first);
});
