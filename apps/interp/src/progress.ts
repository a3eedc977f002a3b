// The progress line on stderr: frames done of the total, frames per second, ETA. Redrawn in place on a terminal,
// a plain line every few seconds otherwise (logs, CI).
import {formatDuration, type ProgressStream} from '@daek/cli-support';

/** Progress of a job measured in output frames. */
export class Progress {
  private readonly start = Date.now();
  private lastPrint = 0;
  private done = 0;
  private base = 0;

  /**
   * @param stream where to draw (stderr).
   * @param total frames the job will write.
   * @param label what is counted.
   * @param quiet draw nothing.
   */
  constructor(private readonly stream: ProgressStream, private readonly total: number, private readonly label = 'frames',
      private readonly quiet = false) {}

  /** Frames already done before this run (resume): counted as done, not in the rate. */
  skip(frames: number): void {
    this.base = frames;
    this.done = frames;
  }

  /** Record `frames` more done. */
  tick(frames = 1): void {
    this.done += frames;
    const now = Date.now();
    const interval = this.stream.isTTY ? 200 : 5000;
    if (now - this.lastPrint >= interval || this.done === this.total) {
      this.lastPrint = now;
      this.draw();
    }
  }

  /** Frames per second of this run so far. */
  rate(): number {
    const seconds = (Date.now() - this.start) / 1000;
    return seconds > 0 ? (this.done - this.base) / seconds : 0;
  }

  private draw(): void {
    if (this.quiet) return;
    const fps = this.rate();
    const eta = fps > 0 ? (this.total - this.done) / fps : Infinity;
    const fraction = this.total > 0 ? this.done / this.total : 1;
    const text = `${this.done}/${this.total} ${this.label}  ${fps.toFixed(2)} fps  ETA ${formatDuration(eta)}`;
    if (this.stream.isTTY) {
      const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - text.length - 10));
      const filled = Math.round(fraction * width);
      this.stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}\x1b[K`);
    } else {
      this.stream.write(`daek-interp: ${text}\n`);
    }
  }

  /** End the line on a terminal. */
  end(): void {
    if (!this.quiet && this.stream.isTTY) this.stream.write('\n');
  }
}
