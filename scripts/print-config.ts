// Prints the settings as the services will load them (conf.json or $CONFIG, then environment
// overrides, validated by the services' own loader), so shell scripts need not parse them again.
import { ConfigError, loadConfig, type Config } from '@video/shared';
import { SERVICES, serviceAddress } from './service-origins.js';

const HELP = `usage: tsx scripts/print-config.ts [--json] [--help]

Prints the resolved settings (conf.json, or the file in CONFIG, with environment overrides applied)
as key=value lines, plus <service>_probe_host and <service>_probe_port: where this machine reaches
each service. --json prints one JSON object instead. Secrets (internal_token, metrics_token,
s3_secret_key) are left out and passwords in URLs are masked. Exits 78 naming every bad key.`;

const SECRET_KEYS = new Set<keyof Config>(['internal_token', 'metrics_token', 's3_secret_key']);

/** A URL's password replaced by ***, so a printed database_url or redis_url holds no secret. */
function maskPassword(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

function printable(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config) as [keyof Config, unknown][]) {
    if (SECRET_KEYS.has(key)) continue;
    out[key] = typeof value === 'string' ? maskPassword(value) : value;
  }
  for (const service of SERVICES) {
    const { host, port } = serviceAddress(config, service);
    out[`${service}_probe_host`] = host;
    out[`${service}_probe_port`] = port;
  }
  return out;
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(HELP);
  process.exit(0);
}
const unknown = args.find((a) => a !== '--json');
if (unknown !== undefined) {
  console.error(`print-config: unknown argument '${unknown}'; see --help`);
  process.exit(64);
}
try {
  const values = printable(loadConfig());
  if (args.includes('--json')) console.log(JSON.stringify(values));
  else for (const [key, value] of Object.entries(values)) console.log(`${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(78);
}
