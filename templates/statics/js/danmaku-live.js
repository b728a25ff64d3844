// @ts-check
// The live layer of one video: a WebSocket to the api's room (through the web's /api proxy), a
// heartbeat so the server keeps counting this player, and reconnection with backoff.

const HEARTBEAT_MS = 20_000;
const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000];

/** @param {string} videoId */
export function liveUrl(videoId) {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}/api/danmaku/ws?id=${encodeURIComponent(videoId)}`;
}

/**
 * @typedef {import('../../types/api').LiveMessage} LiveMessage
 * @typedef {Extract<LiveMessage, { type: 'danmaku' }>} LiveDanmaku
 * @typedef {Extract<LiveMessage, { type: 'delete' }>} LiveDelete
 * @typedef {object} LiveHandlers
 * @property {(message: LiveDanmaku) => void} [onDanmaku]
 * @property {(message: LiveDelete) => void} [onDelete]
 * @property {(count: number) => void} [onViewers]
 * @property {(state: 'connecting' | 'live' | 'reconnecting' | 'closed') => void} [onState]
 */

export class LiveRoom {
  /**
   * @param {string} videoId
   * @param {LiveHandlers} [handlers]
   */
  constructor(videoId, handlers = {}) {
    this.videoId = videoId;
    this.handlers = handlers;
    /** @type {WebSocket | null} */
    this.ws = null;
    this.attempt = 0;
    this.stopped = false;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.heartbeat = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retry = undefined;
    this.connect();
  }

  connect() {
    if (this.stopped) return;
    this.handlers.onState?.(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const ws = new WebSocket(liveUrl(this.videoId));
    this.ws = ws;
    ws.addEventListener('open', () => {
      if (ws !== this.ws) return;
      this.attempt = 0;
      this.handlers.onState?.('live');
      clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => this.send({ type: 'ping' }), HEARTBEAT_MS);
    });
    ws.addEventListener('message', (event) => {
      if (ws !== this.ws || typeof event.data !== 'string') return;
      /** @type {LiveMessage} */
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type === 'danmaku' && Array.isArray(message.data)) this.handlers.onDanmaku?.(message);
      else if (message.type === 'delete') this.handlers.onDelete?.(message);
      else if (message.type === 'viewers' && Number.isInteger(message.count)) this.handlers.onViewers?.(message.count);
    });
    ws.addEventListener('close', () => {
      if (ws !== this.ws) return;
      clearInterval(this.heartbeat);
      if (this.stopped) return;
      const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
      this.attempt++;
      this.handlers.onState?.('reconnecting');
      this.retry = setTimeout(() => this.connect(), delay);
    });
  }

  /** @param {{ type: string }} message */
  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  close() {
    this.stopped = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.retry);
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState === WebSocket.OPEN) ws.close(1000, 'leaving');
    // Closing a socket still connecting makes browsers log an error: let it open, then close it.
    else if (ws && ws.readyState === WebSocket.CONNECTING) ws.addEventListener('open', () => ws.close(1000, 'leaving'));
    this.handlers.onState?.('closed');
  }
}
