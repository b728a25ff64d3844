import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LoggerOptions } from 'pino';
import type { Config } from '../config.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Uses the caller's X-Request-Id when it is sane, else a new UUID. */
export function genReqId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Paths that must never reach a log: passwords, session ids, tokens, cookies. */
export const REDACT_PATHS = [
  'req.headers["x-session-id"]',
  'req.headers["x-internal-token"]',
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'pwd',
  '*.pwd',
  'password',
  '*.password',
  'session_id',
  '*.session_id',
  'refresh_token',
  '*.refresh_token',
  'access_token',
  '*.access_token',
];

/** pino options for a service: JSON lines, pretty only on a TTY, secrets redacted. */
export function loggerOptions(config: Pick<Config, 'log_level'>, service: string): LoggerOptions {
  const options: LoggerOptions = {
    level: config.log_level,
    base: { service },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (process.env.LOG_PRETTY === '1' || (process.stdout.isTTY && !process.env.CI && process.env.LOG_PRETTY !== '0')) {
    options.transport = { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } };
  }
  return options;
}
