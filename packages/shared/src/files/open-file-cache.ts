import { close, fstatSync, openSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** An open video file and the metadata every response about it needs, computed once. */
export interface OpenVideoFile {
  readonly fd: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  readonly etag: string;
  readonly lastModified: string;
  /** Last-Modified truncated to whole seconds, as HTTP dates carry them. */
  readonly mtimeSec: number;
  refs: number;
  retired: boolean;
  /** When the path was last stat-ed and found to still be this file (Date.now()). */
  checkedAt: number;
  /** When a response last took it (Date.now()): closeIdle forgets files nobody asked for. */
  usedAt: number;
}

/**
 * Keeps one read-only descriptor per served file, shared by every response about it (reads are
 * positional, so sharing is safe). A lookup re-stats the path unless the caller accepts an answer
 * up to `trustMs` old; and a watch on the directory (inotify) forgets a file as soon as anything
 * happens to its name — replaced by rename, removed by the scheduler, changed in place — in any
 * process, so within that window too a changed file is noticed within milliseconds. The window is
 * only the backstop for a watch that is not available or missed an event. The old descriptor stays
 * open until the last response reading it ends, so a replaced file is never served half old and
 * half new.
 */
export class OpenFileCache {
  private readonly files = new Map<string, OpenVideoFile>();
  private watcher: FSWatcher | undefined;

  constructor(
    private readonly dir: string,
    private readonly maxEntries = 1024,
  ) {}

  /**
   * Starts watching the directory (idempotent). Returns false when the platform or a full inotify
   * table refuses: then only the `trustMs` window bounds how long a changed file may be served.
   */
  watch(onError: (err: Error) => void = () => undefined): boolean {
    if (this.watcher) return true;
    try {
      this.watcher = watch(this.dir, { persistent: false }, (_event, name) => {
        const id = typeof name === 'string' ? name : undefined;
        if (id === undefined) {
          // The kernel dropped events (queue overflow): forget everything.
          this.clear();
          return;
        }
        const entry = this.files.get(id);
        if (entry) this.retire(id, entry);
      });
      this.watcher.on('error', (err) => {
        this.unwatch();
        this.clear();
        onError(err);
      });
      return true;
    } catch (err) {
      onError(err as Error);
      return false;
    }
  }

  unwatch(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  /**
   * The file at `name` (a validated video id, or a path under the directory built only from
   * validated parts) with one reference taken, or undefined when there is none.
   */
  acquire(name: string, trustMs = 0): OpenVideoFile | undefined {
    let entry = this.files.get(name);
    const now = Date.now();
    if (entry && trustMs > 0 && now - entry.checkedAt < trustMs) {
      entry.refs++;
      entry.usedAt = now;
      return entry;
    }
    const file = path.join(this.dir, name);
    const st = statSync(file, { throwIfNoEntry: false });
    if (!st || !st.isFile()) {
      if (entry) this.retire(name, entry);
      return undefined;
    }
    if (entry && (entry.ino !== st.ino || entry.size !== st.size || entry.mtimeMs !== st.mtimeMs)) {
      this.retire(name, entry);
      entry = undefined;
    }
    if (!entry) {
      let fd: number;
      try {
        fd = openSync(file, 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      entry = describe(fd, now);
      if (this.files.size >= this.maxEntries) this.evictOne();
      this.files.set(name, entry);
    }
    entry.checkedAt = now;
    entry.usedAt = now;
    entry.refs++;
    return entry;
  }

  /**
   * Forgets every file no response has taken for `idleMs`. Files whose name no watch covers (the
   * derived files under .media) are let go this way once nobody asks for them, so the descriptor
   * of a removed generation does not keep its disk space.
   */
  closeIdle(idleMs: number, now = Date.now()): void {
    for (const [id, entry] of this.files) if (now - entry.usedAt >= idleMs) this.retire(id, entry);
  }

  /** Gives back a reference taken by acquire; a retired file's descriptor closes with the last one. */
  release(entry: OpenVideoFile): void {
    entry.refs--;
    if (entry.retired && entry.refs === 0) close(entry.fd, () => undefined);
  }

  /** Forgets a file now (after an upload replaced it, say). */
  invalidate(id: string): void {
    const entry = this.files.get(id);
    if (entry) this.retire(id, entry);
  }

  /** Closes every idle descriptor and forgets the rest (server close). */
  clear(): void {
    for (const [id, entry] of this.files) this.retire(id, entry);
  }

  size(): number {
    return this.files.size;
  }

  private retire(id: string, entry: OpenVideoFile): void {
    if (this.files.get(id) === entry) this.files.delete(id);
    if (entry.retired) return;
    entry.retired = true;
    if (entry.refs === 0) close(entry.fd, () => undefined);
  }

  private evictOne(): void {
    // Map order is insertion order: the oldest entry goes first.
    const first = this.files.entries().next();
    if (!first.done) this.retire(first.value[0], first.value[1]);
  }
}

/**
 * What every response about an opened file needs. The path may have been replaced between stat and
 * open: this describes what was opened. The ETag names the inode too, so a file renamed over
 * another (a faststart remux) gets a new tag even with the same size and modification time.
 */
function describe(fd: number, now: number): OpenVideoFile {
  const st = fstatSync(fd);
  const tag = [st.ino, st.size, Math.round(st.mtimeMs * 1000)].map((n) => n.toString(36)).join('-');
  return {
    fd,
    size: st.size,
    mtimeMs: st.mtimeMs,
    ino: st.ino,
    etag: `"${tag}"`,
    lastModified: new Date(st.mtimeMs).toUTCString(),
    mtimeSec: Math.floor(st.mtimeMs / 1000),
    refs: 0,
    retired: false,
    checkedAt: now,
    usedAt: now,
  };
}
