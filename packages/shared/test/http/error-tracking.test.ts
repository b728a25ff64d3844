import { describe, expect, it } from 'vitest';
import { errorTrackingRelease, scrubEvent, scrubText, scrubUrl, scrubValue } from '../../src/http/error-tracking.js';

describe('scrubUrl', () => {
  it.each([
    ['/files/abc?access_token=A&x=1', '/files/abc?access_token=[Filtered]&x=1'],
    ['/a?refresh_token=R', '/a?refresh_token=[Filtered]'],
    ['/a?token=T&session=S', '/a?token=[Filtered]&session=[Filtered]'],
    ['/oidc/cb?code=C&state=s', '/oidc/cb?code=[Filtered]&state=s'],
    ['/a?pwd=P#frag', '/a?pwd=[Filtered]#frag'],
    ['/plain/path', '/plain/path'],
  ])('%s', (input, expected) => {
    expect(scrubUrl(input)).toBe(expected);
  });
});

describe('scrubText', () => {
  it.each([
    ['failed with token=abc123 here', 'failed with token=[Filtered] here'],
    ['refresh_token: r-1, next', 'refresh_token: [Filtered], next'],
    ['header Authorization: Bearer eyJabc.def', 'header Authorization: Bearer [Filtered]'],
    ['sent Bearer eyJabc.def', 'sent Bearer [Filtered]'],
    ['pwd=hunter2&x=1', 'pwd=[Filtered]&x=1'],
    ['video 0192 not found', 'video 0192 not found'],
  ])('%s', (input, expected) => {
    expect(scrubText(input)).toBe(expected);
  });
});

describe('scrubValue', () => {
  it('replaces secret-looking keys at any depth and leaves the rest', () => {
    const out = scrubValue({
      pwd: 'p', old_pwd: 'o', password: 'w', refresh_token: 'r', 'X-Session-Id': 's', Authorization: 'b', cookie: 'c',
      nested: { list: [{ access_token: 'a', ok: 1 }], url: 'http://h/x?token=t' },
      video_id: 'v',
    });
    expect(out).toEqual({
      pwd: '[Filtered]', old_pwd: '[Filtered]', password: '[Filtered]', refresh_token: '[Filtered]',
      'X-Session-Id': '[Filtered]', Authorization: '[Filtered]', cookie: '[Filtered]',
      nested: { list: [{ access_token: '[Filtered]', ok: 1 }], url: 'http://h/x?token=[Filtered]' },
      video_id: 'v',
    });
  });
});

describe('scrubEvent', () => {
  it('drops bodies, cookies and credentials, keeps method, url and harmless headers', () => {
    const event = scrubEvent({
      request: {
        method: 'POST',
        url: 'http://h/user/x?token=t',
        data: '{"pwd":"p"}',
        cookies: { session: 's' },
        query_string: 'token=t',
        headers: { 'x-session-id': 's', cookie: 'session=s', authorization: 'Bearer b', 'user-agent': 'ua' },
      },
      user: { id: 7, email: 'e@x', ip_address: '1.2.3.4' },
      extra: { body: { pwd: 'p' } },
      message: 'login failed for session=s-1',
      exception: { values: [{ type: 'Error', value: 'upstream said token=t-1' }] },
    });
    expect(event.message).toBe('login failed for session=[Filtered]');
    expect(event.exception?.values?.[0]?.value).toBe('upstream said token=[Filtered]');
    expect(event.request).toEqual({
      method: 'POST',
      url: 'http://h/user/x?token=[Filtered]',
      headers: { 'x-session-id': '[Filtered]', cookie: '[Filtered]', authorization: '[Filtered]', 'user-agent': 'ua' },
    });
    expect(event.user).toEqual({ id: 7 });
    expect(event.extra).toEqual({ body: { pwd: '[Filtered]' } });
  });
});

describe('errorTrackingRelease', () => {
  it('is SENTRY_RELEASE when set, else the package version', () => {
    expect(errorTrackingRelease({ SENTRY_RELEASE: 'abc123' })).toBe('abc123');
    expect(errorTrackingRelease({})).toMatch(/^video-site@\d+\.\d+\.\d+/);
  });
});
