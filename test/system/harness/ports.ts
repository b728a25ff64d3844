import net from 'node:net';

const handedOut = new Set<number>();

/**
 * A port nobody listens on right now: the kernel picks one for a throwaway listener, which is then
 * closed. Ports handed out earlier in this process are never returned twice, so two services of one
 * site cannot collide even before they bind.
 */
export async function freePort(): Promise<number> {
  // SYSTEM_PORT_BASE=N: ports from N on, for machines where each user has a range; each vitest
  // worker (up to 4) its own 25, so two test files running at once never pick the same one.
  const set = Number(process.env.SYSTEM_PORT_BASE ?? 0);
  const base = set > 0 ? set + ((Number(process.env.VITEST_POOL_ID ?? 1) - 1) % 4) * 25 : 0;
  for (let attempt = 0; attempt < 50; attempt++) {
    const ask = base > 0 ? base + handedOut.size + attempt : 0;
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer();
      server.unref();
      server.once('error', () => resolve(0));
      server.listen({ host: '127.0.0.1', port: ask }, () => {
        const address = server.address();
        const p = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(p));
      });
    });
    if (port > 0 && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port found after 50 attempts');
}
