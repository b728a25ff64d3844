import { Agent, request } from 'undici';

/** One keep-alive agent for the whole test process; every request is bounded in time. */
export const agent = new Agent({
  connections: 256,
  keepAliveTimeout: 4_000,
  headersTimeout: 30_000,
  bodyTimeout: 30_000,
  connect: { timeout: 5_000 },
});

export interface Res {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  ms: number;
  text(): string;
  json<T = any>(): T;
}

export interface CallOptions {
  headers?: Record<string, string>;
  body?: string | Buffer;
  json?: unknown;
  timeoutMs?: number;
}

export async function call(method: string, url: string, options: CallOptions = {}): Promise<Res> {
  if (!url.startsWith('http://127.0.0.1:')) throw new Error(`refusing non-loopback url ${url}`);
  const headers: Record<string, string> = { ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const started = performance.now();
  let res: Awaited<ReturnType<typeof request>>;
  let buf: Buffer;
  try {
    res = await request(url, {
      method: method as 'GET',
      headers,
      body,
      dispatcher: agent,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
    buf = Buffer.concat(chunks);
  } catch (err) {
    const ms = Math.round(performance.now() - started);
    throw new Error(`${method} ${url}: ${(err as Error).message} after ${ms} ms`, { cause: err });
  }
  const ms = performance.now() - started;
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) flat[k] = Array.isArray(v) ? v.join(', ') : String(v ?? '');
  const setCookie = res.headers['set-cookie'];
  if (setCookie) flat['set-cookie'] = Array.isArray(setCookie) ? setCookie.join('\n') : setCookie;
  return {
    status: res.statusCode,
    headers: flat,
    body: buf,
    ms,
    text: () => buf.toString('utf8'),
    json: () => JSON.parse(buf.toString('utf8')),
  };
}

/** True when a body is the contract's error shape with the given code (or any code). */
export function isContractError(res: Res, code?: string): boolean {
  try {
    const b = res.json();
    return (
      typeof b === 'object' && b !== null && typeof b.error === 'string' && typeof b.error_code === 'string' &&
      /^0(0[1-9]|1[01])$/.test(b.error_code) && (code === undefined || b.error_code === code)
    );
  } catch {
    return false;
  }
}

/** The value of the `session` cookie set by a response, if any. */
export function sessionCookie(res: Res): string | undefined {
  const raw = res.headers['set-cookie'];
  if (!raw) return undefined;
  for (const line of raw.split('\n')) {
    const m = /^\s*session=([^;]*)/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

export function multipartBody(
  file: Buffer,
  options: { field?: string; filename?: string; contentType?: string; boundary?: string } = {},
): { body: Buffer; contentType: string } {
  const boundary = options.boundary ?? `----system${Math.random().toString(16).slice(2)}`;
  const head =
    `--${boundary}\r\n` +
    `Content-Disposition: form-data; name="${options.field ?? 'file'}"; filename="${options.filename ?? 'clip.mp4'}"\r\n` +
    `Content-Type: ${options.contentType ?? 'video/mp4'}\r\n\r\n`;
  return {
    body: Buffer.concat([Buffer.from(head), file, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/** Latencies and statuses per label, for the soak's report. */
export class Recorder {
  readonly byLabel = new Map<string, { ms: number[]; statuses: Map<number, number> }>();
  readonly serverErrors: string[] = [];
  readonly networkErrors: string[] = [];
  readonly unexpected: string[] = [];
  total = 0;

  record(label: string, res: Res): void {
    this.total++;
    let entry = this.byLabel.get(label);
    if (!entry) {
      entry = { ms: [], statuses: new Map() };
      this.byLabel.set(label, entry);
    }
    entry.ms.push(res.ms);
    entry.statuses.set(res.status, (entry.statuses.get(res.status) ?? 0) + 1);
    if (res.status >= 500 && this.serverErrors.length < 200) {
      this.serverErrors.push(`${label} -> ${res.status} ${res.text().slice(0, 200)}`);
    }
  }

  allMs(): number[] {
    return [...this.byLabel.values()].flatMap((e) => e.ms);
  }

  summary(seconds: number): { label: string; count: number; share: string; p50: number; p99: number; statuses: string }[] {
    const rows = [...this.byLabel.entries()].map(([label, e]) => ({
      label,
      count: e.ms.length,
      share: `${((100 * e.ms.length) / Math.max(1, this.total)).toFixed(1)}%`,
      p50: percentile(e.ms, 50),
      p99: percentile(e.ms, 99),
      statuses: [...e.statuses.entries()].map(([s, n]) => `${s}×${n}`).join(' '),
    }));
    rows.sort((a, b) => b.count - a.count);
    rows.push({
      label: 'all',
      count: this.total,
      share: `${(this.total / seconds).toFixed(0)}/s`,
      p50: percentile(this.allMs(), 50),
      p99: percentile(this.allMs(), 99),
      statuses: '',
    });
    return rows;
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, i)] * 10) / 10;
}
