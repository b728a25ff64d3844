import { randomUUID } from 'node:crypto';
import { copyFile, link, mkdir, open, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { GENERATION_RE, generationDir, videoMediaDir } from '@video/shared';

const TMP_PREFIX = '.tmp-';

/** Where a run writes its generation before it is complete. */
export function tmpGenerationDir(videoDir: string, id: string, gen: string): string {
  return path.join(videoMediaDir(videoDir, id), `${TMP_PREFIX}${gen}`);
}

/** What identifies one version of the original: a re-upload (renamed into place) changes at least one. */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

export async function fileIdentity(file: string): Promise<FileIdentity> {
  const s = await stat(file);
  return { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
}

export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

async function fsyncPath(p: string): Promise<void> {
  const handle = await open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes every file of a written tree, then its folders, so a rename of it is never ahead of its contents. */
async function fsyncTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await fsyncTree(p);
    else if (entry.isFile()) await fsyncPath(p);
  }
  await fsyncPath(dir);
}

/** A complete generation under its final name: flushed, renamed from its temporary folder, the rename flushed. */
export async function publishGeneration(videoDir: string, id: string, gen: string): Promise<string> {
  const tmp = tmpGenerationDir(videoDir, id, gen);
  const final = generationDir(videoDir, id, gen);
  await fsyncTree(tmp);
  await rename(tmp, final);
  await fsyncPath(videoMediaDir(videoDir, id));
  return final;
}

/** Moves a file to a fresh temporary name in video_dir (copying when it lives on another file system) and flushes it. */
export async function stageBesideOriginal(videoDir: string, file: string): Promise<string> {
  const part = path.join(videoDir, `.faststart-${randomUUID()}.part`);
  try {
    await rename(file, part);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(file, part);
    await unlink(file);
  }
  await fsyncPath(part);
  return part;
}

/**
 * Puts the remuxed original in place of `original` when that is still the file that was processed;
 * returns the new size, or null (and drops the staged file) when the original changed meanwhile.
 */
export async function replaceOriginal(videoDir: string, original: string, staged: string, before: FileIdentity): Promise<number | null> {
  const now = await fileIdentity(original).catch(() => null);
  if (!now || !sameFile(now, before)) {
    await rm(staged, { force: true });
    return null;
  }
  const size = (await stat(staged)).size;
  await rename(staged, original);
  await fsyncPath(videoDir);
  return size;
}

/** The time a generation's name was made (its first part is base 36 milliseconds), or null for other names. */
function generationTime(name: string): number | null {
  const gen = name.startsWith(TMP_PREFIX) ? name.slice(TMP_PREFIX.length) : name;
  if (!GENERATION_RE.test(gen)) return null;
  return parseInt(gen.slice(1, gen.indexOf('-')), 36);
}

/**
 * After `current` is installed: removes the video's older generations and the temporary folders
 * left by runs that died or lost their task. A folder newer than `current` is left alone: it can
 * only be a later run's, still writing.
 */
export async function removeOlderGenerations(videoDir: string, id: string, current: string): Promise<number> {
  const dir = videoMediaDir(videoDir, id);
  const mine = generationTime(current) ?? 0;
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const t = generationTime(name);
    if (name === current || t === null || t > mine) continue;
    await rm(path.join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** Drops a run's unfinished folder, and the video's media folder when nothing else is left in it. */
export async function discardRun(videoDir: string, id: string, gen: string): Promise<void> {
  await rm(tmpGenerationDir(videoDir, id, gen), { recursive: true, force: true });
  await rm(generationDir(videoDir, id, gen), { recursive: true, force: true });
  await rmdir(videoMediaDir(videoDir, id)).catch(() => undefined);
}

/** A generation of just the named files, linked (or copied) from a run's folder, published under `gen`. */
export async function publishPartial(videoDir: string, id: string, gen: string, from: string, names: readonly string[]): Promise<void> {
  const dir = await makeTmpGeneration(videoDir, id, gen);
  for (const name of names) {
    await link(path.join(from, name), path.join(dir, name)).catch(() => copyFile(path.join(from, name), path.join(dir, name)));
  }
  await publishGeneration(videoDir, id, gen);
}

export async function makeTmpGeneration(videoDir: string, id: string, gen: string): Promise<string> {
  const dir = tmpGenerationDir(videoDir, id, gen);
  await mkdir(dir, { recursive: true });
  return dir;
}
