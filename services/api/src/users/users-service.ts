import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import { v4 as uuidv4 } from 'uuid';
import {
  conflict,
  deleteSession,
  forbidden,
  findUserByName,
  insertSession,
  insertUser,
  isUniqueViolation,
  transactionWithRetry,
  unauthorized,
  type Config,
  type Db,
  type User,
} from '@video/shared';

const SIGN_IN_FAILED = 'wrong user name or password';

export interface UsersService {
  signUp(userName: string, pwd: string): Promise<string>;
  /** The account for a user name and password: 401 for a wrong pair or a deleted account, 403 with the reason when banned. */
  checkCredentials(userName: string, pwd: string): Promise<User>;
  signIn(userName: string, pwd: string): Promise<string>;
  signOut(sessionId: string): Promise<void>;
}

export async function createUsersService(db: Db, config: Pick<Config, 'bcrypt_cost' | 'session_ttl_minutes'>): Promise<UsersService> {
  // Compared against when the user does not exist, so both failures cost one bcrypt compare.
  const dummyHash = await bcrypt.hash(randomBytes(16).toString('hex'), config.bcrypt_cost);
  const ttlMs = config.session_ttl_minutes * 60_000;

  const newSession = (userId: number, now: number) => ({
    id: uuidv4(),
    user_id: userId,
    create_time: now,
    expires_at: now + ttlMs,
  });

  const checkCredentials = async (userName: string, pwd: string): Promise<User> => {
    const user = await findUserByName(db.kysely, userName);
    const ok = await bcrypt.compare(pwd, user?.pwd_hash ?? dummyHash);
    if (!user || !ok || user.deleted_at !== null) throw unauthorized(SIGN_IN_FAILED);
    // Told only to someone who knows the password, so a ban reveals nothing to a guesser.
    if (user.banned_at !== null) throw forbidden(`this account is banned: ${user.ban_reason || 'no reason given'}`);
    return user;
  };

  return {
    async signUp(userName, pwd) {
      const pwdHash = await bcrypt.hash(pwd, config.bcrypt_cost);
      const now = Date.now();
      try {
        // The unique key on user_name decides a race between two sign-ups of one name.
        return await transactionWithRetry(db, async (trx) => {
          const userId = await insertUser(trx, { user_name: userName, pwd_hash: pwdHash, create_time: now });
          const session = newSession(userId, now);
          await insertSession(trx, session);
          return session.id;
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict('user name is already taken');
        throw err;
      }
    },

    checkCredentials,

    async signIn(userName, pwd) {
      const user = await checkCredentials(userName, pwd);
      const session = newSession(user.id, Date.now());
      await insertSession(db.kysely, session);
      return session.id;
    },

    async signOut(sessionId) {
      await deleteSession(db.kysely, sessionId.toLowerCase());
    },
  };
}
