import type { FastifyInstance } from 'fastify';

export interface RunOptions {
  name: string;
  host: string;
  port: number;
  /** How long in-flight requests get to finish after SIGTERM/SIGINT. */
  graceMs?: number;
}

/**
 * Listens, and shuts down with grace on SIGTERM/SIGINT: stop accepting, let in-flight requests
 * finish (bounded), run onClose hooks (which close the database), exit 0. A second signal, or the
 * grace period running out, exits at once with 1.
 */
export async function runService(app: FastifyInstance, options: RunOptions): Promise<void> {
  const grace = options.graceMs ?? 10_000;
  let closing = false;
  const stop = (signal: string) => {
    if (closing) {
      app.log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    app.log.info({ signal }, `${options.name} shutting down`);
    const timer = setTimeout(() => {
      app.log.error(`${options.name} did not stop within ${grace} ms: exiting`);
      process.exit(1);
    }, grace);
    timer.unref();
    app.close().then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    const address = await app.listen({ host: options.host, port: options.port });
    app.log.info(`${options.name} listening on ${address}`);
  } catch (err) {
    app.log.fatal({ err }, `${options.name} could not listen on ${options.host}:${options.port}`);
    process.exit(1);
  }
}
