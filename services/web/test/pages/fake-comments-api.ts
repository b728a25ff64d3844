// Comment threads for the fake api's `cats` video: a pinned top-level comment by its owner anna
// with a reply, one by bob mentioning anna; replies, edits and pins as the contract has them.
import type { FastifyInstance } from 'fastify';
import { socialUser } from './fake-social-api.js';

interface FakeComment {
  id: string;
  video_id: string;
  author: string;
  author_id: number;
  content: string;
  time: string;
  parent_id: string | null;
  replies_count: number;
  edited_time: string | null;
  pinned: boolean;
}

const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
const comment = (id: string, author: string, content: string, extra: Partial<FakeComment> = {}): FakeComment => ({
  id, video_id: 'cats', author, author_id: author === 'anna' ? 1 : 2, content, time: at(30), parent_id: null, replies_count: 0, edited_time: null, pinned: false, ...extra,
});

export function commentRoutes(app: FastifyInstance): void {
  const all: FakeComment[] = [
    comment('c1', 'anna', 'Welcome! Ask @bob about the <dogs>.', { pinned: true, replies_count: 1, time: at(90) }),
    comment('c2', 'bob', 'Great video @anna, thanks.', { time: at(20) }),
    comment('r1', 'bob', 'They are friendly.', { parent_id: 'c1', time: at(60) }),
  ];
  const err = (code: string, error: string) => ({ error, error_code: code });
  app.get('/videos/:id/comments', async () => {
    const top = all.filter((c) => !c.parent_id).sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.time.localeCompare(a.time));
    return { comments: top, next_cursor: null };
  });
  app.get('/videos/:id/comments/:cid/replies', async (request) => {
    const { cid } = request.params as { cid: string };
    return { comments: all.filter((c) => c.parent_id === cid).sort((a, b) => a.time.localeCompare(b.time)), next_cursor: null };
  });
  app.post('/videos/:id/comments', async (request, reply) => {
    const user = socialUser(request);
    if (!user) return reply.code(401).send(err('002', 'sign in'));
    const { content, parent_id } = request.body as { content: string; parent_id?: string };
    const parent = parent_id ? all.find((c) => c.id === parent_id && !c.parent_id) : undefined;
    if (parent_id && !parent) return reply.code(400).send(err('001', 'parent_id is not a top-level comment'));
    const made = comment(`k${all.length + 1}`, user, content.trim(), { parent_id: parent_id ?? null, time: new Date().toISOString() });
    all.push(made);
    if (parent) parent.replies_count++;
    return reply.code(201).send(made);
  });
  app.patch('/videos/:id/comments/:cid', async (request, reply) => {
    const found = all.find((c) => c.id === (request.params as { cid: string }).cid);
    if (!found) return reply.code(404).send(err('006', 'no such comment'));
    if (found.author !== socialUser(request)) return reply.code(403).send(err('005', 'not yours'));
    Object.assign(found, { content: (request.body as { content: string }).content.trim(), edited_time: new Date().toISOString() });
    return found;
  });
  app.route({
    method: ['PUT', 'DELETE'],
    url: '/videos/:id/comments/:cid/pin',
    handler: async (request, reply) => {
      if (socialUser(request) !== 'anna') return reply.code(403).send(err('005', 'only the video’s owner pins'));
      const { cid } = request.params as { cid: string };
      for (const c of all) c.pinned = request.method === 'PUT' ? c.id === cid : c.pinned && c.id !== cid;
      return reply.code(204).send();
    },
  });
}
