import type { LightMyRequestResponse } from 'fastify';
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Role } from '@video/shared';
import type { TestApp } from '../helper.js';
import { withSession, type User } from '../fixtures/public-site.js';

export type ReportBody = { id: string; target: string; target_id: string; video_id: string | null; reason: string; note: string; state: string; create_time: string };
export type AdminReport = ReportBody & {
  reporter: string;
  summary: string | null;
  target_open_reports: number;
  video_hidden: boolean;
  decided_by: string | null;
  decided_at: string | null;
  decision_note: string | null;
};

export async function reportAs(t: TestApp, user: User | null, payload: object): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'POST', url: '/reports', headers: withSession(user?.sid), payload });
}

export async function report(t: TestApp, user: User, target: string, id: string, reason = 'spam'): Promise<ReportBody> {
  const res = await reportAs(t, user, { target, id, reason });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as ReportBody;
}

export async function setRole(t: TestApp, user: User, role: Role): Promise<void> {
  await t.db.kysely.updateTable('users').set({ role }).where('id', '=', user.id).execute();
}

export async function decideAs(t: TestApp, user: User | null, id: string, payload: object): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'PATCH', url: `/admin/reports/${id}`, headers: withSession(user?.sid), payload });
}

export async function adminList(t: TestApp, user: User, query = ''): Promise<{ reports: AdminReport[]; next_cursor: string | null }> {
  const res = await t.app.inject({ method: 'GET', url: `/admin/reports${query}`, headers: withSession(user.sid) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { reports: AdminReport[]; next_cursor: string | null };
}

/** A danmaku row written directly (the live protocol is not under test here). */
export async function addDanmaku(t: TestApp, author: User, videoId: string, text = 'boo'): Promise<string> {
  const id = randomUUID();
  await t.db.kysely.insertInto('danmaku').values({ id, video_id: videoId, author_id: author.id, time: 1, type: 0, color: 0xffffff, text, create_time: Date.now() }).execute();
  return id;
}

export async function hiddenAt(t: TestApp, videoId: string): Promise<number | null> {
  const row = await t.db.kysely.selectFrom('video_info').select('hidden_at').where('id', '=', videoId).executeTakeFirstOrThrow();
  return row.hidden_at === null ? null : Number(row.hidden_at);
}
