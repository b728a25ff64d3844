import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startEnvelopeCollector } from '../../src/testing/envelope-collector.js';

const MODULE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/http/error-tracking.ts');

/** A process that starts error tracking as a service's main.ts does, then runs `body`. */
function runChild(dsn: string, body: string): Promise<number | null> {
  const script = `import { initErrorTracking } from ${JSON.stringify(MODULE)};\nawait initErrorTracking({ sentry_dsn: process.env.DSN }, 'probe');\n${body}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, DSN: dsn, SENTRY_RELEASE: 'probe-release' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('error tracking in a process', () => {
  it.each([
    ['an uncaught exception', "setTimeout(() => { throw new Error('unhandled boom token=abc123secret'); }, 10);", 'unhandled boom'],
    ['an unhandled rejection', "Promise.reject(new Error('rejected boom')); setTimeout(() => process.exit(0), 1500);", 'rejected boom'],
  ])('reports %s with service and release, scrubbed', async (_what, body, marker) => {
    const collector = await startEnvelopeCollector();
    try {
      const code = await runChild(collector.dsn, body);
      const text = await collector.waitFor((t) => t.includes(marker), 5000);
      expect(text).toContain('"service":"probe"');
      expect(text).toContain('"release":"probe-release"');
      expect(text).not.toContain('abc123secret');
      if (marker === 'unhandled boom') expect(code).not.toBe(0);
    } finally {
      await collector.close();
    }
  }, 30_000);
});
