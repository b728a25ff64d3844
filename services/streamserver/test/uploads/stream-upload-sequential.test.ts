import { EventEmitter } from 'node:events';
import http, { type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { listen, makeUser, makeVideo, mp4Bytes, startApp, type Harness } from '../helper.js';
import { tusClient, uploadIdOf, videoLike } from '../helpers/tus-helper.js';
import { UserUploadSlots } from '../../src/uploads/user-upload-slots.js';

const boundary = 'seq-boundary-5678';

function multipart(file: Buffer): Buffer {
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="clip.mp4"\r\nContent-Type: video/mp4\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), file, Buffer.from(`\r\n--${boundary}--\r\n`)]);
}

/** One upload on `agent` (keep-alive), its status once the whole answer has arrived. */
function upload(base: string, agent: http.Agent, sessionId: string, vid: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}/upload/${vid}`,
      { method: 'POST', agent, headers: { 'x-session-id': sessionId, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe.each(testDialects())('an upload slot is free again as soon as the answer is sent (%s)', (dialect) => {
  let h: Harness;
  let base: string;

  beforeAll(async () => {
    h = await startApp(dialect, { upload_max_per_user: 1, min_free_disk_mb: 0, max_upload_mb: 16 });
    base = await listen(h.app);
  });
  afterAll(async () => h?.close());

  it('strictly sequential multipart uploads on keep-alive connections are never refused as "in progress"', async () => {
    const user = await makeUser(h.db);
    const body = multipart(mp4Bytes());
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const vids: string[] = [];
    for (let i = 0; i < 40; i++) vids.push(await makeVideo(h, user.userId));
    const refused: string[] = [];
    try {
      for (const vid of vids) {
        const res = await upload(base, agent, user.sessionId, vid, body);
        if (res.status !== 201) refused.push(`${res.status} ${res.text}`);
      }
    } finally {
      agent.destroy();
    }
    expect(refused).toEqual([]);
  });

  it('a tus PATCH right after the previous one completed is accepted', async () => {
    const user = await makeUser(h.db);
    const c = tusClient(base, user.sessionId);
    const refused: number[] = [];
    for (let i = 0; i < 15; i++) {
      const file = videoLike(mp4Bytes(), 4096);
      const id = uploadIdOf(await c.create(await makeVideo(h, user.userId), file.length));
      const patch = await c.patch(id, 0, file);
      if (patch.status !== 204) refused.push(patch.status);
    }
    expect(refused).toEqual([]);
  });
});

describe('UserUploadSlots', () => {
  const fakeResponse = () => Object.assign(new EventEmitter(), { destroyed: false, writableFinished: false }) as unknown as ServerResponse;

  it('gives the slot back when the answer is decided, before the response has finished, and only once', () => {
    const slots = new UserUploadSlots(1);
    const res = fakeResponse();
    slots.take(7, res);
    expect(() => slots.take(7, fakeResponse())).toThrow(/1 uploads in progress/);
    slots.settle(res);
    expect(slots.inUse(7)).toBe(0);
    const next = fakeResponse();
    slots.take(7, next);
    // The first response's own events later must not free the second one's slot.
    res.emit('finish');
    res.emit('close');
    expect(slots.inUse(7)).toBe(1);
    next.emit('close');
    expect(slots.inUse(7)).toBe(0);
  });
});
