import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Loads a module in a fresh Node and lists the CommonJS packages it pulled in. */
function packagesLoadedBy(entry: string): string[] {
  const script = `
    import { createRequire } from 'node:module';
    await import(${JSON.stringify(entry)});
    const cache = createRequire(import.meta.url).cache;
    const names = new Set(Object.keys(cache).map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(f)?.[1]).filter(Boolean));
    process.stdout.write(JSON.stringify([...names]));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(out) as string[];
}

it('the web loads no database driver', () => {
  const loaded = packagesLoadedBy(path.join(root, 'services/web/src/app.ts'));
  expect(loaded).toContain('fastify'); // the probe itself works
  expect(loaded).not.toContain('better-sqlite3');
  expect(loaded).not.toContain('mysql2');
}, 40_000);

it('the api loads the embedded driver (so the probe can fail), and mysql2 only when it connects to MySQL', () => {
  const loaded = packagesLoadedBy(path.join(root, 'services/api/src/app.ts'));
  expect(loaded).toContain('better-sqlite3');
  expect(loaded).not.toContain('mysql2');
}, 40_000);
