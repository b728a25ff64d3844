import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { createMailer, siteOrigin } from '../../src/accounts/mailer.js';
import { buildTestApp, signUp, type TestApp } from '../helper.js';
import { setEmail, uniqueEmail } from './accounts-kit.js';
import { bodyOf, startSmtpCapture, subjectOf, tokenIn } from './smtp-capture.js';

function recordingLog() {
  const lines: { level: string; obj: unknown; msg: string }[] = [];
  const at = (level: string) => (obj: unknown, msg = '') => lines.push({ level, obj, msg });
  const log = { info: at('info'), error: at('error'), warn: at('warn'), debug: at('debug') } as unknown as FastifyBaseLogger;
  return { log, lines };
}

/** A port nothing listens on: bound, then closed. */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const base = { mail_from: 'Video <no-reply@video.example>', public_url: '', web_port: 19006 };

describe('mailer', () => {
  it('links use public_url without its trailing slash, else the local web port', () => {
    expect(siteOrigin({ public_url: 'https://v.example/', web_port: 1 })).toBe('https://v.example');
    expect(siteOrigin({ public_url: '', web_port: 19006 })).toBe('http://127.0.0.1:19006');
  });

  it('without smtp_url: one complete .eml per mail under data_dir/outbox, subject and link logged', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'outbox-test-'));
    const { log, lines } = recordingLog();
    const mailer = createMailer({ ...base, smtp_url: '', data_dir: dataDir }, log);
    const link = mailer.linkTo('/verify-email?token=abc');
    expect(link).toBe('http://127.0.0.1:19006/verify-email?token=abc');
    mailer.queue({ to: 'a@b.example', subject: 'Hello there', text: `open ${link}`, link });
    mailer.queue({ to: 'c@d.example', subject: 'Second', text: 'x' });
    await mailer.close();
    const files = readdirSync(path.join(dataDir, 'outbox'));
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(2);
    expect(files.filter((f) => !f.endsWith('.eml'))).toEqual([]);
    const texts = files.map((f) => readFileSync(path.join(dataDir, 'outbox', f), 'utf8'));
    const first = texts.find((t) => t.includes('a@b.example'))!;
    expect(first).toMatch(/^From: Video <no-reply@video\.example>$/m);
    expect(first).toMatch(/^To: a@b\.example$/m);
    expect(subjectOf(first)).toBe('Hello there');
    expect(first).toContain(link);
    const logged = lines.find((l) => l.msg === 'mail written to the outbox' && JSON.stringify(l.obj).includes('Hello there'));
    expect(JSON.stringify(logged?.obj)).toContain(link);
  });

  it('a dead SMTP server is logged, never thrown', async () => {
    const { log, lines } = recordingLog();
    const mailer = createMailer({ ...base, smtp_url: `smtp://u:p@127.0.0.1:${await deadPort()}`, data_dir: os.tmpdir() }, log);
    mailer.queue({ to: 'a@b.example', subject: 'Lost', text: 'x' });
    await mailer.close();
    expect(lines.some((l) => l.level === 'error' && l.msg === 'mail could not be sent')).toBe(true);
  });

  it('wrong SMTP credentials are logged, never thrown', async () => {
    const smtp = await startSmtpCapture();
    const { log, lines } = recordingLog();
    const mailer = createMailer({ ...base, smtp_url: smtp.url.replace('s3cret', 'wrong'), data_dir: os.tmpdir() }, log);
    mailer.queue({ to: 'a@b.example', subject: 'Refused', text: 'x' });
    await mailer.close();
    await smtp.close();
    expect(smtp.mails).toHaveLength(0);
    expect(lines.some((l) => l.level === 'error')).toBe(true);
  });
});

describe.each(testDialects())('mail fallbacks in the api on %s', (dialect) => {
  let outboxApp: TestApp;
  let deadApp: TestApp;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'outbox-api-'));
    outboxApp = await buildTestApp(dialect, { smtp_url: '', data_dir: dataDir });
    deadApp = await buildTestApp(dialect, { smtp_url: `smtp://u:p@127.0.0.1:${await deadPort()}` });
  });
  afterAll(async () => {
    await outboxApp?.close();
    await deadApp?.close();
  });

  it('the outbox link verifies the address', async () => {
    const u = await signUp(outboxApp.app);
    const email = uniqueEmail('ob');
    expect((await setEmail(outboxApp.app, u, email)).statusCode).toBe(200);
    const dir = path.join(dataDir, 'outbox');
    let raw = '';
    for (let i = 0; i < 200 && !raw; i += 1) {
      const f = (existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []).find((e) => e.name.endsWith('.eml') && readFileSync(path.join(dir, e.name), 'utf8').includes(email));
      if (f) raw = readFileSync(path.join(dir, f.name), 'utf8');
      else await new Promise((r) => setTimeout(r, 10));
    }
    expect(bodyOf(raw)).toContain('http://127.0.0.1:9006/verify-email?token=');
    const res = await outboxApp.app.inject({ method: 'POST', url: '/email-verification', payload: { token: tokenIn(raw, '/verify-email?token=') } });
    expect(res.statusCode).toBe(204);
  });

  it('with the mail server down, PATCH is still 200, a resend 202 and a reset 202', async () => {
    const u = await signUp(deadApp.app);
    expect((await setEmail(deadApp.app, u, uniqueEmail('down'))).statusCode).toBe(200);
    const resend = await deadApp.app.inject({ method: 'POST', url: `/user/${u.name}/email/verify`, headers: { 'x-session-id': u.sid } });
    expect(resend.statusCode).toBe(202);
    expect((await deadApp.app.inject({ method: 'POST', url: '/password-reset', payload: { user_name: u.name } })).statusCode).toBe(202);
  });
});
