import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SmsWebhook {
  url: string;
  /** Every {to, text} received, in order. */
  received: { to: string; text: string }[];
  /** The status the next posts are answered with (default 204). */
  status: number;
  /** The last code texted to `to`. */
  codeFor(to: string): string;
  close(): Promise<void>;
}

/** A real listener on 127.0.0.1 standing in for an SMS gateway. */
export async function startSmsWebhook(): Promise<SmsWebhook> {
  const received: { to: string; text: string }[] = [];
  const hook: SmsWebhook = {
    url: '',
    received,
    status: 204,
    codeFor(to) {
      const last = [...received].reverse().find((m) => m.to === to);
      const code = last?.text.match(/\b(\d{6})\b/)?.[1];
      if (!code) throw new Error(`no code was texted to ${to}`);
      return code;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.headers['content-type']?.startsWith('application/json')) {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string; text: string });
      }
      res.writeHead(hook.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`;
  return hook;
}
