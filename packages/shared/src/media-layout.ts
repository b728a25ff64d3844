import { randomBytes } from 'node:crypto';
import path from 'node:path';

/**
 * Where a video's derived files live: `video_dir/.media/<id>/<gen>/`. The dot keeps the folder
 * apart from the originals (no video id has one). A generation is written whole under a temporary
 * name, renamed into place, and only then named in `video_info.media_gen`; the stream server
 * serves only the generation the row names, so a half-written set is never visible and a
 * re-upload's new set replaces the old one in a single row update.
 */
export const MEDIA_DIR = '.media';

/** The files of one generation (the HLS rendition files are per rung: `<height>.m3u8`, `<height>.mp4`). */
export const MEDIA_FILES = {
  poster: 'poster.jpg',
  thumb: 'thumb.jpg',
  storyboard: 'storyboard.jpg',
  master: 'master.m3u8',
} as const;

export function newGeneration(now = Date.now()): string {
  return `g${now.toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** All derived files of one video (every generation). Only for ids that passed isVideoId. */
export function videoMediaDir(videoDir: string, id: string): string {
  return path.join(videoDir, MEDIA_DIR, id);
}

export function generationDir(videoDir: string, id: string, gen: string): string {
  return path.join(videoMediaDir(videoDir, id), gen);
}

/** The HLS file names of one rung. */
export function renditionFiles(height: number): { playlist: string; media: string } {
  return { playlist: `${height}.m3u8`, media: `${height}.mp4` };
}

/** Rendition file names as they appear in URLs: `<height>.m3u8` or `<height>.mp4`. */
export const RENDITION_FILE_RE = /^([1-9][0-9]{1,3})\.(m3u8|mp4)$/;

/** A BCP 47 tag as the caption routes accept it (language, optional script/region/variants). */
export const CAPTION_LANG_RE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;
