/** Thrown by send() on a closed channel. */
export class ChannelClosedError extends Error {
  constructor() {
    super('send on a closed channel');
    this.name = 'ChannelClosedError';
  }
}

/**
 * A bounded async channel between one or more producers and consumers. send() resolves once the
 * value is buffered and waits while the buffer is full (back-pressure); close() lets consumers drain
 * what is buffered and then ends their iteration; sending after close() throws.
 */
export class Channel<T> implements AsyncIterable<T> {
  private readonly buffer: T[] = [];
  private readonly senders: Array<{ value: T; resolve: () => void; reject: (err: Error) => void }> = [];
  private readonly receivers: Array<(result: IteratorResult<T>) => void> = [];
  private closed = false;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`channel capacity must be ≥ 1 (got ${capacity})`);
  }

  get size(): number {
    return this.buffer.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(value: T): Promise<void> {
    if (this.closed) return Promise.reject(new ChannelClosedError());
    const receiver = this.receivers.shift();
    if (receiver) {
      receiver({ value, done: false });
      return Promise.resolve();
    }
    if (this.buffer.length < this.capacity) {
      this.buffer.push(value);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.senders.push({ value, resolve, reject }));
  }

  /** The next value, or done once the channel is closed and drained. */
  receive(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) {
      const value = this.buffer.shift() as T;
      // A waiting sender takes the freed slot.
      const sender = this.senders.shift();
      if (sender) {
        this.buffer.push(sender.value);
        sender.resolve();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.receivers.push(resolve));
  }

  /** No more values: waiting receivers end, buffered values can still be drained, blocked senders fail. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const receiver of this.receivers.splice(0)) receiver({ value: undefined, done: true });
    for (const sender of this.senders.splice(0)) sender.reject(new ChannelClosedError());
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const next = await this.receive();
      if (next.done) return;
      yield next.value;
    }
  }
}
