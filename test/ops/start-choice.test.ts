// What `npm start` runs (scripts/start-choice.ts), on a scratch tree with set mtimes: a build is used
// only when all four bundles are at least as new as the newest source, else the sources through tsx.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseRunner, serviceCommand, serviceNodeFlags } from '../../scripts/start-choice.js';
import { SERVICES } from './helper.js';

let root: string;

/** Writes root/rel with the given mtime (seconds since the epoch). */
function file(rel: string, mtime: number): void {
  const full = path.join(root, rel);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, '');
  utimesSync(full, mtime, mtime);
}

function build(dir: string, mtime: number, services: readonly string[] = SERVICES): void {
  for (const s of services) file(`${dir}/lib/${s}.mjs`, mtime);
}

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'video-choice-'));
  file('services/api/src/main.ts', 1000);
  file('packages/shared/src/config.ts', 1100);
  file('templates/index.html', 900);
  file('package.json', 800);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('chooseRunner', () => {
  it('runs the sources when there is no build', () => {
    const r = chooseRunner(root, SERVICES);
    expect(r.kind).toBe('tsx');
    expect(r.line).toBe('running the sources through tsx: there is no build (dist/ or bin/); ./build.sh makes a build that starts faster');
  });

  it('uses a build newer than every source, and runs its bundles', () => {
    build('dist', 1200);
    const r = chooseRunner(root, SERVICES);
    expect(r).toMatchObject({ kind: 'build', dir: 'dist' });
    expect(r.line).toContain('running the build in dist/');
    const web = serviceCommand(root, r, 'web');
    expect(web.args).toEqual([...serviceNodeFlags('web'), '--enable-source-maps', path.join(root, 'dist/lib/web.mjs')]);
    if (!process.env.TEMPLATES_DIR) expect(web.env).toEqual({ TEMPLATES_DIR: path.join(root, 'dist/templates') });
  });

  it.each([
    ['a service source', 'services/web/src/app.ts'],
    ['a shared source', 'packages/shared/src/db/index.ts'],
    ['a template', 'templates/statics/js/player.js'],
    ['the lock file', 'package-lock.json'],
  ])('falls back to tsx when %s is newer than the build, naming it', (_what, rel) => {
    build('dist', 1200);
    file(rel, 1300);
    const r = chooseRunner(root, SERVICES);
    expect(r.kind).toBe('tsx');
    expect(r.line).toBe(`running the sources through tsx: dist/ is older than ${rel}; ./build.sh makes a build that starts faster`);
    expect(serviceCommand(root, r, 'api').args).toEqual([...serviceNodeFlags('api'), '--import', 'tsx', path.join(root, 'services/api/src/main.ts')]);
  });

  it('ignores tests and node_modules, which no bundle holds', () => {
    build('dist', 1200);
    file('services/api/test/x.test.ts', 1300);
    file('packages/shared/node_modules/p/src/index.js', 1300);
    expect(chooseRunner(root, SERVICES).kind).toBe('build');
  });

  it('takes a fresh bin/ when dist/ is stale, and skips a build missing a bundle', () => {
    build('dist', 1000);
    build('bin', 1200);
    expect(chooseRunner(root, SERVICES)).toMatchObject({ kind: 'build', dir: 'bin' });
    rmSync(path.join(root, 'bin/lib/scheduler.mjs'));
    expect(chooseRunner(root, SERVICES).line).toContain('dist/ is older than packages/shared/src/config.ts');
  });

  it('judges by the oldest bundle', () => {
    build('dist', 1200);
    file('dist/lib/api.mjs', 1050);
    expect(chooseRunner(root, SERVICES).kind).toBe('tsx');
  });
});
