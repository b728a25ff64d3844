import path from 'node:path';
import { connectDatabase, type Db } from '@video/shared';
import { sha256 } from './media.js';
import { sleep } from './service-process.js';
import type { Site } from './site.js';
import type { SiteUser } from './site-user.js';

export interface VideoEntry {
  id: string;
  owner: SiteUser;
  /** Bytes of the last upload the site acknowledged with 201. */
  acked?: Buffer;
  /** An upload whose outcome is unknown (no answer: the connection died). */
  uploadUnknown?: Buffer[];
  uploading: boolean;
  deleteStarted: boolean;
  /** The delete was acknowledged with 204. */
  deleted: boolean;
}

export interface CommentEntry {
  id: string;
  videoId: string;
  author: SiteUser;
  content: string;
  deleteStarted: boolean;
  deleted: boolean;
}

/** What the site acknowledged, to be reconciled against what it serves and stores. */
export class Ledger {
  readonly videos = new Map<string, VideoEntry>();
  readonly comments = new Map<string, CommentEntry>();
  readonly users: SiteUser[] = [];

  addVideo(id: string, owner: SiteUser): VideoEntry {
    const v: VideoEntry = { id, owner, uploading: false, deleteStarted: false, deleted: false };
    this.videos.set(id, v);
    return v;
  }

  /** Live videos with an acknowledged upload and nothing in flight. */
  readable(): VideoEntry[] {
    return [...this.videos.values()].filter((v) => v.acked && !v.deleteStarted && !v.uploading && !v.uploadUnknown);
  }
}

/** The file of a video is named after its id (optionally with an extension); anything else is litter. */
export function fileVideoId(rel: string): string {
  const base = path.basename(rel);
  const m = /^([A-Za-z0-9_-]{1,64})(\.(mp4|webm|mkv|mov|ogg|ogv|m4v|video|bin))?$/.exec(base);
  return m ? m[1]! : '';
}

export function openInspector(site: Site): Db {
  return connectDatabase(site.databaseUrl, { connectionLimit: 2 });
}

/** Waits until the scheduler has worked off every purge record (bounded). */
export async function waitForPurges(db: Db, ids: string[], timeoutMs = 45_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let left: string[] = ids;
  while (Date.now() < deadline) {
    const recs = await db.kysely.selectFrom('video_del_rec').select('video_id').execute();
    const rows =
      ids.length === 0 ? [] : await db.kysely.selectFrom('video_info').select('id').where('id', 'in', ids).execute();
    left = [...new Set([...recs.map((r) => r.video_id), ...rows.map((r) => r.id)])];
    if (left.length === 0) return [];
    await sleep(500);
  }
  return left;
}

/** What one reconcile looks at: the ledger, a reader through the web port, the database, and the problems found. */
interface Check {
  ledger: Ledger;
  reader: SiteUser;
  db: Db;
  problems: string[];
}

/** Sizes of the video files by video id; a stray file is a problem, an upload's crash leftover is set aside. */
function checkFiles(site: Site, c: Check, crashLeftovers: string[] | undefined): Map<string, number> {
  const fileIds = new Map<string, number>();
  for (const f of site.videoFiles()) {
    const id = fileVideoId(f.rel);
    if (crashLeftovers && !id && path.basename(f.rel).startsWith('.')) {
      // The temporary file of an upload cut off by SIGKILL: never served (no id starts with a dot).
      crashLeftovers.push(f.rel);
      continue;
    }
    if (!id || !c.ledger.videos.has(id)) c.problems.push(`stray file in video_dir: ${f.rel} (${f.size} bytes)`);
    else fileIds.set(id, f.size);
  }
  for (const id of site.mediaVideoIds()) if (!c.ledger.videos.has(id)) c.problems.push(`derived files of no video: .media/${id}`);
  return fileIds;
}

/** Deleted videos are neither readable, streamed nor stored, and their comments are gone. */
async function checkDeleted(c: Check, deleted: VideoEntry[], fileIds: Map<string, number>): Promise<void> {
  await eachLimited(deleted, 8, async (v) => {
    const meta = await c.reader.getVideo(v.owner.name, v.id);
    if (meta.status !== 404) c.problems.push(`deleted video ${v.id} still readable: ${meta.status}`);
    const file = await c.reader.download(v.id, 'reconcile download');
    if (file.status !== 404) c.problems.push(`deleted video ${v.id} still streamed: ${file.status}`);
    if (fileIds.has(v.id)) c.problems.push(`deleted video ${v.id} still has its file`);
  });
  if (deleted.length > 0) {
    const ids = deleted.map((v) => v.id);
    const orphans = await c.db.kysely.selectFrom('comments').select(['id', 'video_id']).where('video_id', 'in', ids).execute();
    if (orphans.length > 0) c.problems.push(`${orphans.length} comment row(s) of purged videos remain`);
  }
}

type VideoRow = { upload_state: string; size: number | null };

/** A live video serves exactly what was acknowledged (or, when the outcome is unknown, one whole upload). */
async function checkLiveVideo(c: Check, v: VideoEntry, row: VideoRow | undefined, fileSize: number | undefined): Promise<void> {
  const { problems } = c;
  if (v.deleteStarted || v.uploading) return;
  if (v.uploadUnknown) {
    // The outcome is unknown, but whatever is served must be one whole upload, never a part.
    const res = await c.reader.download(v.id, 'reconcile download');
    if (res.status === 200) {
      const candidates = [...v.uploadUnknown, ...(v.acked ? [v.acked] : [])].map(sha256);
      if (!candidates.includes(sha256(res.body))) problems.push(`video ${v.id} serves bytes no upload sent`);
    } else if (res.status !== 404 || v.acked) problems.push(`video ${v.id} (upload outcome unknown): ${res.status}`);
    return;
  }
  const res = await c.reader.download(v.id, 'reconcile download');
  if (!v.acked) {
    if (res.status !== 404) problems.push(`never-uploaded video ${v.id} answers ${res.status}, not 404`);
    if (fileSize !== undefined) problems.push(`never-uploaded video ${v.id} has a file`);
    return;
  }
  if (res.status !== 200) problems.push(`uploaded video ${v.id} answers ${res.status}`);
  else if (sha256(res.body) !== sha256(v.acked)) {
    problems.push(`video ${v.id} served ${res.body.length} bytes that differ from the ${v.acked.length} uploaded`);
  }
  if (!row) problems.push(`uploaded video ${v.id} has no row`);
  else if (row.upload_state !== 'ready' || Number(row.size) !== v.acked.length) {
    problems.push(`video ${v.id} row says ${row.upload_state}/${row.size}, uploaded ${v.acked.length}`);
  }
  if (fileSize !== v.acked.length) problems.push(`video ${v.id} file size ${fileSize} != ${v.acked.length}`);
}

async function checkLiveVideos(c: Check, fileIds: Map<string, number>): Promise<void> {
  const rows = await c.db.kysely.selectFrom('video_info').select(['id', 'upload_state', 'size', 'deleted_at']).execute();
  const rowById = new Map(rows.map((r) => [r.id, r]));
  await eachLimited([...c.ledger.videos.values()], 8, (v) => checkLiveVideo(c, v, rowById.get(v.id), fileIds.get(v.id)));
}

/** Every acknowledged comment of a live video is listed once with its content; deleted ones are not. */
async function checkComments(c: Check): Promise<void> {
  const byVideo = new Map<string, CommentEntry[]>();
  for (const comment of c.ledger.comments.values()) {
    const video = c.ledger.videos.get(comment.videoId);
    if (video?.deleteStarted) continue;
    byVideo.set(comment.videoId, [...(byVideo.get(comment.videoId) ?? []), comment]);
  }
  await eachLimited([...byVideo.entries()], 8, async ([videoId, expected]) => {
    const listed = await c.reader.allComments(videoId);
    if (!listed) {
      c.problems.push(`comments of live video ${videoId}: 404`);
      return;
    }
    const ids = new Map(listed.map((l) => [l.id, l]));
    if (ids.size !== listed.length) c.problems.push(`comments of ${videoId} list an item twice`);
    for (const e of expected) {
      if (e.deleted && ids.has(e.id)) c.problems.push(`deleted comment ${e.id} still listed`);
      if (!e.deleteStarted) {
        const got = ids.get(e.id);
        if (!got) c.problems.push(`acknowledged comment ${e.id} on ${videoId} is missing`);
        else if (got.content.trim() !== e.content.trim()) c.problems.push(`comment ${e.id} content changed`);
      }
    }
  });
}

/**
 * Compares the ledger with what the site serves (through the web port) and stores. Returns the list
 * of problems; empty means nothing acknowledged was lost and nothing deleted survived.
 */
export async function reconcile(
  site: Site,
  ledger: Ledger,
  reader: SiteUser,
  options: { crashLeftovers?: string[] } = {},
): Promise<string[]> {
  const problems: string[] = [];
  const db = openInspector(site);
  try {
    const c: Check = { ledger, reader, db, problems };
    const deleted = [...ledger.videos.values()].filter((v) => v.deleted);
    const stuck = await waitForPurges(db, deleted.map((v) => v.id));
    if (stuck.length > 0) problems.push(`purge not finished for ${stuck.length} video(s): ${stuck.slice(0, 5).join(', ')}`);
    const fileIds = checkFiles(site, c, options.crashLeftovers);
    await checkDeleted(c, deleted, fileIds);
    await checkLiveVideos(c, fileIds);
    await checkComments(c);
  } finally {
    await db.close();
  }
  return problems;
}

/** Runs `fn` over items with at most `limit` in flight. */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
