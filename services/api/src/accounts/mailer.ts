import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '@video/shared';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** The one link the mail carries, logged beside the subject (never the whole body). */
  link?: string;
}

export interface Mailer {
  /** Where a web path of this site points in a mail: `public_url`, else the local web port. */
  linkTo(pathAndQuery: string): string;
  /**
   * Sends in the background: the caller's answer never waits for, or fails with, the mail server
   * (a slow SMTP peer would also tell an observer which requests found an account). Failures are logged.
   */
  queue(mail: Mail): void;
  /** Resolves when every queued mail has been sent or has failed (tests, and close). */
  idle(): Promise<void>;
}

export type MailConfig = Pick<Config, 'smtp_url' | 'mail_from' | 'public_url' | 'web_port' | 'data_dir'>;

/** The site's origin for links: `public_url` without a trailing slash. */
export function siteOrigin(config: Pick<Config, 'public_url' | 'web_port'>): string {
  return (config.public_url || `http://127.0.0.1:${config.web_port}`).replace(/\/+$/, '');
}

/** Writes the RFC 822 text under data_dir/outbox/ (temp file, then rename: a reader never sees half a mail). */
function outboxWriter(dir: string, from: string) {
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return async (mail: Mail): Promise<string> => {
    const info = await builder.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    await mkdir(dir, { recursive: true });
    const name = `${Date.now()}-${randomBytes(6).toString('hex')}.eml`;
    const tmp = path.join(dir, `.${name}.tmp`);
    await writeFile(tmp, info.message as Buffer, { mode: 0o600 });
    await rename(tmp, path.join(dir, name));
    return name;
  };
}

function smtpSender(url: string, from: string): { send: (mail: Mail) => Promise<void>; close: () => void } {
  // Short timeouts: a dead mail server must not pile up sockets behind a burst of requests.
  const transport: Transporter = nodemailer.createTransport(url, {
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  } as object);
  return {
    send: async (mail) => {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    close: () => transport.close(),
  };
}

export function createMailer(config: MailConfig, log: FastifyBaseLogger): Mailer & { close(): Promise<void> } {
  const origin = siteOrigin(config);
  const pending = new Set<Promise<void>>();
  let send: (mail: Mail) => Promise<void>;
  let closeTransport = () => undefined as void;
  if (config.smtp_url) {
    const smtp = smtpSender(config.smtp_url, config.mail_from);
    send = smtp.send;
    closeTransport = smtp.close;
  } else {
    const write = outboxWriter(path.join(config.data_dir, 'outbox'), config.mail_from);
    send = async (mail) => {
      const file = await write(mail);
      log.info({ mail: { file, subject: mail.subject, link: mail.link } }, 'mail written to the outbox');
    };
  }
  const idle = async () => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };
  return {
    linkTo: (p) => `${origin}${p}`,
    queue(mail) {
      const job = send(mail).then(
        () => undefined,
        (err: unknown) => log.error({ err, mail: { subject: mail.subject } }, 'mail could not be sent'),
      );
      pending.add(job);
      void job.finally(() => pending.delete(job));
    },
    idle,
    async close() {
      await idle();
      closeTransport();
    },
  };
}
