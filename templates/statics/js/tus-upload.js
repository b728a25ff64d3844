// @ts-check
// Resumable uploads on the user page: the dialog's transport becomes tus (tus-transport.js) and
// unfinished uploads from earlier visits are offered again (tus-resume.js).
import { initResumeHint, offerUnfinished } from './tus-resume.js';
import { tusUpload } from './tus-transport.js';
import { setUploader } from './upload-transport.js';

export function installTusUploads() {
  setUploader(tusUpload);
  initResumeHint();
  void offerUnfinished();
}
