// The grant command (scripts/admin.ts), spawned with tsx against a temporary SQLite database.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, insertUser, migrate, type Db } from '@video/shared';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const SCRIPT = path.join(ROOT, 'scripts', 'admin.ts');

function runAdmin(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [SCRIPT, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run admin -- grant', () => {
  let tmp: string;
  let env: Record<string, string>;
  let dbFile: string;

  const withDb = async <T>(fn: (db: Db) => Promise<T>): Promise<T> => {
    const db = connectDatabase(`sqlite:${dbFile}`);
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  };

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'video-admin-cli-'));
    dbFile = path.join(tmp, 'site.db');
    writeFileSync(path.join(tmp, 'conf.json'), JSON.stringify({ database_url: `sqlite:${dbFile}`, video_dir: path.join(tmp, 'videos') }));
    env = { HOME: tmp, CONFIG: path.join(tmp, 'conf.json') };
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('migrates a fresh database, then says there is no such user (exit 66)', async () => {
    const res = await runAdmin(['grant', 'alice', 'admin'], env);
    expect(res.code, res.stderr).toBe(66);
    expect(res.stderr).toContain("no such user 'alice'");
    const migrated = await withDb((db) => db.kysely.selectFrom('schema_migrations').select('name').execute());
    expect(migrated.map((m) => m.name)).toContain('019-admin');
  });

  it('grants a role, prints what it did, audits it with actor 0; a second grant changes nothing', async () => {
    const id = await withDb(async (db) => {
      await migrate(db);
      return insertUser(db.kysely, { user_name: 'alice', pwd_hash: 'x', create_time: Date.now() });
    });
    const res = await runAdmin(['grant', 'alice', 'admin'], env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('alice: user → admin');
    const again = await runAdmin(['grant', 'alice', 'admin'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already admin');
    const { user, audit } = await withDb(async (db) => ({
      user: await db.kysely.selectFrom('users').select('role').where('id', '=', id).executeTakeFirstOrThrow(),
      audit: await db.kysely.selectFrom('audit_log').selectAll().execute(),
    }));
    expect(user.role).toBe('admin');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_id: 0, action: 'role', target_type: 'user', target_id: String(id) });
    expect(JSON.parse(audit[0]!.detail)).toEqual({ user_name: 'alice', from: 'user', to: 'admin' });
  });

  it.each([
    [['grant', 'alice', 'emperor'], 64, "unknown role 'emperor'"],
    [['grant', 'alice'], 64, 'usage: grant'],
    [['revoke', 'alice', 'admin'], 64, "unknown command 'revoke'"],
  ])('%j exits %i saying what is wrong', async (args, code, message) => {
    const res = await runAdmin(args, env);
    expect(res.code).toBe(code);
    expect(res.stderr).toContain(message);
  });

  it('--help prints the usage', async () => {
    const res = await runAdmin(['--help'], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^usage: npm run admin -- grant <user name> user\|moderator\|admin/);
  });

  it('a bad setting exits 78 naming the key', async () => {
    const res = await runAdmin(['grant', 'alice', 'user'], { ...env, DATABASE_URL: 'postgres://nope' });
    expect(res.code).toBe(78);
    expect(res.stderr).toContain('database_url');
  });
});
