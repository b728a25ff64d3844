/**
 * Prepares a streamserver benchmark: migrates the database named by DATABASE_URL, creates a user
 * with a session and one live video row per id given on the command line, and prints the session id.
 */
import { randomUUID } from 'node:crypto';
import { connectDatabase, insertSession, insertUser, insertVideo, migrate } from '@video/shared';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is not set');
const db = connectDatabase(url);
await migrate(db);
const now = Date.now();
const userId = await insertUser(db.kysely, { user_name: `bench${now}`, pwd_hash: 'x', create_time: now });
const sessionId = randomUUID();
await insertSession(db.kysely, { id: sessionId, user_id: userId, create_time: now, expires_at: now + 86_400_000 });
for (const id of process.argv.slice(2)) {
  await insertVideo(db.kysely, {
    id,
    author_id: userId,
    name: id,
    display_ctime: 'Jan 02 2006, 15:04:05',
    create_time: now,
    deleted_at: null,
    upload_state: 'ready',
    size: null,
    content_type: 'video/mp4',
    updated_at: now,
  });
}
await db.close();
process.stdout.write(`${sessionId}\n`);
