import type { FastifyBaseLogger } from 'fastify';

export type SmsSender = (to: string, text: string) => Promise<void>;

const SEND_TIMEOUT_MS = 5_000;

/** Where a number shows in logs: its country code and last two digits. */
export const maskPhone = (phone: string) => `${phone.slice(0, 3)}…${phone.slice(-2)}`;

/**
 * Text messages go to `sms_webhook_url` as POST {"to","text"} (any 2xx is sent); with no URL each is
 * logged instead, so a development site needs nothing to sign in by phone.
 */
export function createSmsSender(url: string, log: FastifyBaseLogger): SmsSender {
  if (url === '') {
    return async (to, text) => {
      log.info({ to: maskPhone(to), text }, 'sms_webhook_url is empty: the text message is logged instead of sent');
    };
  }
  return async (to, text) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to, text }),
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      redirect: 'error',
    });
    await res.body?.cancel();
    if (res.status < 200 || res.status > 299) throw new Error(`sms webhook answered ${res.status}`);
  };
}
