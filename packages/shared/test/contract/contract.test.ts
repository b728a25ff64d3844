import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  AppError,
  ErrorCodes,
  isSessionId,
  isUploadId,
  isVideoId,
  preconditionFailed,
  rangeNotSatisfiable,
  sessionIdFromHeaders,
} from '../../src/contract/index.js';
import { baseServerOptions, commonPlugin, createErrorHandler } from '../../src/http/index.js';

describe('ids', () => {
  it.each([
    ['0190b7c2-3f4e-7a00-8000-000000000001', true],
    ['abc_DEF-123', true],
    ['a'.repeat(64), true],
    ['a'.repeat(65), false],
    ['', false],
    ['../etc', false],
    ['a b', false],
    [42, false],
  ])('isVideoId(%j) is %s', (id, ok) => expect(isVideoId(id)).toBe(ok));

  it('tells session and upload ids', () => {
    expect(isSessionId('0190B7C2-3F4E-7A00-8000-000000000001')).toBe(true);
    expect(isSessionId('0190b7c2-3f4e-7a00-8000-00000000001')).toBe(false);
    expect(isUploadId('0123456789abcdef0123456789abcdef')).toBe(true);
    expect(isUploadId('0123456789ABCDEF0123456789abcdef')).toBe(false);
  });
});

describe('sessionIdFromHeaders', () => {
  it.each([
    [{ 'x-session-id': ' s1 ' }, 's1'],
    [{ 'x-session-id': 's1', cookie: 'session=s2' }, 's1'],
    [{ 'x-session-id': '  ', cookie: 'a=1; session=s%202' }, 's 2'],
    [{ cookie: 'sessionx=1; session=' }, undefined],
    [{ cookie: 'session=%E0%A4%A' }, undefined],
    [{}, undefined],
  ])('%j gives %j', (headers, want) => expect(sessionIdFromHeaders(headers)).toBe(want));
});

describe('errors with a status of their own', () => {
  it('412 and 416 keep the table code 001 and say why', () => {
    const pre = preconditionFailed('changed');
    expect([pre.statusCode, pre.errorCode]).toEqual([412, ErrorCodes.BAD_REQUEST.code]);
    const range = rangeNotSatisfiable(10);
    expect([range.statusCode, range.errorCode, range.headers['content-range']]).toEqual([416, '001', 'bytes */10']);
  });

  it('one handler answers in either body format', async () => {
    const app = Fastify(baseServerOptions({ log_level: 'silent' }, 'test', { logger: false }));
    await app.register(commonPlugin, { service: 'test' });
    app.get('/plain', async () => {
      throw preconditionFailed('changed');
    });
    await app.register(async (scope) => {
      scope.setErrorHandler(createErrorHandler({ format: 'dplayer' }));
      scope.get('/dplayer', async () => {
        throw new AppError('FORBIDDEN', 'not yours');
      });
    });
    const plain = await app.inject('/plain');
    expect([plain.statusCode, plain.json()]).toEqual([412, { error: 'changed', error_code: '001' }]);
    const dp = await app.inject('/dplayer');
    expect([dp.statusCode, dp.json()]).toEqual([403, { code: 1, msg: 'not yours', error: 'not yours', error_code: '005' }]);
    await app.close();
  });
});
