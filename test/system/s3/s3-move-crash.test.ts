import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueProcessing } from '@video/shared';
import { mediaPrefix, originalKey } from '@video/shared/storage';
import { testDialects } from '@video/shared/testing';
import { WEBM } from '../../../services/streamserver/test/helper.js';
import { jobContext } from '../../../services/scheduler/test/helper.js';
import { createPurgeJob } from '../../../services/scheduler/src/purge/purge-job.js';
import { fixture, live, mediaGen, reupload, startWorld, storageOf, type S3World } from './s3-world.js';

describe.each(testDialects())('object storage: crashes, re-uploads, reprocessing and the purge (%s)', (dialect) => {
  let w: S3World;
  beforeAll(async () => {
    w = await startWorld(dialect);
  });
  afterAll(async () => {
    await w?.close();
  });
  const moveTask = (id: string) =>
    w.db.kysely.selectFrom('video_tasks').selectAll().where('video_id', '=', id).where('kind', '=', 'move').executeTakeFirstOrThrow();
  const served = async (id: string) => {
    const res = await fetch(`${w.redirect}/videos/${id}`, { redirect: 'manual' });
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
  };

  it('a run that dies after the first object leaves the local copy serving; the retry skips what is verified and completes', async () => {
    const id = await w.upload();
    await w.process();
    let stops = 0;
    const crash = await w.move({
      afterVerify: () => {
        if (stops++ === 0) throw new Error('killed mid-move');
      },
    });
    expect(crash).toMatchObject({ claimed: 1, retried: 1, moved: 0 });
    expect(await moveTask(id)).toMatchObject({ state: 'queued', attempts: 1, last_error: 'killed mid-move' });
    expect(await storageOf(w.db, id)).toBe('local');
    expect(existsSync(path.join(w.config.video_dir, id))).toBe(true);
    const local = await served(id);
    expect(local.status).toBe(200);
    expect(local.body.equals(fixture())).toBe(true);
    const puts: string[] = [];
    const put = w.store.putFile.bind(w.store);
    w.store.putFile = async (key, file, o) => {
      puts.push(key);
      return put(key, file, o);
    };
    try {
      expect(await w.move()).toMatchObject({ moved: 1 });
    } finally {
      w.store.putFile = put;
    }
    expect(puts).not.toContain(originalKey(id));
    expect(puts.length).toBeGreaterThan(3);
    expect(await storageOf(w.db, id)).toBe('s3');
    expect((await served(id)).status).toBe(302);
  });

  it('a scheduler stopping mid-move gives the move back uncounted; the local copy serves until the next run completes it', async () => {
    const id = await w.upload();
    await w.process();
    let stopped: Promise<void> | undefined;
    const job = w.moveJob({
      afterVerify: () => {
        stopped ??= job.close!();
      },
    });
    expect((await job.run(live())).counts).toMatchObject({ claimed: 1, released: 1, moved: 0 });
    await stopped;
    expect(await moveTask(id)).toMatchObject({ state: 'queued', attempts: 0, claimed_by: null });
    expect(await storageOf(w.db, id)).toBe('local');
    expect((await served(id)).status).toBe(200);
    expect(await w.move()).toMatchObject({ moved: 1 });
    expect((await served(id)).status).toBe(302);
  });

  it('an object that does not verify (other bytes in the store) is uploaded again by the retry; the local copy stays until then', async () => {
    const id = await w.upload();
    await w.process();
    const wrong = path.join(w.config.video_dir, '.wrong');
    writeFileSync(wrong, 'not the video');
    const put = w.store.putFile.bind(w.store);
    w.store.putFile = async (key, file, o) => put(key, key === originalKey(id) ? wrong : file, o);
    try {
      expect(await w.move()).toMatchObject({ retried: 1 });
    } finally {
      w.store.putFile = put;
    }
    expect((await moveTask(id)).last_error).toMatch(/the store holds 13 bytes/);
    expect(existsSync(path.join(w.config.video_dir, id))).toBe(true);
    expect((await served(id)).status).toBe(200);
    expect(await w.move()).toMatchObject({ moved: 1 });
    expect((await w.store.head(originalKey(id)))?.size).toBe(fixture().length);
  });

  it('a re-upload while in the bucket is served from video_dir until its own move; then the old generation objects go', async () => {
    const id = await w.upload();
    await w.process();
    await w.move();
    const oldGen = await mediaGen(w.db, id);
    const next = readFileSync(WEBM);
    await reupload(w, id, next);
    const local = await served(id);
    expect(local.status).toBe(200);
    expect(local.body.equals(next)).toBe(true);
    await w.process();
    const newGen = await mediaGen(w.db, id);
    expect(newGen).not.toBe(oldGen);
    expect(await w.move()).toMatchObject({ moved: 1 });
    const res = await fetch(`${w.redirect}/videos/${id}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(next)).toBe(true);
    const keys = await w.store.list(mediaPrefix(id));
    expect(keys.length).toBeGreaterThan(3);
    expect(keys.every((k) => k.startsWith(`${mediaPrefix(id)}${newGen}/`))).toBe(true);
  });

  it('a move queued for an older upload is dropped (the video changed since)', async () => {
    const id = await w.upload();
    await w.process();
    await reupload(w, id, fixture());
    expect(await w.move()).toMatchObject({ stale: 1, moved: 0 });
    expect(await storageOf(w.db, id)).toBe('local');
    expect(await w.store.head(originalKey(id))).toBeUndefined();
  });

  it('reprocessing a video in the bucket fetches its original back, processes it and moves it again', async () => {
    const id = await w.upload();
    await w.process();
    await w.move();
    const before = await mediaGen(w.db, id);
    await queueProcessing(w.db.kysely, id, Date.now());
    await w.process();
    const task = await w.db.kysely.selectFrom('video_tasks').selectAll().where('video_id', '=', id).where('kind', '=', 'process').executeTakeFirstOrThrow();
    expect(task).toMatchObject({ state: 'done', last_error: null });
    expect(await mediaGen(w.db, id)).not.toBe(before);
    expect(await w.move()).toMatchObject({ moved: 1 });
    expect(existsSync(path.join(w.config.video_dir, id))).toBe(false);
    expect((await w.store.head(originalKey(id)))?.size).toBe(fixture().length);
  });

  it('the purge deletes every object of the video, and a second purge (nothing left) is harmless', async () => {
    const id = await w.upload();
    await w.process();
    await w.move();
    expect((await w.store.list(mediaPrefix(id))).length).toBeGreaterThan(0);
    const now = Date.now();
    await w.db.kysely.updateTable('video_info').set({ deleted_at: now }).where('id', '=', id).execute();
    await w.db.kysely.insertInto('video_del_rec').values({ video_id: id, create_time: now, claimed_by: null, claimed_until: 0, attempts: 0, next_attempt_at: 0 }).execute();
    const purge = createPurgeJob(jobContext(w.db, w.config));
    expect((await purge.run(live())).counts).toMatchObject({ purged: 1, failed: 0 });
    expect(await w.store.head(originalKey(id))).toBeUndefined();
    expect(await w.store.list(mediaPrefix(id))).toEqual([]);
    expect(await w.db.kysely.selectFrom('video_info').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
    await w.db.kysely.insertInto('video_del_rec').values({ video_id: id, create_time: now, claimed_by: null, claimed_until: 0, attempts: 0, next_attempt_at: 0 }).execute();
    expect((await purge.run(live())).counts).toMatchObject({ purged: 1, failed: 0 });
  });
});
