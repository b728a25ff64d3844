import { Pool } from 'undici';
import { unavailable } from '@video/shared/contract';

/** How long the web waits to reach the api or the stream server before it answers 503. */
export const CONNECT_TIMEOUT_MS = 2_000;

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query, always beginning with '/'; sent verbatim as the request target. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Overall wait for the answer's headers. */
  timeoutMs?: number;
}

/**
 * A small client bound to ONE upstream origin. The request target is the path alone, so no input can
 * make it contact another host (a path like `//evil.example/x` is just an odd path on this origin).
 */
export class UpstreamClient {
  private readonly pool: Pool;
  private readonly basePath: string;

  constructor(
    readonly name: string,
    baseUrl: string,
  ) {
    const url = new URL(baseUrl);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: 32,
      connect: { timeout: CONNECT_TIMEOUT_MS, rejectUnauthorized: true },
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
  }

  async request(req: UpstreamRequest): Promise<UpstreamResponse> {
    if (!req.path.startsWith('/')) throw new Error('upstream path must start with /');
    try {
      const res = await this.pool.request({
        method: req.method,
        path: this.basePath + req.path,
        headers: req.headers,
        body: req.body,
        headersTimeout: req.timeoutMs,
      });
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, text };
    } catch (err) {
      throw unavailable(`the ${this.name} service is unavailable, try again shortly`, err);
    }
  }

  /** True when the upstream's /healthz answers 200 in time. */
  async healthy(timeoutMs = 1_500): Promise<boolean> {
    try {
      const res = await this.request({ method: 'GET', path: '/healthz', timeoutMs });
      return res.status === 200;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Parses an upstream JSON body, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
