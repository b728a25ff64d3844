import type { AppError, TusUpload } from '@video/shared';

/** What a request learned before @tus/server took over, for the hooks it calls back. */
export interface TusContext {
  uploadId?: string;
  row?: TusUpload;
  origin: string;
  /** An error our own hook raised inside @tus/server, rethrown as is. */
  error?: AppError;
}

/**
 * The context of each request handed to @tus/server, keyed by the web Request it is given (its
 * hooks see only that), and forgotten with it.
 */
export class TusContextStore {
  private readonly contexts = new WeakMap<Request, TusContext>();

  set(req: Request, ctx: TusContext): void {
    this.contexts.set(req, ctx);
  }

  /** The request's context, if it has one. */
  find(req: Request): TusContext | undefined {
    return this.contexts.get(req);
  }

  /** The request's context; every request reaches @tus/server with one. */
  of(req: Request): TusContext {
    const ctx = this.contexts.get(req);
    if (!ctx) throw new Error('tus request without context');
    return ctx;
  }
}
