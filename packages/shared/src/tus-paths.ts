import path from 'node:path';

/**
 * Where unfinished resumable uploads live: inside video_dir, so that moving a finished one to
 * video_dir/<vid> is a rename on one filesystem (atomic), never a copy. The leading dot keeps it
 * outside the video id pattern, so no video URL can reach it.
 */
export function tusStoreDir(videoDir: string): string {
  return path.join(path.resolve(videoDir), '.tus');
}

/** The data file of an upload, and the JSON file the tus file store keeps beside it. */
export function tusUploadFiles(videoDir: string, uploadId: string): { data: string; info: string } {
  const dir = tusStoreDir(videoDir);
  return { data: path.join(dir, uploadId), info: path.join(dir, `${uploadId}.json`) };
}
