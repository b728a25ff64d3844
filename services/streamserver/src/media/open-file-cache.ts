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

  /** The file for a validated id with one reference taken, or undefined when there is none. */
  acquire(id: string, trustMs = 0): OpenVideoFile | undefined {
    let entry = this.files.get(id);
    const now = Date.now();
    if (entry && trustMs > 0 && now - entry.checkedAt < trustMs) {
      entry.refs++;
      return entry;
    }
    const file = path.join(this.dir, id);
    const st = statSync(file, { throwIfNoEntry: false });
    if (!st || !st.isFile()) {
      if (entry) this.retire(id, entry);
      return undefined;
    }
    if (entry && (entry.ino !== st.ino || entry.size !== st.size || entry.mtimeMs !== st.mtimeMs)) {
      this.retire(id, entry);
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
      // The path may have been replaced between stat and open: describe what was opened.
      const fst = fstatSync(fd);
      entry = {
        fd,
        size: fst.size,
        mtimeMs: fst.mtimeMs,
        ino: fst.ino,
        etag: `"${id}-${fst.size.toString(36)}-${Math.round(fst.mtimeMs * 1000).toString(36)}"`,
        lastModified: new Date(fst.mtimeMs).toUTCString(),
        mtimeSec: Math.floor(fst.mtimeMs / 1000),
        refs: 0,
        retired: false,
        checkedAt: now,
      };
      if (this.files.size >= this.maxEntries) this.evictOne();
      this.files.set(id, entry);
    }
    entry.checkedAt = now;
    entry.refs++;
    return entry;
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
