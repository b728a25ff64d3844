import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { encodeCursor } from '@video/shared';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, expectError, signUp, uniqueName, type TestApp } from '../helper.js';
import { ROOMY_LIMITS, allPages, getAs, idsOf, patchVideo, publish, withSession, type User } from '../fixtures/public-site.js';

type Rss = { rss: { '@_version': string; channel: { title: string; link: string; description: string; item?: RssItem | RssItem[] } } };
type RssItem = { title: string; link: string; guid: { '#text': string; '@_isPermaLink': string }; pubDate: string; description: string; enclosure?: { '@_url': string; '@_type': string } };

describe.each(testDialects())('subscription feed and RSS on %s', (dialect) => {
  let t: TestApp;
  let me: User;
  let bob: User;
  let carol: User;
  let dave: User;
  let feedIds: string[];
  let time = 1_700_000_000_000;

  /** A video with a distinct create_time, so "newest first" is one order (two share one for the id tie-break). */
  const video = async (u: User, body: Parameters<typeof publish>[2] = {}, ready = true, sameTime = false) => {
    const v = await publish(t, u, body, ready);
    if (!sameTime) time += 60_000;
    await t.db.kysely.updateTable('video_info').set({ create_time: time }).where('id', '=', v.id).execute();
    return v.id;
  };
  const rssOf = (body: string) => new XMLParser({ ignoreAttributes: false, processEntities: true, parseTagValue: false }).parse(body) as Rss;
  const items = (r: Rss) => {
    const i = r.rss.channel.item;
    return i === undefined ? [] : Array.isArray(i) ? i : [i];
  };

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    [me, bob, carol, dave] = [await signUp(t.app, uniqueName('me')), await signUp(t.app, uniqueName('bob')), await signUp(t.app, uniqueName('carol')), await signUp(t.app, uniqueName('dave'))];
    for (const u of [bob, carol]) {
      const res = await t.app.inject({ method: 'PUT', url: `/user/${me.name}/following/${u.name}`, headers: withSession(me.sid) });
      expect(res.statusCode).toBe(204);
    }
    const listed: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      listed.push(await video(bob, { name: `bob ${i}` }));
      listed.push(await video(carol, { name: `carol ${i}` }, true, i === 2));
      await video(dave, { name: `dave ${i}` });
    }
    await video(bob, { privacy: 'private' });
    await video(bob, { privacy: 'unlisted' });
    await video(carol, {}, false);
    const gone = await video(carol);
    await t.db.kysely.updateTable('video_info').set({ deleted_at: time }).where('id', '=', gone).execute();
    const rows = await t.db.kysely.selectFrom('video_info').select(['id', 'create_time']).where('id', 'in', listed).execute();
    feedIds = rows.sort((a, b) => Number(b.create_time) - Number(a.create_time) || (a.id < b.id ? 1 : -1)).map((r) => r.id);
  });
  afterAll(async () => t?.close());

  describe('4xx', () => {
    it.each<[string, () => string, string | undefined, number, string]>([
      ['feed without a session', () => `/user/${me.name}/feed`, undefined, 401, '002'],
      ["another user's feed", () => `/user/${me.name}/feed`, 'bob', 403, '005'],
      ['feed limit 0', () => `/user/${me.name}/feed?limit=0`, 'me', 400, '001'],
      ['feed limit 201', () => `/user/${me.name}/feed?limit=201`, 'me', 400, '001'],
      ['feed limit 1e309', () => `/user/${me.name}/feed?limit=1e309`, 'me', 400, '001'],
      ['feed cursor garbage', () => `/user/${me.name}/feed?cursor=%00`, 'me', 400, '001'],
      ['feed cursor of another list kind', () => `/user/${me.name}/feed?cursor=${encodeCursor({ time: 1, id: 'x' }, 'feed-views')}`, 'me', 400, '001'],
      ['RSS of an unknown user', () => '/user/nobody-here-x/videos.rss', undefined, 404, '006'],
    ])('%s', async (_label, url, who, status, code) => {
      expectError(await getAs(t, url(), who === 'me' ? me.sid : who === 'bob' ? bob.sid : undefined), status, code);
    });
  });

  it('shows only public, ready, live videos of followed authors, newest first, across pages without repeats or gaps', async () => {
    expect(feedIds).toHaveLength(8);
    for (const limit of [1, 3, 8, 50]) {
      expect(idsOf(await allPages(t, `/user/${me.name}/feed?limit=${limit}`, { sid: me.sid }))).toEqual(feedIds);
    }
    const first = (await getAs(t, `/user/${me.name}/feed?limit=1`, me.sid)).json() as { videos: { author: string; privacy: string; upload_state: string }[] };
    expect(first.videos[0]).toMatchObject({ privacy: 'public', upload_state: 'ready' });
    expect([bob.name, carol.name]).toContain(first.videos[0]!.author);
  });

  it('is empty for someone who follows nobody, and drops an unfollowed author', async () => {
    expect(idsOf(await allPages(t, `/user/${dave.name}/feed`, { sid: dave.sid }))).toEqual([]);
    await t.app.inject({ method: 'PUT', url: `/user/${dave.name}/following/${carol.name}`, headers: withSession(dave.sid) });
    const carolOnly = idsOf(await allPages(t, `/user/${dave.name}/feed`, { sid: dave.sid }));
    expect(carolOnly).toHaveLength(4);
    await t.app.inject({ method: 'DELETE', url: `/user/${dave.name}/following/${carol.name}`, headers: withSession(dave.sid) });
    expect(idsOf(await allPages(t, `/user/${dave.name}/feed`, { sid: dave.sid }))).toEqual([]);
  });

  it('a video made private or unlisted leaves the feed and the RSS at once, and comes back when public', async () => {
    const [top] = feedIds;
    const owner = (await getAs(t, `/videos/${top}`)).json() as { author: string };
    const author = owner.author === bob.name ? bob : carol;
    const rssIds = async () => (await getAs(t, `/user/${author.name}/videos.rss`)).body;
    for (const privacy of ['private', 'unlisted'] as const) {
      await patchVideo(t, author, top!, { privacy });
      expect(idsOf(await allPages(t, `/user/${me.name}/feed?limit=3`, { sid: me.sid }))).toEqual(feedIds.slice(1));
      expect(await rssIds()).not.toContain(top);
    }
    await patchVideo(t, author, top!, { privacy: 'public' });
    expect(idsOf(await allPages(t, `/user/${me.name}/feed?limit=3`, { sid: me.sid }))).toEqual(feedIds);
    expect(await rssIds()).toContain(top);
  });

  it('RSS: a well-formed RSS 2.0 document of the public videos with a file, newest first, everything escaped', async () => {
    const nasty = `<b>Tom & "Jerry"</b> it's ]]> </item>`;
    const id = await video(bob, { name: nasty, description: `desc ${nasty}\u0001` });
    await t.db.kysely.updateTable('video_info').set({ poster: `/videos/${id}/poster.jpg?a=1&b=2` }).where('id', '=', id).execute();
    const res = await t.app.inject({ method: 'GET', url: `/user/${bob.name}/videos.rss`, headers: { host: 'Example.test:8080' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(XMLValidator.validate(res.body)).toBe(true);
    const doc = rssOf(res.body);
    expect(doc.rss['@_version']).toBe('2.0');
    expect(doc.rss.channel).toMatchObject({ title: bob.name, link: `http://example.test:8080/u/${bob.name}` });
    const list = items(doc);
    expect(list.map((i) => i.title)).toEqual([nasty, 'bob 3', 'bob 2', 'bob 1', 'bob 0']);
    const [top] = list;
    expect(top).toMatchObject({ link: `http://example.test:8080/v/${id}`, guid: { '#text': `http://example.test:8080/v/${id}`, '@_isPermaLink': 'true' }, description: `desc ${nasty}` });
    expect(top!.enclosure).toEqual({ '@_url': `http://example.test:8080/videos/${id}/poster.jpg?a=1&b=2`, '@_type': 'image/jpeg', '@_length': '0' });
    expect(new Date(top!.pubDate).getTime()).toBe(time);
    expect(top!.pubDate).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(list[1]!.enclosure).toBeUndefined();
  });

  it('RSS: at most 50 items; links use the configured address when Host is not a plain host', async () => {
    const prolific = await signUp(t.app, uniqueName('many'));
    for (let i = 0; i < 52; i += 1) await video(prolific, { name: `n${i}` });
    const res = await t.app.inject({ method: 'GET', url: `/user/${prolific.name}/videos.rss`, headers: { host: 'evil.test/<x>' } });
    expect(res.statusCode).toBe(200);
    const list = items(rssOf(res.body));
    expect(list).toHaveLength(50);
    expect(list[0]!.title).toBe('n51');
    expect(list[0]!.link.startsWith(`http://${t.config.host}:${t.config.web_port}/v/`)).toBe(true);
    const daves = await getAs(t, `/user/${dave.name}/videos.rss`);
    expect(XMLValidator.validate(daves.body)).toBe(true);
    expect(items(rssOf(daves.body)).map((i) => i.title)).toEqual(['dave 3', 'dave 2', 'dave 1', 'dave 0']);
  });
});
