import { Redis } from 'ioredis';

/** The Redis the tests use (TEST_REDIS_URL, else the local default). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function ping(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * Whether the Redis tests of `what` can run: checked once, quickly. Without Redis they are skipped
 * with a printed reason, or the file fails when REQUIRE_REDIS=1 (CI).
 */
export async function redisForTests(what: string): Promise<boolean> {
  if (await ping(TEST_REDIS_URL)) return true;
  if (process.env.REQUIRE_REDIS === '1') throw new Error(`REQUIRE_REDIS=1 but Redis at ${TEST_REDIS_URL} is not reachable`);
  console.warn(`${what} SKIPPED: no Redis at ${TEST_REDIS_URL} (start one, or set REQUIRE_REDIS=1 to make this fail).`);
  return false;
}
