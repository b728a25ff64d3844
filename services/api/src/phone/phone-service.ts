import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { v4 as uuidv4 } from 'uuid';
import { conflict, findUserById, isUniqueViolation, transactionWithRetry, unauthorized, unavailable, type Config, type Db, type Executor } from '@video/shared';
import { createAccount, hasUsablePassword, newSession } from '../identities/account-names.js';
import { listIdentities } from '../identities/identities-repository.js';
import { bannedError } from '../identities/identities-service.js';
import {
  consumeCode,
  countWrongGuess,
  findUserByPhone,
  insertCode,
  killCode,
  killOpenCodes,
  latestLiveCode,
  setUserPhone,
} from './phone-codes-repository.js';
import { maskPhone, type SmsSender } from './sms-sender.js';

export const CODE_TTL_MS = 5 * 60_000;
const WRONG_CODE = 'wrong or expired code';

export interface PhoneService {
  /** Sends a new code to the number (older ones die). */
  sendCode(phone: string, address: string): Promise<void>;
  /** Uses a code up: the account of the number (created on first use) and a new session for it. */
  signIn(phone: string, code: string): Promise<{ session_id: string; user_name: string }>;
  /** Uses a code up and puts the number on the user's account. */
  addToAccount(userId: number, phone: string, code: string): Promise<void>;
  /** Takes the number off the account, unless it is the last way to sign in. */
  removeFromAccount(userId: number): Promise<void>;
}

type HashOf = (id: string, phone: string, code: string) => string;

/** The code is right for the number's live code, and this caller used it up; else a 401 002. */
async function useCode(db: Db, hashOf: HashOf, phone: string, code: string): Promise<void> {
  const now = Date.now();
  const live = await latestLiveCode(db.kysely, phone, now);
  const presented = Buffer.from(hashOf(live?.id ?? 'none', phone, code), 'hex');
  const stored = Buffer.from(live?.code_hash ?? '0'.repeat(64), 'hex');
  const match = stored.length === presented.length && timingSafeEqual(stored, presented);
  if (!live) throw unauthorized(WRONG_CODE);
  if (!match) {
    await countWrongGuess(db.kysely, live.id, now);
    throw unauthorized(WRONG_CODE);
  }
  if (!(await consumeCode(db.kysely, live.id, now))) throw unauthorized(WRONG_CODE);
}

/** The live account holding the number; a deleted account keeps its row, so its number is freed here. */
async function ownerOf(trx: Executor, phone: string) {
  const owner = await findUserByPhone(trx, phone);
  if (owner && owner.deleted_at !== null) {
    await setUserPhone(trx, owner.id, null);
    return undefined;
  }
  return owner;
}

const NOT_ADDABLE = 'this number cannot be added to this account';

export function createPhoneService(db: Db, config: Pick<Config, 'session_ttl_minutes' | 'internal_token'>, sms: SmsSender): PhoneService {
  // Keyed with the internal token (every service's main resolves one), so the table alone cannot be
  // searched for the million possible codes; the row id in the input makes each hash unique.
  const key = config.internal_token || 'phone-codes';
  const hashOf: HashOf = (id, phone, code) => createHmac('sha256', key).update(`${id}|${phone}|${code}`).digest('hex');

  return {
    async sendCode(phone, address) {
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const id = uuidv4();
      const now = Date.now();
      await transactionWithRetry(db, async (trx) => {
        await killOpenCodes(trx, phone, now);
        await insertCode(trx, { id, phone, code_hash: hashOf(id, phone, code), address, create_time: now, expires_at: now + CODE_TTL_MS });
      });
      try {
        await sms(phone, `Your sign-in code is ${code}. It expires in 5 minutes.`);
      } catch (err) {
        await killCode(db.kysely, id, Date.now());
        throw unavailable(`the text message to ${maskPhone(phone)} could not be sent, try again shortly`, err);
      }
    },

    async signIn(phone, code) {
      await useCode(db, hashOf, phone, code);
      return transactionWithRetry(db, async (trx) => {
        const now = Date.now();
        const owner = await ownerOf(trx, phone);
        if (owner?.banned_at != null) throw bannedError(owner.ban_reason);
        // A phone account's name never shows the number: it is `user` with a free suffix.
        const user = owner ? { id: owner.id, user_name: owner.user_name } : await createAccount(trx, 'user', now, phone);
        return { session_id: await newSession(trx, user.id, now, config.session_ttl_minutes), user_name: user.user_name };
      });
    },

    async addToAccount(userId, phone, code) {
      await useCode(db, hashOf, phone, code);
      try {
        await transactionWithRetry(db, async (trx) => {
          const owner = await ownerOf(trx, phone);
          if (owner && owner.id !== userId) throw conflict(NOT_ADDABLE);
          if (!owner) await setUserPhone(trx, userId, phone);
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(NOT_ADDABLE);
        throw err;
      }
    },

    removeFromAccount: (userId) =>
      transactionWithRetry(db, async (trx) => {
        const row = await findUserById(trx, userId);
        if (!row || row.phone === null) return;
        if (!hasUsablePassword(row.pwd_hash) && (await listIdentities(trx, userId)).length === 0) {
          throw conflict('this is the last way to sign in to this account: set a password or link a provider first');
        }
        await setUserPhone(trx, userId, null);
      }),
  };
}
