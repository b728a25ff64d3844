import { link, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { generationDir } from '@video/shared';

/** What tells one stored file from its replacement: a re-upload renames a new file over the name. */
export interface LocalIdentity {
  size: number;
  ino: number;
  mtimeMs: number;
}

export async function localIdentity(file: string): Promise<LocalIdentity | undefined> {
  try {
    const s = await stat(file);
    return { size: s.size, ino: s.ino, mtimeMs: s.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const same = (a: LocalIdentity | undefined, b: LocalIdentity) => !!a && a.size === b.size && a.ino === b.ino && a.mtimeMs === b.mtimeMs;

/**
 * Removes the original only if it is still the file that was uploaded. It is renamed aside first
 * (atomic), so a re-upload landing in between is never the file removed: a renamed file that turns
 * out to be another one is linked back under its name (unless a newer one is already there).
 * True when the uploaded file is gone.
 */
export async function removeOriginalIfSame(file: string, uploaded: LocalIdentity): Promise<boolean> {
  if (!same(await localIdentity(file), uploaded)) return false;
  const aside = path.join(path.dirname(file), `.moved-${path.basename(file)}-${randomBytes(4).toString('hex')}`);
  try {
    await rename(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if (!same(await localIdentity(aside), uploaded)) {
    await link(aside, file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    await unlink(aside);
    return false;
  }
  await unlink(aside);
  return true;
}

/** One derived file of a generation, as the move uploads it. */
export interface DerivedFile {
  file: string;
  name: string;
  contentType: string;
}

const TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mp4': 'video/mp4',
  '.json': 'application/json',
};

/** Every file of a generation folder (the layout's flat names), to go up with it. */
export async function generationFiles(videoDir: string, id: string, gen: string): Promise<DerivedFile[]> {
  const dir = generationDir(videoDir, id, gen);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((e) => e.isFile() && /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(e.name))
    .map((e) => e.name)
    .sort()
    .map((name) => ({ file: path.join(dir, name), name, contentType: TYPES[path.extname(name)] ?? 'application/octet-stream' }));
}

export async function removeGenerationDir(videoDir: string, id: string, gen: string): Promise<void> {
  await rm(generationDir(videoDir, id, gen), { recursive: true, force: true });
}
