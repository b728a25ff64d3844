import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.js';

/** What every repository function takes first: the database or a transaction, the caller's choice. */
export type Executor = Kysely<Database> | Transaction<Database>;
