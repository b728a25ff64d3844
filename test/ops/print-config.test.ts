// scripts/print-config.ts, which deploy.sh reads its settings from: the services' own loader, with
// secrets kept out of its output.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, run } from './helper.js';

const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const SCRIPT = path.join(ROOT, 'scripts', 'print-config.ts');

describe('print-config', () => {
  let tmp: string;
  let conf: string;
  const printConfig = (args: string[], env: Record<string, string>) =>
    run(TSX, [SCRIPT, ...args], { cwd: tmp, env: { PATH: process.env.PATH ?? '', HOME: tmp, CONFIG: conf, ...env } });

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'video-print-config-'));
    conf = path.join(tmp, 'conf.json');
    writeFileSync(conf, JSON.stringify({ host: '0.0.0.0', web_port: 18006, internal_token: 'file-secret' }));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('prints the file, then the environment over it, and where each service is reached', async () => {
    const res = await printConfig([], { API_PORT: '19003', DATABASE_URL: 'mysql://video:db-secret@127.0.0.1:3306/video' });
    expect(res.code, res.stderr).toBe(0);
    const lines = new Map(res.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(lines.get('api_port')).toBe('19003');
    expect(lines.get('web_port')).toBe('18006');
    expect(lines.get('video_dir')).toBe(path.join(tmp, 'data', 'videos'));
    expect(lines.get('web_probe_host')).toBe('127.0.0.1');
    expect(lines.get('web_probe_port')).toBe('18006');
    expect(lines.get('streamserver_probe_port')).toBe('9004');
    expect(lines.get('database_url')).toBe('mysql://video:***@127.0.0.1:3306/video');
    expect(res.stdout).not.toMatch(/secret|internal_token|metrics_token/);
  });

  it('--json prints the same as one object', async () => {
    const res = await printConfig(['--json'], { HOST: '::' });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ host: '::', api_probe_host: '[::1]', scheduler_probe_host: '127.0.0.1' });
  });

  it.each([
    [['--bogus'], {}, 64, "unknown argument '--bogus'"],
    [[], { API_PORT: 'abc' }, 78, 'api_port (env API_PORT)'],
  ])('%j %j exits %i naming the problem', async (args, env, code, message) => {
    const res = await printConfig(args, env);
    expect(res.code).toBe(code);
    expect(res.stderr).toContain(message);
  });

  it('--help says what it prints', async () => {
    const res = await printConfig(['--help'], {});
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^usage: tsx scripts\/print-config\.ts/);
  });
});
