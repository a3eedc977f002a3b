// A progress bar with ETA over triplets, on stderr so that stdout stays the report. On a terminal it redraws
// one line; elsewhere (CI logs, pipes) it prints a line every 10% or every 30 seconds.
import {formatDuration, type ProgressStream} from '@daek/cli-support';

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** Where to draw (default `process.stderr`). */
  stream?: ProgressStream;
  /** Draw nothing. */
  quiet?: boolean;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/**
 * Progress over a known number of items. Items done before the bar started (resumed from the CSV) count
 * towards the bar but not towards the rate, so the ETA reflects the work still to do.
 */
export class Progress {
  private done: number;
  private readonly skipped: number;
  private readonly start: number;
  private lastDraw = -Infinity;
  private lastFraction = -1;
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  private readonly quiet: boolean;

  constructor(private readonly label: string, private readonly total: number, alreadyDone = 0, options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? (() => performance.now());
    this.quiet = options.quiet ?? false;
    this.done = alreadyDone;
    this.skipped = alreadyDone;
    this.start = this.now();
    this.draw(true);
  }

  /** The line as it would be drawn now. */
  line(): string {
    const elapsed = (this.now() - this.start) / 1000;
    const fresh = this.done - this.skipped;
    const rate = fresh > 0 ? elapsed / fresh : Number.NaN;
    const eta = rate * (this.total - this.done);
    const fraction = this.total > 0 ? this.done / this.total : 1;
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const resumed = this.skipped > 0 ? ` (${this.skipped} resumed)` : '';
    const pace = Number.isFinite(rate) ? ` ${rate >= 1 ? `${rate.toFixed(1)} s` : `${(rate * 1000).toFixed(0)} ms`}/triplet` : '';
    const tail = this.done >= this.total ? ` done in ${formatDuration(elapsed)}` : ` ETA ${formatDuration(eta)}`;
    return `${this.label} [${bar}] ${this.done}/${this.total}${resumed}${pace}${tail}`;
  }

  private draw(force = false): void {
    if (this.quiet) return;
    const t = this.now();
    const fraction = this.total > 0 ? this.done / this.total : 1;
    const finished = this.done >= this.total;
    if (this.stream.isTTY) {
      if (!force && !finished && t - this.lastDraw < 200) return;
      const columns = this.stream.columns ?? 120;
      this.stream.write(`\r${this.line().slice(0, columns - 1).padEnd(Math.min(columns - 1, 100))}${finished ? '\n' : ''}`);
    } else {
      const step = Math.floor(fraction * 10) > Math.floor(this.lastFraction * 10);
      if (!force && !finished && !step && t - this.lastDraw < 30000) return;
      this.stream.write(`${this.line()}\n`);
    }
    this.lastDraw = t;
    this.lastFraction = fraction;
  }

  /** One more item done. */
  tick(): void {
    this.done++;
    this.draw();
  }
}

export {formatDuration};
export type {ProgressStream};
