import { randomBytes } from 'node:crypto';
import { call, multipartBody, sessionCookie, type CallOptions, type Recorder, type Res } from './http.js';

export interface VideoInfo {
  id: string;
  author_id: number;
  name: string;
  display_ctime: string;
  create_time: string;
}

export interface CommentInfo {
  id: string;
  video_id: string;
  author: string;
  author_id: number;
  content: string;
  time: string;
}

/**
 * A person using the site through the web port only, as a browser would: the `session` cookie set
 * by /signup and /signin, the api through /api/*, files through /videos/* and /upload/*.
 */
export class SiteUser {
  cookie = '';
  id = 0;

  constructor(
    readonly base: string,
    readonly name: string,
    readonly pwd = `pw-${randomBytes(6).toString('hex')}`,
    private readonly recorder?: Recorder,
  ) {}

  static fresh(base: string, prefix: string, recorder?: Recorder): SiteUser {
    return new SiteUser(base, `${prefix}_${randomBytes(4).toString('hex')}`, undefined, recorder);
  }

  async req(label: string, method: string, path: string, options: CallOptions = {}): Promise<Res> {
    const headers = { ...options.headers };
    if (this.cookie && !headers.cookie) headers.cookie = `session=${this.cookie}`;
    try {
      const res = await call(method, `${this.base}${path}`, { ...options, headers });
      this.recorder?.record(label, res);
      return res;
    } catch (err) {
      if (this.recorder && this.recorder.networkErrors.length < 200) {
        this.recorder.networkErrors.push(`${label} ${method} ${path}: ${(err as Error).message}`);
      }
      throw err;
    }
  }

  async signup(): Promise<Res> {
    const res = await this.req('signup', 'POST', '/signup', { json: { user_name: this.name, pwd: this.pwd } });
    const c = sessionCookie(res);
    if (res.status === 201 && c) this.cookie = c;
    return res;
  }

  async signin(): Promise<Res> {
    const res = await this.req('signin', 'POST', '/signin', { json: { user_name: this.name, pwd: this.pwd } });
    const c = sessionCookie(res);
    if (res.status === 200 && c) this.cookie = c;
    return res;
  }

  async signout(): Promise<Res> {
    return this.req('signout', 'POST', '/signout');
  }

  /** Sign-up that must succeed (set-up steps). */
  async mustSignup(): Promise<this> {
    const res = await this.signup();
    if (res.status !== 201 || !this.cookie) throw new Error(`signup ${this.name}: ${res.status} ${res.text().slice(0, 300)}`);
    const me = await this.req('get user', 'GET', `/api/user/${encodeURIComponent(this.name)}`);
    if (me.status === 200) this.id = me.json().id;
    return this;
  }

  createVideo(name: string): Promise<Res> {
    return this.req('create video', 'POST', `/api/user/${encodeURIComponent(this.name)}/videos`, { json: { name } });
  }

  async mustCreateVideo(name = `clip ${randomBytes(3).toString('hex')}`): Promise<VideoInfo> {
    const res = await this.createVideo(name);
    if (res.status !== 201) throw new Error(`create video: ${res.status} ${res.text().slice(0, 300)}`);
    return res.json();
  }

  upload(videoId: string, file: Buffer, options: { timeoutMs?: number } = {}): Promise<Res> {
    const { body, contentType } = multipartBody(file);
    return this.req('upload', 'POST', `/upload/${videoId}`, {
      body,
      headers: { 'content-type': contentType },
      timeoutMs: options.timeoutMs,
    });
  }

  async mustUpload(videoId: string, file: Buffer): Promise<void> {
    const res = await this.upload(videoId, file);
    if (res.status !== 201) throw new Error(`upload ${videoId}: ${res.status} ${res.text().slice(0, 300)}`);
  }

  range(videoId: string, start: number, end: number): Promise<Res> {
    return this.req('stream range', 'GET', `/videos/${videoId}`, { headers: { range: `bytes=${start}-${end}` } });
  }

  download(videoId: string, label = 'stream whole'): Promise<Res> {
    return this.req(label, 'GET', `/videos/${videoId}`);
  }

  listVideos(owner = this.name, query = 'limit=20'): Promise<Res> {
    return this.req('list videos', 'GET', `/api/user/${encodeURIComponent(owner)}/videos?${query}`);
  }

  getVideo(owner: string, videoId: string): Promise<Res> {
    return this.req('get video', 'GET', `/api/user/${encodeURIComponent(owner)}/videos/${videoId}`);
  }

  deleteVideo(videoId: string): Promise<Res> {
    return this.req('delete video', 'DELETE', `/api/user/${encodeURIComponent(this.name)}/videos/${videoId}`);
  }

  comment(videoId: string, content: string): Promise<Res> {
    return this.req('post comment', 'POST', `/api/videos/${videoId}/comments`, { json: { content } });
  }

  listComments(videoId: string, query = 'limit=50'): Promise<Res> {
    return this.req('list comments', 'GET', `/api/videos/${videoId}/comments?${query}`);
  }

  deleteComment(videoId: string, commentId: string): Promise<Res> {
    return this.req('delete comment', 'DELETE', `/api/videos/${videoId}/comment/${commentId}`);
  }

  userhome(): Promise<Res> {
    return this.req('userhome page', 'GET', '/userhome');
  }

  /** Every comment of a video, following next_cursor (bounded). */
  async allComments(videoId: string): Promise<CommentInfo[] | null> {
    const out: CommentInfo[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const q: string = `limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await this.listComments(videoId, q);
      if (res.status === 404) return null;
      if (res.status !== 200) throw new Error(`list comments ${videoId}: ${res.status} ${res.text().slice(0, 200)}`);
      const body = res.json();
      out.push(...body.comments);
      cursor = body.next_cursor ?? null;
      if (!cursor) return out;
    }
    throw new Error(`more than 100 pages of comments on ${videoId}`);
  }

  /** Every live video of a user, following next_cursor (bounded). */
  async allVideos(owner = this.name): Promise<VideoInfo[]> {
    const out: VideoInfo[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const q: string = `limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await this.listVideos(owner, q);
      if (res.status !== 200) throw new Error(`list videos ${owner}: ${res.status} ${res.text().slice(0, 200)}`);
      const body = res.json();
      out.push(...body.videos);
      cursor = body.next_cursor ?? null;
      if (!cursor) return out;
    }
    throw new Error(`more than 100 pages of videos of ${owner}`);
  }
}
