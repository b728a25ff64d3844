import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { AppError, baseServerOptions, commonPlugin, registerHealth } from '../../src/index.js';

async function app() {
  const a = Fastify(baseServerOptions({ log_level: 'silent' }, 'test', { logger: false }));
  await a.register(commonPlugin, { service: 'test' });
  a.get('/x/:id', async (req) => ({ id: (req.params as { id: string }).id }));
  a.post('/body', { schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'string' } } } } }, async () => ({ ok: true }));
  a.get('/boom', async () => {
    throw new Error('secret internals');
  });
  a.get('/coded', async () => {
    throw new AppError('CONFLICT', 'taken');
  });
  registerHealth(a, async () => {
    throw new Error('down');
  });
  return a;
}

describe('commonPlugin and baseServerOptions', () => {
  it.each([
    ['a parameter too long for the router', 'GET', `/x/${'a'.repeat(3000)}`, 400, '001'],
    ['bad percent-encoding', 'GET', '/x/%E0%A4%A', 400, '001'],
    ['no route', 'GET', '/nope', 404, '006'],
    ['a thrown internal error, without its message', 'GET', '/boom', 500, '004'],
    ['a coded error', 'GET', '/coded', 409, '007'],
    ['a dependency down in /healthz', 'GET', '/healthz', 503, '011'],
  ])('%s → %i %s', async (_name, method, url, status, code) => {
    const a = await app();
    const res = await a.inject({ method: method as 'GET', url });
    expect(res.statusCode).toBe(status);
    expect(res.json().error_code).toBe(code);
    expect(res.body).not.toContain('secret internals');
    expect(res.headers['x-request-id']).toBeTruthy();
    await a.close();
  });

  it.each([
    ['a number where a string belongs', JSON.stringify({ n: 1 }), 'application/json', 400, '001'],
    ['malformed JSON', '{"n":', 'application/json', 400, '001'],
    ['an unsupported content type', '<n>1</n>', 'application/xml', 415, '010'],
    ['plain text where JSON belongs', 'n=1', 'text/plain', 400, '001'],
    ['a body over 1 MiB', JSON.stringify({ n: 'x'.repeat(1024 * 1024 + 10) }), 'application/json', 413, '009'],
  ])('body: %s → %i %s', async (_name, payload, type, status, code) => {
    const a = await app();
    const res = await a.inject({ method: 'POST', url: '/body', payload, headers: { 'content-type': type } });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ error_code: code });
    expect(typeof res.json().error).toBe('string');
    await a.close();
  });

  it('echoes a sane X-Request-Id and replaces an odd one', async () => {
    const a = await app();
    const ok = await a.inject({ url: '/x/1', headers: { 'x-request-id': 'abc-123' } });
    expect(ok.headers['x-request-id']).toBe('abc-123');
    const odd = await a.inject({ url: '/x/1', headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(odd.headers['x-request-id']).not.toBe('bad id\twith spaces');
    await a.close();
  });
});
