import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generationDir, MEDIA_FILES, newGeneration, renditionFiles } from '@video/shared';
import type { Harness } from '../helper.js';

/** A generation's files as the layout names them, with contents of known bytes (never inspected by the server). */
export function fakeGeneration(gen: string, height = 360, mediaBytes = 300_000): Record<string, Buffer> {
  const r = renditionFiles(height);
  return {
    [MEDIA_FILES.poster]: randomBytes(5_000),
    [MEDIA_FILES.thumb]: randomBytes(1_000),
    [MEDIA_FILES.storyboard]: randomBytes(20_000),
    [MEDIA_FILES.master]: Buffer.from(`#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n${r.playlist}?g=${gen}\n`),
    [r.playlist]: Buffer.from(`#EXTM3U\n#EXT-X-MAP:URI="${r.media}?g=${gen}",BYTERANGE="800@0"\n`),
    [r.media]: randomBytes(mediaBytes),
  };
}

/** Writes a generation into video_dir/.media/<id>/<gen>/ (not yet served). */
export function writeGeneration(h: Pick<Harness, 'config'>, id: string, files: Record<string, Buffer>, gen = newGeneration()): string {
  const dir = generationDir(h.config.video_dir, id, gen);
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(dir, name), bytes);
  return gen;
}

/** Names `gen` as the video's served generation (null: none), and drops the cached row as the api's notice would. */
export async function setMediaGen(h: Pick<Harness, 'db' | 'app'>, id: string, gen: string | null): Promise<void> {
  await h.db.kysely.updateTable('video_info').set({ media_gen: gen }).where('id', '=', id).execute();
  h.app.videoRows.invalidate(id);
}

/** A generation written and installed; returns its name and files. */
export async function installGeneration(h: Harness, id: string, height = 360, mediaBytes = 300_000): Promise<{ gen: string; files: Record<string, Buffer> }> {
  const gen = newGeneration();
  const files = fakeGeneration(gen, height, mediaBytes);
  writeGeneration(h, id, files, gen);
  await setMediaGen(h, id, gen);
  return { gen, files };
}

/** The URL path of a layout file of a video. */
export function derivedPath(id: string, file: string): string {
  return file.endsWith('.jpg') ? `/videos/${id}/${file}` : `/videos/${id}/hls/${file}`;
}
