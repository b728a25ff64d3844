import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { insertVideo, type Config, type Db, type DialectName } from '@video/shared';
import { objectStore, type ObjectStore } from '@video/shared/storage/s3';
import { openTestDb, testConfig } from '@video/shared/testing';
import { buildApp } from '../../../services/streamserver/src/app.js';
import { listen, makeUser, MP4 } from '../../../services/streamserver/test/helper.js';
import { jobContext } from '../../../services/scheduler/test/helper.js';
import type { JobContext } from '../../../services/scheduler/src/jobs/job.js';
import { fakeProcessor } from '../../../services/scheduler/test/media/fake-pipeline.js';
import { createMediaJob } from '../../../services/scheduler/src/media/media-job.js';
import { createMoveJob, type MoveJobOptions } from '../../../services/scheduler/src/storage/move-job.js';
import { s3Config, startS3rver } from './s3-helper.js';

export const live = () => new AbortController().signal;
export const fixture = () => readFileSync(MP4);

/** s3rver, one database and video_dir, a stream server per s3_serve mode, and the scheduler's jobs run by hand. */
export interface S3World {
  db: Db;
  config: Config;
  store: ObjectStore;
  /** Base URLs of the redirect and the proxy stream servers. */
  redirect: string;
  proxy: string;
  owner: { userId: number; sessionId: string };
  other: { userId: number; sessionId: string };
  /** A pending video of the owner, no file yet. */
  pending(privacy?: 'public' | 'private'): Promise<string>;
  /** A pending video of the owner, uploaded through POST /upload/:vid. */
  upload(privacy?: 'public' | 'private', bytes?: Buffer): Promise<string>;
  /** Processing to the end (the fake pipeline), which queues the move. */
  process(): Promise<void>;
  move(options?: MoveJobOptions): Promise<Record<string, number>>;
  moveJob(options?: MoveJobOptions): ReturnType<typeof createMoveJob>;
  close(): Promise<void>;
}

export async function startWorld(dialect: DialectName, more: Partial<Config> = {}): Promise<S3World> {
  const s3 = await startS3rver();
  const t = await openTestDb(dialect);
  const config = testConfig({ ...s3Config(s3.endpoint), s3_presign_seconds: 60, min_free_disk_mb: 0, ...more });
  const apps: FastifyInstance[] = [];
  const serve = async (mode: 'redirect' | 'proxy') => {
    const app = await buildApp({ ...config, s3_serve: mode }, { db: t.db, logger: false });
    apps.push(app);
    return listen(app);
  };
  const redirect = await serve('redirect');
  const proxy = await serve('proxy');
  const owner = await makeUser(t.db);
  const other = await makeUser(t.db);
  const ctx = jobContext(t.db, config);
  // The jobs' warnings (why a move was retried or lost) are kept, and printed when a move does not land.
  const warnings: string[] = [];
  ctx.log = { ...ctx.log, warn: (o: unknown, msg?: string) => void warnings.push(`${msg ?? ''} ${JSON.stringify(o)}`) } as JobContext['log'];
  const media = createMediaJob(ctx, { process: fakeProcessor({ ms: 0 }), heartbeatMs: 100, leaseMs: 5_000 });
  const jobs: { close?(): Promise<void> }[] = [media];
  const world: S3World = {
    db: t.db,
    config,
    store: await objectStore(config),
    redirect,
    proxy,
    owner,
    other,
    async pending(privacy = 'public') {
      const id = randomUUID();
      const now = Date.now();
      const row = { id, author_id: owner.userId, name: 'clip', display_ctime: 'Jan 02 2006, 15:04:05', create_time: now };
      await insertVideo(t.db.kysely, { ...row, deleted_at: null, upload_state: 'pending', size: null, content_type: null, updated_at: now, privacy });
      return id;
    },
    async upload(privacy = 'public', bytes = fixture()) {
      const id = await world.pending(privacy);
      await reupload(world, id, bytes);
      return id;
    },
    async process() {
      // Until no processing task is left to do (the job takes transcode_concurrency at a time).
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        await media.run(live());
        while (media.active() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        const left = await t.db.kysely
          .selectFrom('video_tasks')
          .select('video_id')
          .where('kind', '=', 'process')
          .where('state', 'in', ['queued', 'running'])
          .execute();
        if (left.length === 0) break;
      }
      await media.run(live());
    },
    moveJob(options = {}) {
      const job = createMoveJob(ctx, { heartbeatMs: 100, leaseMs: 5_000, retryBaseMs: 0, ...options });
      jobs.push(job);
      return job;
    },
    async move(options = {}) {
      const counts = (await world.moveJob(options).run(live())).counts as Record<string, number>;
      if (counts.moved < counts.claimed && warnings.length > 0) console.error('move run:', counts, warnings.splice(0));
      return counts;
    },
    async close() {
      for (const j of jobs) await j.close?.();
      for (const app of apps) await app.close();
      await t.close();
      await s3.close();
    },
  };
  return world;
}

/** A (re-)upload of `bytes` as the video's file through the stream server's multipart route. */
export async function reupload(w: Pick<S3World, 'redirect' | 'owner'>, id: string, bytes: Buffer): Promise<void> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'video/mp4' }), 'clip.mp4');
  const res = await fetch(`${w.redirect}/upload/${id}`, { method: 'POST', headers: { 'x-session-id': w.owner.sessionId }, body: form });
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
}

export async function storageOf(db: Db, id: string): Promise<string> {
  return (await db.kysely.selectFrom('video_info').select('storage').where('id', '=', id).executeTakeFirstOrThrow()).storage;
}

export async function mediaGen(db: Db, id: string): Promise<string> {
  const row = await db.kysely.selectFrom('video_info').select('media_gen').where('id', '=', id).executeTakeFirstOrThrow();
  if (!row.media_gen) throw new Error('no generation');
  return row.media_gen;
}
