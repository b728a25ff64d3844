/** Ports of the four services, by service name. */
export type SitePorts = Record<'api' | 'streamserver' | 'scheduler' | 'web', number>;

export interface SiteEnvOptions {
  databaseUrl: string;
  videoDir: string;
  /** The web's own metrics port; 0 (off) unless given. */
  webMetricsPort?: number;
}

/**
 * The config keys (as environment variables) that place the four services on 127.0.0.1 and these
 * ports, point each at the others, and give them one database and one video folder. The system
 * harness and the deployment tests both start their site from it and add their own settings on top.
 */
export function siteEnv(ports: SitePorts, options: SiteEnvOptions): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    API_PORT: String(ports.api),
    STREAM_PORT: String(ports.streamserver),
    SCHEDULER_PORT: String(ports.scheduler),
    WEB_PORT: String(ports.web),
    WEB_METRICS_PORT: String(options.webMetricsPort ?? 0),
    API_URL: `http://127.0.0.1:${ports.api}`,
    STREAM_URL: `http://127.0.0.1:${ports.streamserver}`,
    SCHEDULER_URL: `http://127.0.0.1:${ports.scheduler}`,
    DATABASE_URL: options.databaseUrl,
    VIDEO_DIR: options.videoDir,
  };
}
