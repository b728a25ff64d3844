import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildWeb, startFakeApi, type FakeApi } from '../helper.js';

let api: FakeApi;
let web: FastifyInstance;
const form = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html,application/xhtml+xml' };

beforeAll(async () => {
  api = await startFakeApi();
  web = await buildWeb({ api_url: api.url });
  api.users.set('nora', 'secret1');
});
afterAll(async () => {
  await web?.close();
  await api?.close();
});

describe('a form started on a watch page goes back to it', () => {
  it('sign-in and sign-up go back to /v/<id>', async () => {
    const signin = await web.inject({ method: 'POST', url: '/signin', headers: form, payload: 'user_name=nora&pwd=secret1&next=%2Fv%2Fabc-123' });
    expect(signin.statusCode).toBe(303);
    expect(signin.headers.location).toBe('/v/abc-123');
    const signup = await web.inject({ method: 'POST', url: '/signup', headers: form, payload: 'user_name=olga&pwd=secret1&next=%2Fv%2Fxyz' });
    expect(signup.headers.location).toBe('/v/xyz');
  });

  it('a failed sign-in goes to the home page with the error and the way back', async () => {
    const res = await web.inject({ method: 'POST', url: '/signin', headers: form, payload: 'user_name=nora&pwd=wrong-one&next=%2Fv%2Fabc' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/?form=signin&error=002&next=%2Fv%2Fabc');
    const page = await web.inject({ url: res.headers.location as string });
    expect(page.body).toContain('<input type="hidden" name="next" value="/v/abc">');
  });

  it.each(['//evil.example/v/x', 'https://evil.example/', '/userhome', '/v/a/../../x', '/v/a%0d%0aSet-Cookie:x'])(
    'next=%s is ignored: the studio, as without it',
    async (next) => {
      const res = await web.inject({ method: 'POST', url: '/signin', headers: form, payload: `user_name=nora&pwd=secret1&next=${encodeURIComponent(next)}` });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/userhome');
    },
  );

  it('a script call answers JSON whatever next says (the page itself goes back)', async () => {
    const res = await web.inject({ method: 'POST', url: '/signin', payload: { user_name: 'nora', pwd: 'secret1', next: '/v/abc' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, user_name: 'nora' });
  });
});
