// `npm run admin -- grant <name> <role>` (also bin/admin in a build): gives an account a role on the
// configured database, migrating it first if needed. The first admin is made this way. Each grant is
// written to the audit log with actor 0, which stands for this command line (no account has id 0).
import { ConfigError, loadConfig, openDatabase, ROLES, type Db } from '@video/shared';
import { CLI_ACTOR_ID } from '../services/api/src/admin/audit-repository.js';
import { grantRole, isRole } from '../services/api/src/admin/role-grant.js';

const HELP = `usage: npm run admin -- grant <user name> ${ROLES.join('|')}
       (from a build: bin/admin grant <user name> <role>)

Gives the account the role on the database of conf.json (or $CONFIG, with environment overrides
such as DATABASE_URL), migrating it first if needed, and records the grant in the audit log.
Exit codes: 0 done (or already so), 64 bad arguments, 66 no such user, 78 bad settings, 1 other.`;

function fail(code: number, message: string): never {
  console.error(`admin: ${message}`);
  process.exit(code);
}

async function main(argv: string[]): Promise<void> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return;
  }
  const [command, rawName, role, ...rest] = argv;
  if (command !== 'grant') fail(64, `unknown command '${command}' (try --help)`);
  if (!rawName || role === undefined || rest.length > 0) fail(64, 'usage: grant <user name> <role> (try --help)');
  if (!isRole(role)) fail(64, `unknown role '${role}': use one of ${ROLES.join(', ')}`);
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(78, err.message);
    throw err;
  }
  const db: Db = await openDatabase(config.database_url, (msg) => console.error(`admin: ${msg}`), { redisUrl: config.redis_url });
  try {
    const name = rawName.normalize('NFC');
    const result = await grantRole(db, name, role, CLI_ACTOR_ID);
    if (result.outcome === 'no-such-user') fail(66, `no such user '${name}' (sign up first, then grant)`);
    if (result.outcome === 'unchanged') console.log(`${name} is already ${role}; nothing changed`);
    else console.log(`${name}: ${result.from} → ${result.to} (recorded in the audit log)`);
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => fail(1, err instanceof Error ? err.message : String(err)));
