/**
 * A browser without a browser: fetch with a cookie jar, redirects followed by hand so each hop can be
 * looked at (or forged).
 */
export class CookieClient {
  readonly jar = new Map<string, string>();

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(url, { redirect: 'manual', headers: { ...(this.jar.size ? { cookie: this.cookieHeader() } : {}), ...headers } });
    this.remember(res);
    return res;
  }

  async post(url: string, body: unknown): Promise<Response> {
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json', ...(this.jar.size ? { cookie: this.cookieHeader() } : {}) },
      body: JSON.stringify(body),
    });
    this.remember(res);
    return res;
  }

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone = value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()));
      if (gone) this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  /** Follows redirects (at most `max`), returning every response in order. */
  async follow(url: string, max = 6): Promise<Response[]> {
    const hops: Response[] = [];
    let next: string | null = url;
    for (let i = 0; i < max && next; i += 1) {
      const res = await this.get(next);
      hops.push(res);
      const location = res.headers.get('location');
      next = res.status >= 300 && res.status < 400 && location ? new URL(location, next).href : null;
    }
    return hops;
  }
}
