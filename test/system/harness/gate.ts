import { testDialects } from '@video/shared/testing';
import { mariadbMissing } from './private-mariadb.js';

/**
 * The system suite needs MySQL (TEST_MYSQL_URL). Without it the suite is skipped with the reason
 * printed, except under REQUIRE_MYSQL=1 (CI), where testDialects() throws and the file fails.
 */
export function mysqlSkipReason(file: string): string | undefined {
  if (testDialects().includes('mysql')) return undefined;
  const reason = `${file} SKIPPED: the system suite runs against MySQL; set TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test`;
  console.warn(reason);
  return reason;
}

/** The outage test also needs mariadbd and mariadb-install-db to run a server of its own. */
export function mariadbSkipReason(file: string): string | undefined {
  const noMysql = mysqlSkipReason(file);
  if (noMysql) return noMysql;
  const missing = mariadbMissing();
  if (!missing) return undefined;
  if (process.env.REQUIRE_MYSQL === '1') throw new Error(`REQUIRE_MYSQL=1 but ${missing}`);
  const reason = `${file} SKIPPED: ${missing}`;
  console.warn(reason);
  return reason;
}
