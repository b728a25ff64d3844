import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';
import { call, type Res } from '../harness/http.js';

/** Sign-up straight on one api instance; returns the session id. */
export async function signUpOn(api: string, name: string, pwd: string): Promise<string> {
  const res = await call('POST', `${api}/user`, { json: { user_name: name, pwd } });
  if (res.status !== 201) throw new Error(`sign-up on ${api}: ${res.status} ${res.text()}`);
  return res.json<{ session_id: string }>().session_id;
}

const TUS = { 'tus-resumable': '1.0.0' };

/** tus creation on one stream server; returns the upload's path (/files/<id>). */
export async function tusCreate(stream: string, sid: string, videoId: string, length: number): Promise<string> {
  const meta = `video_id ${Buffer.from(videoId).toString('base64')},filename ${Buffer.from('clip.mp4').toString('base64')}`;
  const res = await call('POST', `${stream}/files`, { headers: { ...TUS, 'x-session-id': sid, 'upload-length': String(length), 'upload-metadata': meta } });
  if (res.status !== 201) throw new Error(`tus create: ${res.status} ${res.text()}`);
  return new URL(res.headers.location!, stream).pathname;
}

/** A PATCH that sends `sendBytes` of `body` and then cuts the connection, as a dropped network does. */
export function tusPatchCut(stream: string, sid: string, file: string, body: Buffer, sendBytes: number): Promise<void> {
  const u = new URL(stream);
  return new Promise((resolve) => {
    const req = httpRequest({
      host: u.hostname, port: u.port, method: 'PATCH', path: file, agent: false,
      headers: { ...TUS, 'x-session-id': sid, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0', 'content-length': String(body.length) },
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.write(body.subarray(0, sendBytes), () => setTimeout(() => req.destroy(), 300));
  });
}

export function tusHead(stream: string, sid: string, file: string): Promise<Res> {
  return call('HEAD', `${stream}${file}`, { headers: { ...TUS, 'x-session-id': sid } });
}

export function tusPatch(stream: string, sid: string, file: string, offset: number, bytes: Buffer): Promise<Res> {
  return call('PATCH', `${stream}${file}`, {
    headers: { ...TUS, 'x-session-id': sid, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) },
    body: bytes,
  });
}

/** A WebSocket that keeps what it is sent, for "wait until X arrives". */
export class Socket {
  readonly messages: { type: string; [k: string]: unknown }[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => this.messages.push(JSON.parse(raw.toString())));
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<Socket> {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), { headers });
    const socket = new Socket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    return socket;
  }

  async next(match: (m: { type: string; [k: string]: unknown }) => boolean, timeoutMs = 5000): Promise<{ type: string; [k: string]: unknown }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.messages.find(match);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.ws.terminate();
  }
}

/** One request of the load, with what it was and how it ended. */
export interface Outcome {
  what: string;
  startedAt: number;
  status: number;
  error?: string;
}

/**
 * `total` requests through the balancer, `concurrency` at a time, each made by `next(i)`; `onStep`
 * runs once when request `at` starts (the kill). Bounded in count and, per request, in time.
 */
export async function loadLoop(
  total: number,
  concurrency: number,
  next: (i: number) => { what: string; run: () => Promise<Res> },
  at: number,
  onStep: () => Promise<void>,
): Promise<Outcome[]> {
  const out: Outcome[] = [];
  let i = 0;
  let stepped: Promise<void> | undefined;
  const worker = async () => {
    while (i < total) {
      const n = i++;
      if (n === at) stepped = onStep();
      const { what, run } = next(n);
      const startedAt = Date.now();
      try {
        const res = await run();
        out.push({ what, startedAt, status: res.status });
      } catch (err) {
        out.push({ what, startedAt, status: 0, error: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await stepped;
  return out;
}
