import { connectDatabase } from '@video/shared';
import { sql } from 'kysely';
import { feedQuery } from '../services/api/src/follows/subscriptions-repository.js';
import { seedFeed } from './feed-seed.js';
const url = process.argv[2]!;
if (process.argv[3] === 'seed') await seedFeed(url, { channels: 500, videos: 100000, others: 50000 });
const db = connectDatabase(url);
const now = Date.now();
for (const label of ['first', 'deep']) {
  const t0 = performance.now();
  for (let i = 0; i < 50; i++) {
    const before = label === 'first' ? undefined : { time: now - Math.floor(Math.random() * 365 * 86400000), id: 'f' };
    await feedQuery(db.kysely, 1, { limit: 51, before }).execute();
  }
  console.log(label, ((performance.now() - t0) / 50).toFixed(2), 'ms');
}
const c = feedQuery(db.kysely, 1, { limit: 51, before: { time: now - 100 * 86400000, id: 'f' } }).compile();
console.log(c.sql);
await db.close();
