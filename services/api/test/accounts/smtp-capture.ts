import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface CapturedMail {
  from: string;
  to: string[];
  raw: string;
  user: string | undefined;
}

/** A real SMTP server on 127.0.0.1 (random port) that keeps every mail it receives. */
export async function startSmtpCapture(auth = { user: 'mailer', pass: 's3cret' }) {
  const mails: CapturedMail[] = [];
  /** How long the server waits before accepting a mail's data (a slow mail server). */
  let delayMs = 0;
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onAuth(a, _session, cb) {
      if (a.username === auth.user && a.password === auth.pass) cb(null, { user: a.username });
      else cb(new Error('bad credentials'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    mails,
    url: `smtp://${auth.user}:${auth.pass}@127.0.0.1:${port}`,
    setDelay: (ms: number) => {
      delayMs = ms;
    },
    /** Mails to `to` so far (newest last). */
    to: (to: string) => mails.filter((m) => m.to.includes(to)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The decoded text of a mail (quoted-printable soft breaks undone). */
export function bodyOf(raw: string): string {
  const text = raw.split(/\r?\n\r?\n/).slice(1).join('\n\n');
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** The token of the first link to `path` in the mail. */
export function tokenIn(raw: string, path: '/verify-email?token=' | '/reset-password/'): string {
  const body = bodyOf(raw);
  const i = body.indexOf(path);
  if (i < 0) throw new Error(`no ${path} link in: ${body}`);
  const m = /^[A-Za-z0-9_-]{43}/.exec(body.slice(i + path.length));
  if (!m) throw new Error(`no token after ${path}`);
  return m[0];
}

export function subjectOf(raw: string): string {
  return /^Subject: (.*)$/m.exec(raw)?.[1] ?? '';
}
