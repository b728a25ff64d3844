import { randomBytes, randomInt } from 'node:crypto';
import type { Recorder, Res } from './http.js';
import type { Ledger, VideoEntry } from './ledger.js';
import { uniqueMp4 } from './media.js';
import { sleep } from './service-process.js';
import type { SiteUser } from './site-user.js';

export type Action =
  | 'upload'
  | 'stream range'
  | 'stream whole'
  | 'list videos'
  | 'get video'
  | 'post comment'
  | 'list comments'
  | 'delete comment'
  | 'delete video'
  | 'signin'
  | 'userhome page';

/** The soak's mix: mostly watching and reading, some writing, a little deleting. */
export const DEFAULT_MIX: Record<Action, number> = {
  'stream range': 30,
  'list comments': 12,
  'post comment': 12,
  'list videos': 10,
  upload: 10,
  'get video': 6,
  'delete comment': 5,
  'delete video': 4,
  'stream whole': 4,
  'userhome page': 4,
  signin: 3,
};

export interface LoadOptions {
  users: SiteUser[];
  ledger: Ledger;
  recorder: Recorder;
  /** Wall-clock end of the load. */
  deadline: number;
  /** Hard cap on actions per user, so the loop is bounded even if every request is instant. */
  maxActionsPerUser?: number;
  mix?: Partial<Record<Action, number>>;
  /** Think time between a user's actions, uniformly 0..pauseMs. */
  pauseMs?: number;
  /** Size of the random trailer that makes each upload unique. */
  uploadExtraBytes?: () => number;
  /** When set, answers the load does not expect are reported here (the soak); otherwise only counted. */
  strict?: boolean;
  /** Stop early (from outside). */
  stopped?: () => boolean;
}

function pick<T>(items: T[]): T | undefined {
  return items.length === 0 ? undefined : items[randomInt(items.length)];
}

function choose(mix: Record<string, number>): Action {
  const entries = Object.entries(mix).filter(([, w]) => w > 0);
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let r = Math.random() * total;
  for (const [a, w] of entries) {
    r -= w;
    if (r <= 0) return a as Action;
  }
  return entries[0]![0] as Action;
}

/** What every action works with: the run's options and how to report an answer the load did not expect. */
interface LoadRun {
  options: LoadOptions;
  ledger: Ledger;
  recorder: Recorder;
  unexpected: (what: string, res: Res) => void;
}

async function upload(l: LoadRun, user: SiteUser): Promise<void> {
  const created = await user.createVideo(`clip ${randomBytes(3).toString('hex')}`);
  if (created.status !== 201) return l.unexpected('create video', created);
  const video = l.ledger.addVideo(created.json().id, user);
  const bytes = uniqueMp4(l.options.uploadExtraBytes?.() ?? randomInt(16, 4096));
  video.uploading = true;
  try {
    const res = await user.upload(video.id, bytes);
    if (res.status === 201) video.acked = bytes;
    else {
      // A 5xx from the proxy may hide an upload that completed upstream: its outcome is unknown.
      if (res.status >= 500) video.uploadUnknown = [...(video.uploadUnknown ?? []), bytes];
      l.unexpected('upload', res);
    }
  } catch (err) {
    video.uploadUnknown = [...(video.uploadUnknown ?? []), bytes];
    throw err;
  } finally {
    video.uploading = false;
  }
}

async function streamRange(l: LoadRun, user: SiteUser): Promise<void> {
  const v = pick(l.ledger.readable());
  if (!v?.acked) return;
  const size = v.acked.length;
  const start = randomInt(size);
  const end = Math.min(size - 1, start + randomInt(1, 64 * 1024));
  const res = await user.range(v.id, start, end);
  if (res.status === 206) {
    if (!res.body.equals(v.acked.subarray(start, end + 1))) {
      l.recorder.unexpected.push(`range ${start}-${end} of ${v.id}: wrong bytes`);
    }
    if (res.headers['content-range'] !== `bytes ${start}-${end}/${size}`) {
      l.unexpected(`range ${start}-${end} content-range ${res.headers['content-range']}`, res);
    }
  } else if (!(res.status === 404 && v.deleteStarted)) l.unexpected(`range of ${v.id}`, res);
}

async function streamWhole(l: LoadRun, user: SiteUser): Promise<void> {
  const v = pick(l.ledger.readable());
  if (!v?.acked) return;
  const res = await user.download(v.id);
  if (res.status === 200) {
    if (!res.body.equals(v.acked)) l.recorder.unexpected.push(`whole ${v.id}: wrong bytes`);
  } else if (!(res.status === 404 && v.deleteStarted)) l.unexpected(`whole ${v.id}`, res);
}

async function listVideos(l: LoadRun, user: SiteUser): Promise<void> {
  const res = await user.listVideos();
  if (res.status !== 200) l.unexpected('list videos', res);
}

async function getVideo(l: LoadRun, user: SiteUser): Promise<void> {
  const v = pick(l.ledger.readable());
  if (!v) return;
  const res = await user.getVideo(v.owner.name, v.id);
  if (res.status !== 200 && !(res.status === 404 && v.deleteStarted)) l.unexpected('get video', res);
}

async function postComment(l: LoadRun, user: SiteUser): Promise<void> {
  const v = pick(l.ledger.readable());
  if (!v) return;
  const content = `comment ${randomBytes(4).toString('hex')} on ${v.id.slice(0, 8)}`;
  const res = await user.comment(v.id, content);
  if (res.status === 201) {
    const c = res.json();
    l.ledger.comments.set(c.id, { id: c.id, videoId: v.id, author: user, content, deleteStarted: false, deleted: false });
  } else if (!(res.status === 404 && v.deleteStarted)) l.unexpected('post comment', res);
}

async function listComments(l: LoadRun, user: SiteUser): Promise<void> {
  const v = pick(l.ledger.readable());
  if (!v) return;
  const res = await user.listComments(v.id);
  if (res.status !== 200 && !(res.status === 404 && v.deleteStarted)) l.unexpected('list comments', res);
}

async function deleteComment(l: LoadRun, user: SiteUser): Promise<void> {
  const mine = [...l.ledger.comments.values()].filter(
    (c) => c.author === user && !c.deleteStarted && !l.ledger.videos.get(c.videoId)?.deleteStarted,
  );
  const c = pick(mine);
  if (!c) return;
  c.deleteStarted = true;
  const res = await user.deleteComment(c.videoId, c.id);
  if (res.status === 204) c.deleted = true;
  else if (!(res.status === 404 && l.ledger.videos.get(c.videoId)?.deleteStarted)) l.unexpected('delete comment', res);
}

async function deleteVideo(l: LoadRun, user: SiteUser): Promise<void> {
  const mine = [...l.ledger.videos.values()].filter((v: VideoEntry) => v.owner === user && !v.deleteStarted && !v.uploading);
  // Keep a few videos per user so there is always something to watch.
  if (mine.length < 3) return;
  const v = pick(mine)!;
  v.deleteStarted = true;
  const res = await user.deleteVideo(v.id);
  if (res.status === 204) v.deleted = true;
  else l.unexpected('delete video', res);
}

async function signin(l: LoadRun, user: SiteUser): Promise<void> {
  const res = await user.signin();
  if (res.status !== 200) l.unexpected('signin', res);
}

async function userhomePage(l: LoadRun, user: SiteUser): Promise<void> {
  const res = await user.userhome();
  if (res.status !== 200) l.unexpected('userhome page', res);
}

/** One function per action: each records the answer and updates the ledger with what the site acknowledged. */
const STEPS: Record<Action, (l: LoadRun, user: SiteUser) => Promise<void>> = {
  upload,
  'stream range': streamRange,
  'stream whole': streamWhole,
  'list videos': listVideos,
  'get video': getVideo,
  'post comment': postComment,
  'list comments': listComments,
  'delete comment': deleteComment,
  'delete video': deleteVideo,
  signin,
  'userhome page': userhomePage,
};

/**
 * Runs every user's loop until the deadline: each picks an action by weight, records the answer
 * and updates the ledger with what the site acknowledged. Resolves when all loops have ended.
 */
export async function runLoad(options: LoadOptions): Promise<void> {
  const mix = { ...DEFAULT_MIX, ...options.mix };
  const maxActions = options.maxActionsPerUser ?? 5_000;
  const { ledger, recorder } = options;
  const unexpected = (what: string, res: Res) => {
    if (options.strict && recorder.unexpected.length < 200) {
      recorder.unexpected.push(`${what}: ${res.status} ${res.text().slice(0, 160)}`);
    }
  };
  const run: LoadRun = { options, ledger, recorder, unexpected };

  await Promise.all(
    options.users.map(async (user) => {
      for (let i = 0; i < maxActions && Date.now() < options.deadline && !options.stopped?.(); i++) {
        try {
          await STEPS[choose(mix)](run, user);
        } catch {
          // Network errors are already recorded by the user's recorder; keep going.
          await sleep(50);
        }
        if (options.pauseMs) await sleep(randomInt(options.pauseMs + 1));
      }
    }),
  );
}
