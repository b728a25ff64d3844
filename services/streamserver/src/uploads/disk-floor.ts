import { statfs } from 'node:fs/promises';
import { insufficientStorage } from '@video/shared';

/** Free MiB on the file system holding `dir`, as an unprivileged writer sees it. */
export async function freeMb(dir: string): Promise<number> {
  const st = await statfs(dir);
  return (Number(st.bavail) * Number(st.bsize)) / (1024 * 1024);
}

/**
 * Refuses an upload with 507 012 while video_dir's disk has less than `minFreeMb` free
 * (min_free_disk_mb; 0 = no floor), before a byte of it is stored.
 */
export async function requireFreeDisk(dir: string, minFreeMb: number): Promise<void> {
  if (minFreeMb <= 0) return;
  const free = await freeMb(dir);
  if (free < minFreeMb) {
    throw insufficientStorage(`the server is low on disk space (${Math.floor(free)} MiB free, uploads need ${minFreeMb}): try again later`);
  }
}
