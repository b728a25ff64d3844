import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { markVideoUploaded, type DialectName } from '@video/shared';
import { redisForTests, testDialects } from '@video/shared/testing';
import { signUp, uniqueName } from '../helper.js';
import { REDIS_URL, bodyOf, cacheSite, primed, visit, type CacheSite } from './read-cache-kit.js';

const hasRedis = await redisForTests('read cache over Redis');
/** Nothing listens on port 1: a Redis that is down. */
const DOWN_REDIS = 'redis://127.0.0.1:1/?prefix=wtcache:down:';

const sites: CacheSite[] = [];
afterEach(async () => {
  for (const s of sites.splice(0)) await s.close();
});
async function site(...args: Parameters<typeof cacheSite>): Promise<CacheSite> {
  const s = await cacheSite(...args);
  sites.push(s);
  return s;
}

async function publishVia(s: CacheSite, owner: { name: string; sid: string }, name: string): Promise<string> {
  const res = await s.app.inject({ method: 'POST', url: `/user/${owner.name}/videos`, headers: { 'x-session-id': owner.sid }, payload: { name, description: 'd'.repeat(400) } });
  const id = bodyOf<{ id: string }>(res, 201).id;
  await markVideoUploaded(s.db.kysely, id, { size: 1, content_type: 'video/mp4' }, Date.now());
  return id;
}

describe('read cache bounds (sqlite)', () => {
  it('stays within api_read_cache_mb, evicting the least recently used answers first', async () => {
    const s = await site('sqlite', { cacheMb: 1 });
    const owner = await signUp(s.app, uniqueName('own'));
    for (let i = 0; i < 50; i++) await publishVia(s, owner, `video ${i}`);
    const page = (i: number) => `/videos?limit=50&n=${i}`;
    const first = await visit(s.app, page(0));
    expect(first.body.length).toBeGreaterThan(20_000);
    for (let i = 1; i < 100; i++) expect((await visit(s.app, page(i))).statusCode).toBe(200);
    const stats = s.app.readCacheStats?.();
    expect(stats?.maxBytes).toBe(1024 * 1024);
    expect(stats?.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(stats?.entries).toBeLessThan(100);
    expect(stats?.entries).toBeGreaterThan(10);
    expect((await visit(s.app, page(99))).headers['x-cache']).toBe('hit');
    expect((await visit(s.app, page(0))).headers['x-cache']).toBe('miss');
  });

  it('0 turns it off', async () => {
    const s = await site('sqlite', { cacheMb: 0 });
    await visit(s.app, '/videos');
    expect((await visit(s.app, '/videos')).headers['x-cache']).toBeUndefined();
    expect(s.app.readCacheStats).toBeUndefined();
  });

  it('counts hits and misses on /metrics', async () => {
    const s = await site('sqlite');
    await primed(s.app, '/videos?limit=7');
    const metrics = (await visit(s.app, '/metrics')).body;
    expect(metrics).toMatch(/api_read_cache_requests_total\{result="hit"\} [1-9]/);
    expect(metrics).toMatch(/api_read_cache_requests_total\{result="miss"\} [1-9]/);
  });
});

describe.runIf(testDialects().includes('mysql'))('read cache on MySQL without a working Redis', () => {
  it('without redis_url the cache is off: every read is computed', async () => {
    const s = await site('mysql', { redisUrl: '' });
    await visit(s.app, '/videos');
    expect((await visit(s.app, '/videos')).headers['x-cache']).toBeUndefined();
    expect(s.app.readCacheStats).toBeUndefined();
  });

  it('with Redis down every read is answered, uncached and fresh, never a 5xx', async () => {
    const s = await site('mysql', { redisUrl: DOWN_REDIS });
    const owner = await signUp(s.app, uniqueName('own'));
    const id = await publishVia(s, owner, 'before');
    for (let i = 0; i < 3; i++) {
      const res = await visit(s.app, `/videos/${id}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-cache']).toBeUndefined();
    }
    await s.other.kysely.updateTable('video_info').set({ name: 'after' }).where('id', '=', id).execute();
    expect(bodyOf<{ name: string }>(await visit(s.app, `/videos/${id}`)).name).toBe('after');
  });
});

const pairDialects: DialectName[] = testDialects().filter((d) => d === 'sqlite' || hasRedis);

describe.each(pairDialects)('two api instances on one database (%s)', (dialect) => {
  it('a write on one is seen by the next read on the other, over real sockets', async () => {
    const redisUrl = dialect === 'mysql' ? REDIS_URL : '';
    const a = await site(dialect, { redisUrl });
    const b = await site(dialect, { redisUrl, sameDatabaseAs: a });
    const owner = await signUp(a.app, uniqueName('own'));
    const id = await publishVia(a, owner, 'first name');
    const [baseA, baseB] = await Promise.all(
      [a, b].map(async (s) => {
        await s.app.listen({ port: 0, host: '127.0.0.1' });
        return `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
      }),
    );
    let cached = false;
    for (let i = 0; i < 50 && !cached; i++) {
      const res = await fetch(`${baseB}/videos/${id}`);
      await res.arrayBuffer();
      cached = res.headers.get('x-cache') === 'hit';
    }
    expect(cached).toBe(true);
    const edit = await fetch(`${baseA}/user/${owner.name}/videos/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-session-id': owner.sid },
      body: JSON.stringify({ name: 'second name' }),
    });
    expect(edit.status).toBe(200);
    const after = await fetch(`${baseB}/videos/${id}`);
    expect(((await after.json()) as { name: string }).name).toBe('second name');
    expect(after.headers.get('x-cache')).not.toBe('hit');
  });
});
