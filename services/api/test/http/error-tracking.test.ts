import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorTrackingRelease, flushErrorTracking, initErrorTracking } from '@video/shared';
import { openTestDb, startEnvelopeCollector, testConfig, testDialects, type EnvelopeCollector } from '@video/shared/testing';
import { buildApp } from '../../src/app.js';

// Distinct values, so a hit anywhere in the raw envelope text is a leak.
const SECRETS = {
  session: 'sid-0f3c2a9e-5b1d-4c67-9a11-7e2d3b4c5a61',
  cookie: 'cookie-sid-77aa11bb22cc',
  bearer: 'bearer-token-9911aa',
  access: 'access-token-5521bb',
  refresh: 'refresh-token-8833cc',
  plain: 'query-token-1122dd',
  pwd: 'pwd-Correct-Horse-42',
  oldPwd: 'old-pwd-Battery-17',
  password: 'password-Staple-99',
};

function secretHeaders() {
  return {
    'x-session-id': SECRETS.session,
    cookie: `session=${SECRETS.cookie}; theme=dark`,
    authorization: `Bearer ${SECRETS.bearer}`,
  };
}

const secretQuery = `access_token=${SECRETS.access}&refresh_token=${SECRETS.refresh}&token=${SECRETS.plain}`;

function expectScrubbed(text: string): void {
  for (const [name, value] of Object.entries(SECRETS)) expect(text.includes(value), `${name} leaked`).toBe(false);
}

let collector: EnvelopeCollector;

beforeAll(async () => {
  collector = await startEnvelopeCollector();
  expect(await initErrorTracking({ sentry_dsn: collector.dsn }, 'api')).toBe(true);
});

afterAll(async () => {
  await flushErrorTracking();
  await collector.close();
});

describe.each(testDialects())('error tracking on %s', (dialect) => {
  it('reports a thrown 5xx with request id, service and release, and nothing secret', async () => {
    const { db, close } = await openTestDb(dialect);
    const app = await buildApp(testConfig(), { logger: false, db });
    // A route that exists only in this test app: the one way to make a healthy api throw.
    app.post('/test-only/boom', async () => {
      throw new Error(`boom on ${dialect}`);
    });
    await app.ready();
    try {
      const res = await app.inject({
        method: 'POST',
        url: `/test-only/boom?${secretQuery}`,
        headers: secretHeaders(),
        payload: { pwd: SECRETS.pwd, old_pwd: SECRETS.oldPwd, password: SECRETS.password },
      });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toMatchObject({ error_code: '004' });
      const requestId = String(res.headers['x-request-id']);
      const text = await collector.waitFor((t) => t.includes(`boom on ${dialect}`));
      expect(text).toContain(`"request_id":"${requestId}"`);
      expect(text).toContain('"service":"api"');
      expect(text).toContain(`"release":"${errorTrackingRelease()}"`);
      expect(text).toContain('/test-only/boom?access_token=[Filtered]');
      expectScrubbed(text);
    } finally {
      await app.close();
      await close();
    }
  });

  it('reports a sign-in that fails on a closed database, without its password', async () => {
    const { db, close } = await openTestDb(dialect);
    const app = await buildApp(testConfig(), { logger: false, db });
    await app.ready();
    try {
      await db.close();
      const res = await app.inject({
        method: 'POST',
        url: `/user/someone?${secretQuery}`,
        headers: secretHeaders(),
        payload: { user_name: 'someone', pwd: SECRETS.pwd },
      });
      expect(res.statusCode).toBeGreaterThanOrEqual(500);
      const requestId = String(res.headers['x-request-id']);
      const text = await collector.waitFor((t) => t.includes(`"request_id":"${requestId}"`));
      expect(text).toContain('"service":"api"');
      expect(text).toContain(`"status":"${res.statusCode}"`);
      expectScrubbed(text);
    } finally {
      await app.close().catch(() => undefined);
      await close().catch(() => undefined);
    }
  });
});
