import { describe, expect, it } from 'vitest';
import { VIDEOS, pageOf, usePagesSite } from './fake-public-api.js';

const site = usePagesSite();
const anna = { session: 'owner-session' };
const bob = { session: 'bob-session' };
const page200 = (url: string, cookies?: Record<string, string>) => pageOf(site, url, cookies);

describe('/admin/reports', () => {
  it('sends a visitor to sign in, and refuses a plain user with the 403 page', async () => {
    const visitor = await site.web.inject({ url: '/admin/reports' });
    expect(visitor.statusCode).toBe(302);
    expect(visitor.headers.location).toBe(`/?next=${encodeURIComponent('/admin/reports')}#auth`);
    const user = await site.web.inject({ url: '/admin/reports?state=open', cookies: bob });
    expect(user.statusCode).toBe(403);
    expect(user.body).toContain('Moderators only');
    expect(user.body).not.toContain('report-admin.js');
  });
});

describe('the report buttons', () => {
  it('a signed-in viewer of the watch page gets the video report button and the dialog; the owner and visitors do not', async () => {
    const id = VIDEOS.cats.id;
    const other = await page200(`/v/${id}`, bob);
    expect(other).toContain(`data-report-target="video" data-report-id="${id}"`);
    expect(other).toContain('id="report-dialog"');
    expect(other).toContain('id="danmaku-recent"');
    const own = await page200(`/v/${id}`, anna);
    expect(own).not.toContain('data-report-target="video"');
    const visitor = await page200(`/v/${id}`);
    expect(visitor).not.toContain('id="report-dialog"');
    expect(visitor).not.toContain('data-report-target');
  });

  it('a channel has a report button for someone else, none on your own', async () => {
    expect(await page200('/u/anna', bob)).toContain('data-report-target="user" data-report-id="anna"');
    expect(await page200('/u/anna', anna)).not.toContain('data-report-target');
  });

  it('a conversation has a report button for the other user', async () => {
    const body = await page200('/messages?with=bob', anna);
    expect(body).toContain('data-report-target="user" data-report-id="bob"');
    expect(body).toContain('id="report-dialog"');
  });
});
