import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCESS_TASK, markVideoUploaded, type TaskState } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import type { VideoInfo } from '../../src/videos/videos-schemas.js';
import { buildTestApp, signUp, uniqueName, type TestApp } from '../helper.js';
import { ROOMY_LIMITS, getAs, patchVideo, publish, token, withSession, type User } from '../fixtures/public-site.js';

type Processing = VideoInfo['processing'];

describe.each(testDialects())('VideoInfo.processing on %s', (dialect) => {
  let t: TestApp;
  let alice: User;
  let bob: User;

  /** The task row as the scheduler leaves it. */
  const setTask = (id: string, state: TaskState, progress: number, last_error: string | null = null) =>
    t.db.kysely.updateTable('video_tasks').set({ state, progress, last_error }).where('video_id', '=', id).where('kind', '=', PROCESS_TASK).execute();

  const processingIn = async (url: string, id: string, sid?: string): Promise<Processing | undefined> => {
    const res = await getAs(t, url, sid);
    expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    const body = res.json() as VideoInfo | { videos: VideoInfo[] };
    const v = 'videos' in body ? body.videos.find((x) => x.id === id) : body;
    expect(v, `${url} shows the video`).toBeDefined();
    return v?.processing;
  };

  /** `processing` of the video in every read that carries it (lists too when it is `listed`), the same in each. */
  async function everywhere(id: string, word: string, listed: boolean): Promise<Processing | undefined> {
    const urls: [string, string?][] = [[`/videos/${id}`], [`/user/${alice.name}/videos/${id}`], [`/user/${alice.name}/videos?limit=200`, alice.sid]];
    if (listed) urls.push(['/videos?limit=200'], ['/videos?sort=hot&limit=200'], [`/search?q=${word}`], [`/user/${alice.name}/videos?limit=200`, bob.sid]);
    const reads: (Processing | undefined)[] = [];
    for (const [url, sid] of urls) reads.push(await processingIn(url, id, sid));
    reads.forEach((r, i) => expect(r, urls[i]?.[0]).toEqual(reads[0]));
    return reads[0];
  }

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    alice = await signUp(t.app, uniqueName('alice'));
    bob = await signUp(t.app, uniqueName('bob'));
  });
  afterAll(async () => t?.close());

  it('null before a file: on create, on read, in the owner’s list, after an edit', async () => {
    const word = token();
    const create = await t.app.inject({ method: 'POST', url: `/user/${alice.name}/videos`, headers: withSession(alice.sid), payload: { name: word } });
    expect(create.json().processing).toBeNull();
    const id = (create.json() as VideoInfo).id;
    expect(await everywhere(id, word, false)).toBeNull();
    expect((await patchVideo(t, alice, id, { description: 'still no file' })).processing).toBeNull();
  });

  it('a task row of another kind is not the processing task', async () => {
    const id = (await publish(t, alice, {}, false)).id;
    const now = Date.now();
    await t.db.kysely
      .insertInto('video_tasks')
      .values({ video_id: id, kind: 'other', state: 'running', seq: 1, attempts: 0, next_attempt_at: now, claimed_until: 0, progress: 5, created_at: now, updated_at: now })
      .execute();
    expect(await everywhere(id, 'x', false)).toBeNull();
  });

  it('queued as soon as the file is stored, in every read and list', async () => {
    const word = token();
    const id = (await publish(t, alice, { name: word }, false)).id;
    await markVideoUploaded(t.db.kysely, id, { size: 10, content_type: 'video/mp4' }, Date.now());
    expect(await everywhere(id, word, true)).toEqual({ state: 'queued', progress: 0, error: null });
  });

  it.each([
    ['running', 42, null, { state: 'running', progress: 42, error: null }],
    ['running', 0, null, { state: 'running', progress: 0, error: null }],
    ['failed', 37, 'ffprobe: no video stream', { state: 'failed', progress: 37, error: 'ffprobe: no video stream' }],
    ['failed', 0, null, { state: 'failed', progress: 0, error: 'processing failed' }],
    ['done', 100, null, { state: 'done', progress: 100, error: null }],
    ['queued', 0, 'an error of an earlier attempt', { state: 'queued', progress: 0, error: null }],
  ] as const)('%s at %i %% (error %s): the exact shape in every read and list', async (state, progress, error, expected) => {
    const word = token();
    const id = (await publish(t, alice, { name: word })).id;
    await setTask(id, state, progress, error);
    const shown = await everywhere(id, word, true);
    expect(shown).toEqual(expected);
    expect(Object.keys(shown ?? {}).sort()).toEqual(['error', 'progress', 'state']);
  });

  it('related lists and an edit carry it; media_gen never shows', async () => {
    const tag = token('tag');
    const id = (await publish(t, alice, { name: 'one', tags: [tag] })).id;
    const neighbour = (await publish(t, alice, { name: 'two', tags: [tag] })).id;
    await setTask(id, 'done', 100);
    await t.db.kysely.updateTable('video_info').set({ media_gen: 'g00000000-0000abcd', poster: `/videos/${id}/poster.jpg?g=g00000000-0000abcd` }).where('id', '=', id).execute();
    const related = (await getAs(t, `/videos/${neighbour}/related?limit=50`, bob.sid)).json() as { videos: VideoInfo[] };
    const v = related.videos.find((x) => x.id === id);
    expect(v?.processing).toEqual({ state: 'done', progress: 100, error: null });
    expect(v?.poster).toBe(`/videos/${id}/poster.jpg?g=g00000000-0000abcd`);
    expect(v).not.toHaveProperty('media_gen');
    const edited = await patchVideo(t, alice, id, { name: 'one, renamed' });
    expect(edited.processing).toEqual({ state: 'done', progress: 100, error: null });
    expect(edited).not.toHaveProperty('media_gen');
    expect(edited).not.toHaveProperty('task_state');
  });
});
