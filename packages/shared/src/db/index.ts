// The data layer: connections, migrations, repositories and the session check that reads them.
// Loads the database drivers (better-sqlite3, mysql2): the web never imports this.
export * from './schema.js';
export * from './connect.js';
export type { WriteClock } from './write-clock.js';
export { CACHED_READ_TABLES } from './write-relevance.js';
export * from './migrate.js';
export * from './open.js';
export * from './plugin.js';
export * from './time.js';
export * from './author-visibility.js';
export * from './lock-conflicts.js';
export type { Migration } from './migrations/index.js';
export type { Executor } from './repositories/executor.js';
export * from './repositories/users-repository.js';
export * from './repositories/sessions-repository.js';
export * from './repositories/credentials-repository.js';
export * from './repositories/refresh-tokens-repository.js';
export * from './repositories/videos-repository.js';
export * from './repositories/comments-repository.js';
export * from './repositories/video-del-rec-repository.js';
export * from './repositories/uploads-repository.js';
export * from './repositories/video-tasks-repository.js';
export * from './require-session.js';
export * from './keyset.js';
export * from './listed-videos.js';
export * from './search/normalize.js';
export * from './search/search-index.js';
export * from './hot-rank.js';
