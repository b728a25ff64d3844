import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindHost, ConfigError, loadConfig, resolveInternalToken } from '../src/config.js';

function writeConf(obj: unknown): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conf-'));
  const file = path.join(dir, 'conf.json');
  writeFileSync(file, JSON.stringify(obj));
  return file;
}

describe('loadConfig', () => {
  it('gives the contract defaults with no file', () => {
    const c = loadConfig({ env: {}, file: null });
    expect(c.api_port).toBe(9003);
    expect(c.stream_port).toBe(9004);
    expect(c.scheduler_port).toBe(9005);
    expect(c.web_port).toBe(9006);
    expect(c.session_ttl_minutes).toBe(30);
    expect(c.stream_max_connections).toBe(200);
    expect(c.max_upload_mb).toBe(1024);
    expect(c.scheduler_interval_seconds).toBe(3);
    expect(c.scheduler_batch).toBe(100);
    expect(c.signin_rate_limit).toBe(10);
    expect(c.database_url).toBe(`sqlite:${path.resolve('data/video.db')}`);
    expect(c.video_dir).toBe(path.resolve('data/videos'));
  });

  it('reads the file, then lets env vars in upper case win', () => {
    const file = writeConf({ api_port: 1234, log_level: 'warn', video_dir: 'vids' });
    const c = loadConfig({ env: { API_PORT: '19003', COOKIE_SECURE: 'true' }, file });
    expect(c.api_port).toBe(19003);
    expect(c.log_level).toBe('warn');
    expect(c.cookie_secure).toBe(true);
    expect(c.video_dir).toBe(path.join(path.dirname(file), 'vids'));
  });

  it('takes CONFIG from the environment', () => {
    const file = writeConf({ web_port: 4321 });
    expect(loadConfig({ env: { CONFIG: file } }).web_port).toBe(4321);
  });

  it('accepts a mysql url', () => {
    const c = loadConfig({ env: { DATABASE_URL: 'mysql://u:p@127.0.0.1:3306/video' }, file: null });
    expect(c.database_url).toBe('mysql://u:p@127.0.0.1:3306/video');
  });

  it.each([
    [{ API_PORT: 'abc' }, /api_port.*"abc".*not an integer/],
    [{ API_PORT: '70000' }, /api_port.*outside/],
    [{ DATABASE_URL: 'postgres://x' }, /database_url/],
    [{ LOG_LEVEL: 'loud' }, /log_level/],
    [{ STREAM_URL: 'not a url' }, /stream_url/],
    [{ SESSION_TTL_MINUTES: '0' }, /session_ttl_minutes/],
    [{ COOKIE_SECURE: 'maybe' }, /cookie_secure/],
  ])('rejects %j naming the key', (env, pattern) => {
    expect(() => loadConfig({ env, file: null })).toThrow(pattern);
  });

  it('reports every bad key at once, and unknown keys in the file', () => {
    const file = writeConf({ api_port: 'x', stream_port: -1, colour: 'red' });
    try {
      loadConfig({ env: {}, file });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/api_port/);
      expect(problems).toMatch(/stream_port/);
      expect(problems).toMatch(/colour: unknown key/);
    }
  });

  it('says which file cannot be read', () => {
    expect(() => loadConfig({ env: {}, file: '/nonexistent/conf.json' })).toThrow(/cannot read \/nonexistent\/conf.json/);
  });
});

describe('list keys, bind addresses and the internal token', () => {
  it('takes trusted_proxies as JSON from the environment and checks each entry', () => {
    const ok = loadConfig({ file: null, env: { TRUSTED_PROXIES: '["10.0.0.0/8", "::1", "loopback"]' } });
    expect(ok.trusted_proxies).toEqual(['10.0.0.0/8', '::1', 'loopback']);
    expect(() => loadConfig({ file: null, env: { TRUSTED_PROXIES: '10.0.0.0/8' } })).toThrow(/trusted_proxies.*JSON list/);
    expect(() => loadConfig({ file: null, env: { TRUSTED_PROXIES: '["10.0.0.0/33"]' } })).toThrow(/trusted_proxies/);
    expect(() => loadConfig({ file: null, env: { TRUSTED_PROXIES: '["example.com"]' } })).toThrow(/trusted_proxies/);
    expect(loadConfig({ file: null, env: {} }).trusted_proxies).toEqual(['loopback']);
  });

  it('takes oidc_providers as a list of providers, from the file or as JSON in the environment', () => {
    const p = { id: 'corp', name: 'Corp', issuer: 'http://127.0.0.1:4000', client_id: 'site', client_secret: 's3' };
    expect(loadConfig({ file: null, env: {} }).oidc_providers).toEqual([]);
    expect(loadConfig({ file: null, env: { OIDC_PROVIDERS: JSON.stringify([{ ...p, extra: 1 }]) } }).oidc_providers).toEqual([p]);
    expect(loadConfig({ file: writeConf({ oidc_providers: [p] }) }).oidc_providers).toEqual([p]);
    expect(() => loadConfig({ file: null, env: { OIDC_PROVIDERS: '{corp}' } })).toThrow(/oidc_providers.*JSON list/);
    expect(() => loadConfig({ file: writeConf({ oidc_providers: [p, p] }) })).toThrow(/oidc_providers: id "corp" appears twice/);
    expect(() => loadConfig({ file: writeConf({ oidc_providers: [{ ...p, issuer: 'ftp://x' }] }) })).toThrow(/issuer is not an http\(s\) URL/);
    expect(() => loadConfig({ file: writeConf({ oidc_providers: [{ ...p, id: 'Bad Id' }] }) })).toThrow(/id must be/);
    expect(() => loadConfig({ file: writeConf({ oidc_providers: [{ ...p, client_id: '' }] }) })).toThrow(/needs a string "client_id"/);
    expect(() => loadConfig({ file: writeConf({ oidc_providers: ['corp'] }) })).toThrow(/entry 0 is not an object/);
  });

  it('takes transcode_ladder as distinct heights, sorted, from the file or the environment', () => {
    expect(loadConfig({ file: null, env: {} }).transcode_ladder).toEqual([360, 720]);
    expect(loadConfig({ file: null, env: { TRANSCODE_LADDER: '[720, 240, 720]' } }).transcode_ladder).toEqual([240, 720]);
    expect(loadConfig({ file: writeConf({ transcode_ladder: [1080] }) }).transcode_ladder).toEqual([1080]);
    expect(() => loadConfig({ file: null, env: { TRANSCODE_LADDER: '360,720' } })).toThrow(/transcode_ladder.*JSON list/);
    expect(() => loadConfig({ file: null, env: { TRANSCODE_LADDER: '[]' } })).toThrow(/transcode_ladder.*distinct/);
    expect(() => loadConfig({ file: writeConf({ transcode_ladder: [360, '720'] }) })).toThrow(/transcode_ladder.*integers/);
    expect(() => loadConfig({ file: writeConf({ transcode_ladder: [10] }) })).toThrow(/transcode_ladder.*90\.\.4320/);
  });

  it('resolves watermark_file against the config file and checks watermark_position', () => {
    const file = writeConf({ watermark_file: 'logo.png', watermark_position: 'bottom-left' });
    const config = loadConfig({ file });
    expect(config.watermark_file).toBe(path.join(path.dirname(file), 'logo.png'));
    expect(config.watermark_position).toBe('bottom-left');
    expect(loadConfig({ file: null, env: {} }).watermark_file).toBe('');
    expect(() => loadConfig({ file: null, env: { WATERMARK_POSITION: 'middle' } })).toThrow(/watermark_position/);
  });

  it('binds each service to its own key, else host; the scheduler to loopback by default', () => {
    const config = loadConfig({ file: null, env: { HOST: '0.0.0.0', API_HOST: '127.0.0.2' } });
    expect(bindHost(config, 'api')).toBe('127.0.0.2');
    expect(bindHost(config, 'web')).toBe('0.0.0.0');
    expect(bindHost(config, 'scheduler')).toBe('127.0.0.1');
  });

  it('generates one internal token into data_dir when none is configured, and keeps it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'token-'));
    const first = resolveInternalToken({ internal_token: '', data_dir: path.join(dir, 'data') });
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(resolveInternalToken({ internal_token: '', data_dir: path.join(dir, 'data') })).toBe(first);
    expect((statSync(path.join(dir, 'data', 'internal-token')).mode & 0o077)).toBe(0);
    expect(resolveInternalToken({ internal_token: 'given', data_dir: path.join(dir, 'data') })).toBe('given');
    rmSync(dir, { recursive: true, force: true });
  });
});
