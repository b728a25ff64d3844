import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCESS_TASK, type TaskState } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { MISSING, ROOMY_LIMITS, getAs, publish, withSession, type User } from '../fixtures/public-site.js';

const QUEUED = { state: 'queued', progress: 0, error: null };

describe.each(testDialects())('POST /user/:username/videos/:vid/reprocess on %s', (dialect) => {
  let t: TestApp;
  let alice: User;
  let bob: User;
  let done: string;

  const reprocess = (id: string, sid: string | null = alice.sid, user = alice) =>
    t.app.inject({ method: 'POST', url: `/user/${encodeURIComponent(user.name)}/videos/${id}/reprocess`, headers: withSession(sid ?? undefined) });
  const task = (id: string) => t.db.kysely.selectFrom('video_tasks').selectAll().where('video_id', '=', id).where('kind', '=', PROCESS_TASK).executeTakeFirst();
  const setTask = (id: string, state: TaskState, extra: { progress?: number; last_error?: string | null; attempts?: number; claimed_by?: string | null } = {}) =>
    t.db.kysely.updateTable('video_tasks').set({ state, ...extra }).where('video_id', '=', id).where('kind', '=', PROCESS_TASK).execute();
  const videoIn = async (state: TaskState) => {
    const id = (await publish(t, alice)).id;
    await setTask(id, state, state === 'done' ? { progress: 100 } : {});
    return id;
  };

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    alice = await signUp(t.app, uniqueName('alice'));
    bob = await signUp(t.app, uniqueName('bob'));
    done = await videoIn('done');
  });
  afterAll(async () => t?.close());

  it.each([
    ['no session', 401, '002', () => reprocess(done, null)],
    ['an unknown session', 401, '002', () => reprocess(done, '11111111-1111-4111-8111-111111111111')],
    ["another user's name", 403, '005', () => reprocess(done, bob.sid)],
    ["someone else's video under one's own name", 404, '006', () => reprocess(done, bob.sid, bob)],
    ['an unknown video', 404, '006', () => reprocess(MISSING)],
    ['a video id that is no UUID', 404, '006', () => reprocess('..%2F..%2Fetc')],
  ])('%s -> %i %s', async (_l, status, code, run) => {
    expectError(await run(), status, code);
  });

  it('the refusals above changed nothing', async () => {
    expect(await task(done)).toMatchObject({ state: 'done', progress: 100 });
  });

  it('409 for a video without its file (no task row is made)', async () => {
    const pending = (await publish(t, alice, {}, false)).id;
    expectError(await reprocess(pending), 409, '007');
    expect(await task(pending)).toBeUndefined();
  });

  it.each(['queued', 'running'] as const)('409 while the task is %s, and it is left as it was', async (state) => {
    const id = await videoIn(state);
    await setTask(id, state, { progress: 30, claimed_by: state === 'running' ? 'scheduler-1' : null });
    const before = await task(id);
    expectError(await reprocess(id), 409, '007');
    expect(await task(id)).toEqual(before);
  });

  it('a deleted video is a 404: it is gone', async () => {
    const id = await videoIn('done');
    expect((await t.app.inject({ method: 'DELETE', url: `/user/${alice.name}/videos/${id}`, headers: withSession(alice.sid) })).statusCode).toBe(204);
    expectError(await reprocess(id), 404, '006');
  });

  it.each(['done', 'failed'] as const)('202 for a %s task: queued afresh (attempts cleared, lease dropped, seq bumped), seen in VideoInfo', async (state) => {
    const id = await videoIn(state);
    await setTask(id, state, { progress: state === 'done' ? 100 : 60, last_error: state === 'failed' ? 'ffmpeg exited 1' : null, attempts: 3, claimed_by: 'scheduler-1' });
    const before = await task(id);
    const res = await reprocess(id);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ processing: QUEUED });
    const after = await task(id);
    expect(after).toMatchObject({ state: 'queued', progress: 0, attempts: 0, claimed_by: null, last_error: null });
    expect(Number(after?.seq)).toBe(Number(before?.seq) + 1);
    expect((await getAs(t, `/videos/${id}`)).json().processing).toEqual(QUEUED);
    expectError(await reprocess(id), 409, '007');
  });

  it('concurrent requests: exactly one 202, the rest 409, the task queued once', async () => {
    const id = await videoIn('done');
    const before = await task(id);
    const answers = await Promise.all(Array.from({ length: 6 }, () => reprocess(id)));
    expect(answers.map((r) => r.statusCode).sort()).toEqual([202, 409, 409, 409, 409, 409]);
    for (const r of answers.filter((a) => a.statusCode === 409)) expect(r.json().error_code).toBe('007');
    expect(Number((await task(id))?.seq)).toBe(Number(before?.seq) + 1);
  });

  it('is in the OpenAPI document with its 202 and 409', async () => {
    const doc = (await getAs(t, '/openapi.json')).json();
    const op = doc.paths['/user/{username}/videos/{vid}/reprocess'].post;
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['202', '401', '403', '404', '409']));
    expect(op.responses['202'].content['application/json'].schema.properties.processing.properties.state.enum).toEqual(['queued', 'running', 'done', 'failed']);
  });
});
