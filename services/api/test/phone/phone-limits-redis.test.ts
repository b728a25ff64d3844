import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL, openTestDb, redisForTests, testConfig } from '@video/shared/testing';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { startSmsWebhook, type SmsWebhook } from './sms-webhook.js';

// Two api instances on one database and one Redis share the phone limits: a number's five codes an
// hour are five in all, wherever they were asked.
const haveRedis = await redisForTests('Phone limits in Redis');

describe.skipIf(!haveRedis)('phone limits shared through Redis', () => {
  let apps: FastifyInstance[] = [];
  let sms: SmsWebhook;
  let closeDb: () => Promise<void>;

  beforeAll(async () => {
    sms = await startSmsWebhook();
    const { db, close } = await openTestDb('sqlite');
    closeDb = close;
    const url = `${TEST_REDIS_URL}?prefix=${encodeURIComponent(`phone-test-${randomBytes(4).toString('hex')}:`)}`;
    const config = testConfig({ redis_url: url, sms_webhook_url: sms.url, internal_token: 'k' });
    apps = [await buildApp(config, { db, logger: false }), await buildApp(config, { db, logger: false })];
    for (const app of apps) await app.ready();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await closeDb?.();
    await sms?.close();
  });

  it('the sixth code for a number is refused on the other instance', async () => {
    const phone = '+14155550177';
    for (let i = 0; i < 5; i += 1) {
      const res = await apps[i % 2].inject({ method: 'POST', url: '/phone/code', payload: { phone }, remoteAddress: `10.7.0.${i + 1}` });
      expect(res.statusCode, res.body).toBe(202);
    }
    for (const app of apps) {
      const res = await app.inject({ method: 'POST', url: '/phone/code', payload: { phone }, remoteAddress: '10.7.0.99' });
      expect(res.statusCode).toBe(429);
      expect(res.json().error_code).toBe('008');
    }
  });
});
