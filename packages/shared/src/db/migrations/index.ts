import type { Kysely } from 'kysely';
import type { DialectName } from '../connect.js';
import { initial } from './001-initial.js';
import { danmaku } from './005-danmaku.js';
import { tus } from './006-tus.js';
import { publicSite } from './007-public-site.js';
import { media } from './008-media.js';
import { social } from './009-social.js';
import { commentPins } from './013-comment-pins.js';
import { announce } from './014-announce.js';
import { accounts } from './015-accounts.js';
import { admin } from './019-admin.js';
import { s3 } from './022-s3.js';
import { searchGrams } from './023-search-grams.js';

export interface Migration {
  /** Sorts in the order the migrations run; never renamed once released. */
  name: string;
  /** Takes Kysely<any>: a migration must not depend on today's application types. */
  up(db: Kysely<any>, dialect: DialectName): Promise<void>;
}

/** Every migration, oldest first. Add new ones at the end. */
export const MIGRATIONS: Migration[] = [initial, danmaku, tus, publicSite, media, social, commentPins, announce, accounts, admin, s3, searchGrams];
