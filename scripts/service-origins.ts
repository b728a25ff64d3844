import { bindHost, type Config } from '@video/shared/config';

export const SERVICES = ['api', 'streamserver', 'scheduler', 'web'] as const;
export type Service = (typeof SERVICES)[number];

/** Each service's `<name>_host` and port key stem (the stream server's keys say `stream`). */
const KEY: Record<Service, 'api' | 'stream' | 'scheduler' | 'web'> = { api: 'api', streamserver: 'stream', scheduler: 'scheduler', web: 'web' };

/** Where this machine reaches a service bound to `host`: a wildcard is reached on loopback, IPv6 in brackets. */
export function probeHost(host: string): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const h = bare === '0.0.0.0' || bare === '' ? '127.0.0.1' : bare === '::' ? '::1' : bare;
  return h.includes(':') ? `[${h}]` : h;
}

/** The address and port this machine reaches `service` on, as the service binds them from `config`. */
export function serviceAddress(config: Config, service: Service): { host: string; port: number } {
  return { host: probeHost(bindHost(config, KEY[service])), port: config[`${KEY[service]}_port`] };
}

export function serviceOrigin(config: Config, service: Service): string {
  const { host, port } = serviceAddress(config, service);
  return `http://${host}:${port}`;
}
