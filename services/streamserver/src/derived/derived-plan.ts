import path from 'node:path';
import { generationDir, GENERATION_RE, MEDIA_FILES, renditionFiles, RENDITION_FILE_RE, type DerivedFolder, type Video } from '@video/shared';

export { parseDerivedUrl, type DerivedFolder } from '@video/shared';

export const JPEG = 'image/jpeg';
export const PLAYLIST = 'application/vnd.apple.mpegurl';
export const FMP4 = 'video/mp4';
/** A URL naming its generation (`?g=`) never changes: a year, and no revalidation. */
const IMMUTABLE = 'max-age=31536000, immutable';

const ROOT_FILES: ReadonlyMap<string, string> = new Map([MEDIA_FILES.poster, MEDIA_FILES.thumb, MEDIA_FILES.storyboard].map((f) => [f, f]));

/**
 * The layout's name of the file a URL segment asks for, and its type; undefined for anything the
 * layout does not name (`../x`, `master.m3u8.bak`, `999999.mp4`). The name returned is always one
 * the layout built, never the segment itself.
 */
export function derivedFile(folder: DerivedFolder, segment: string): { file: string; contentType: string } | undefined {
  if (folder === 'root') {
    const file = ROOT_FILES.get(segment);
    return file === undefined ? undefined : { file, contentType: JPEG };
  }
  if (segment === MEDIA_FILES.master) return { file: MEDIA_FILES.master, contentType: PLAYLIST };
  const m = RENDITION_FILE_RE.exec(segment);
  if (!m) return undefined;
  const names = renditionFiles(Number(m[1]));
  const file = m[2] === 'm3u8' ? names.playlist : names.media;
  if (file !== segment) return undefined;
  return { file, contentType: m[2] === 'm3u8' ? PLAYLIST : FMP4 };
}

/** Cache-Control of a URL that may change: kept, but asked about every time (never by a shared cache when private). */
export function revalidated(privacy: Video['privacy']): string {
  return privacy === 'private' ? 'private, no-cache' : 'no-cache';
}

/**
 * The generation a request may have and how long it may be kept: none (404) before processing is
 * done or when `?g=` names another generation; the current one, immutable, when `?g=` names it
 * (`private` for a private video, so no shared cache keeps it); the current one, revalidated every
 * time, without `g`.
 */
export function servedGeneration(video: Pick<Video, 'media_gen' | 'privacy'>, g: string | undefined): { gen: string; cacheControl: string } | undefined {
  const gen = video.media_gen;
  if (gen === null || !GENERATION_RE.test(gen)) return undefined;
  if (g === undefined) return { gen, cacheControl: revalidated(video.privacy) };
  if (g !== gen) return undefined;
  return { gen, cacheControl: `${video.privacy === 'private' ? 'private' : 'public'}, ${IMMUTABLE}` };
}

/** What to serve for a derived file of a video the request may see. */
export interface DerivedTarget {
  /** The file, relative to video_dir: `.media/<id>/<gen>/<layout name>`. */
  name: string;
  contentType: string;
  cacheControl: string;
}

/** The one decision of the route and the fast path: which file, or undefined for a 404. `id` must be valid. */
export function planDerived(
  id: string,
  video: Pick<Video, 'media_gen' | 'privacy'>,
  folder: DerivedFolder,
  segment: string,
  g: string | undefined,
): DerivedTarget | undefined {
  const wanted = derivedFile(folder, segment);
  if (!wanted) return undefined;
  // A page rendered before the last install names an older generation: its poster, thumb and
  // storyboard are still pictures of this video, so it gets the current ones (revalidated, never
  // immutable under that name). A playlist or fMP4 of another generation would not match, so 404.
  const stalePicture = folder === 'root' && g !== undefined && GENERATION_RE.test(g) && g !== video.media_gen;
  const served = servedGeneration(video, stalePicture ? undefined : g);
  if (!served) return undefined;
  return { name: path.join(generationDir('', id, served.gen), wanted.file), contentType: wanted.contentType, cacheControl: served.cacheControl };
}
