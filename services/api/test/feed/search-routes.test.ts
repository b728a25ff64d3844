import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, signUp, uniqueName, type TestApp } from '../helper.js';
import { ROOMY_LIMITS, allPages, getAs, idsOf, patchVideo, publish, token, type User } from '../fixtures/public-site.js';

describe.each(testDialects())('GET /search on %s', (dialect) => {
  let t: TestApp;
  let alice: User;

  beforeAll(async () => {
    t = await buildTestApp(dialect, ROOMY_LIMITS);
    alice = await signUp(t.app, uniqueName('alice'));
  });
  afterAll(async () => t?.close());

  const search = async (q: string) => {
    const res = await getAs(t, `/search?q=${encodeURIComponent(q)}&limit=200`);
    expect(res.statusCode, res.body).toBe(200);
    return idsOf((res.json() as { videos: { id: string }[] }).videos);
  };

  it('a substring of CJK text matches, in the name, the tags and the description', async () => {
    const mark = token();
    const inName = await publish(t, alice, { name: `我的猫咪 ${mark}` });
    const inTags = await publish(t, alice, { name: mark, tags: ['小猫咪们'] });
    const inDescription = await publish(t, alice, { name: mark, description: '今天和猫一起玩' });
    const dog = await publish(t, alice, { name: `我的小狗 ${mark}` });
    for (const q of ['猫', `猫 ${mark}`]) {
      const hits = await search(q);
      expect(hits, q).toEqual(expect.arrayContaining([inName.id, inTags.id, inDescription.id]));
      expect(hits, q).not.toContain(dog.id);
    }
    expect((await search(`猫咪 ${mark}`)).sort()).toEqual([inName.id, inTags.id].sort());
    expect(await search(`我的猫咪 ${mark}`)).toEqual([inName.id]);
  });

  it('accents and case do not matter either way', async () => {
    const mark = token();
    const cafe = await publish(t, alice, { name: `Café ${mark}` });
    const plain = await publish(t, alice, { name: `CAFE ${mark}`, tags: ['Crème Brûlée'] });
    expect(await search(`cafe ${mark}`)).toEqual(expect.arrayContaining([cafe.id, plain.id]));
    expect((await search(`CAFÉ ${mark}`)).sort()).toEqual([cafe.id, plain.id].sort());
    expect(await search(`creme brulee ${mark}`)).toEqual([plain.id]);
  });

  it('every word must match, in any field, in any order', async () => {
    const [a, b] = [token('a'), token('b')];
    const both = await publish(t, alice, { name: `${a} clip`, description: `with ${b}` });
    const onlyA = await publish(t, alice, { name: `${a} clip` });
    await publish(t, alice, { name: `${b} clip` });
    expect(await search(`${b} ${a}`)).toEqual([both.id]);
    expect((await search(a)).sort()).toEqual([both.id, onlyA.id].sort());
    expect(await search(`${a} nosuchwordanywhere`)).toEqual([]);
  });

  it('every word of a long query must match, the ninth and a word past 64 characters too', async () => {
    const words = Array.from({ length: 8 }, () => token('w'));
    const v = await publish(t, alice, { name: words.join(' ') });
    expect(await search(words.join(' '))).toEqual([v.id]);
    expect(await search([...words, 'missingninth'].join(' '))).toEqual([]);
    const long = `${'x'.repeat(64)}${token()}`;
    const cut = await publish(t, alice, { name: long.slice(0, 64) });
    const whole = await publish(t, alice, { name: long });
    expect(await search(long)).toEqual([whole.id]);
    expect(await search(long.slice(0, 64))).toEqual([whole.id, cut.id]);
  });

  it('a query of 100 one-character words is answered, and matched by a video holding them all', async () => {
    const chars = Array.from({ length: 100 }, (_, i) => String.fromCodePoint(0x4e00 + 7 * i));
    const v = await publish(t, alice, { name: chars.slice(0, 50).join(''), description: chars.slice(50).join('') });
    expect(await search(chars.join(' '))).toEqual([v.id]);
  });

  it("the author's name matches", async () => {
    const carol = await signUp(t.app, uniqueName('carolsearch'));
    const v = await publish(t, carol, { name: 'untitled' });
    expect(await search(carol.name)).toEqual([v.id]);
  });

  it('best first: name over tags over description, newest first among equals', async () => {
    const w = token();
    const inDescription = await publish(t, alice, { name: 'd', description: `about ${w}` });
    const inName = await publish(t, alice, { name: `the ${w} show` });
    const inTags = await publish(t, alice, { name: 't', tags: [w] });
    const inNameNewer = await publish(t, alice, { name: `${w} again` });
    expect(await search(w)).toEqual([inNameNewer.id, inName.id, inTags.id, inDescription.id]);
  });

  it('only public videos that have a file', async () => {
    const w = token();
    const shown = await publish(t, alice, { name: w });
    await publish(t, alice, { name: w }, false);
    await publish(t, alice, { name: w, privacy: 'unlisted' });
    await publish(t, alice, { name: w, privacy: 'private' });
    expect(await search(w)).toEqual([shown.id]);
  });

  it('follows an edit of the name, tags, description and privacy at once', async () => {
    const [before, after] = [token('before'), token('after')];
    const v = await publish(t, alice, { name: before });
    expect(await search(before)).toEqual([v.id]);
    await patchVideo(t, alice, v.id, { name: after });
    expect(await search(before)).toEqual([]);
    expect(await search(after)).toEqual([v.id]);
    const tag = token('tag');
    await patchVideo(t, alice, v.id, { tags: [tag], description: `${before} again` });
    expect(await search(tag)).toEqual([v.id]);
    expect(await search(before)).toEqual([v.id]);
    await patchVideo(t, alice, v.id, { privacy: 'unlisted' });
    expect(await search(after)).toEqual([]);
    await patchVideo(t, alice, v.id, { privacy: 'public' });
    expect(await search(after)).toEqual([v.id]);
  });

  it('a deleted video leaves the results at once', async () => {
    const w = token();
    const v = await publish(t, alice, { name: w });
    expect(await search(w)).toEqual([v.id]);
    const res = await t.app.inject({ method: 'DELETE', url: `/user/${alice.name}/videos/${v.id}`, headers: { 'x-session-id': alice.sid } });
    expect(res.statusCode).toBe(204);
    expect(await search(w)).toEqual([]);
  });

  it('paging with the cursor returns each hit once, in the order of one big page', async () => {
    const w = token();
    for (let i = 0; i < 4; i += 1) await publish(t, alice, { name: `${w} ${i}` });
    for (let i = 0; i < 3; i += 1) await publish(t, alice, { name: `x${i}`, tags: [w] });
    for (let i = 0; i < 2; i += 1) await publish(t, alice, { name: `y${i}`, description: w });
    const whole = await search(w);
    expect(whole).toHaveLength(9);
    for (const limit of [1, 2, 4]) {
      const paged = idsOf(await allPages(t, `/search?q=${w}&limit=${limit}`));
      expect(paged, `limit ${limit}`).toEqual(whole);
    }
  });

  it('SQL and LIKE metacharacters are text', async () => {
    const w = token();
    const v = await publish(t, alice, { name: `100% ${w}_x` });
    await publish(t, alice, { name: `100 ${w}ax` });
    expect(await search(`% ${w}_x`)).toEqual([v.id]);
    for (const q of ["' or 1=1 --", '"', '*', 'a"b', '%', '_', '\\']) {
      const res = await getAs(t, `/search?q=${encodeURIComponent(q)}`);
      expect(res.statusCode, q).toBe(200);
    }
  });
});
