/** How often the current percent is reported again while a step is silent (a long seek, a flush). */
const HEARTBEAT_MS = 2000;

/**
 * Overall progress across steps weighted by their expected cost: each step's ffmpeg position
 * (seconds of output over the duration) fills its share. Reported as 0–99; 100 is the caller's,
 * once the generation is installed.
 */
export class Progress {
  private done = 0;
  private current = 0;
  private currentWeight = 0;
  private last = -1;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly total: number,
    private readonly duration: number,
    private readonly report: (percent: number) => void,
  ) {
    this.timer = setInterval(() => this.emit(true), HEARTBEAT_MS);
    this.timer.unref();
    this.emit(true);
  }

  /** Starts a step of `weight`; the returned callback takes ffmpeg's output position in seconds. */
  step(weight: number): (seconds: number) => void {
    this.done += this.currentWeight;
    this.currentWeight = weight;
    this.current = 0;
    this.emit(false);
    return (seconds) => {
      this.current = Math.min(1, Math.max(this.current, seconds / this.duration));
      this.emit(false);
    };
  }

  percent(): number {
    const f = (this.done + this.currentWeight * this.current) / this.total;
    return Math.min(99, Math.max(0, Math.floor(f * 99)));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private emit(always: boolean): void {
    const p = this.percent();
    if (!always && p === this.last) return;
    this.last = p;
    this.report(p);
  }
}
