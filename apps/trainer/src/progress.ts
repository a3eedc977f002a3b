// The progress bar on stderr: step, loss terms, learning rate, samples/s and ETA. On a terminal it redraws one
// line (messages print above it); elsewhere (logs, pipes) it prints a line every 10% or every 30 seconds.
import {formatDuration, type ProgressStream} from '@daek/cli-support';
import type {StepLoss} from './step.js';

/** `0.01234` style: 4 significant digits. */
function num(x: number | undefined): string {
  return x === undefined ? '-' : x.toPrecision(4);
}

/** The loss part of a progress line: `loss 0.1234 (rec 0.05 tea 0.06 dis 0.3)`. */
export function formatLoss(loss: StepLoss): string {
  const terms = loss.recTeacher === undefined ? `rec ${num(loss.rec)}` :
    `rec ${num(loss.rec)} tea ${num(loss.recTeacher)} dis ${num(loss.distill)}`;
  return `loss ${num(loss.loss)} (${terms})`;
}

/** Options of {@link StepProgress}. */
export interface StepProgressOptions {
  /** Where to draw (default `process.stderr`). */
  stream?: ProgressStream;
  /** Draw nothing (messages still print). */
  quiet?: boolean;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/**
 * Progress over optimiser steps. Steps done before this session (a resume) count towards the bar but not
 * towards the rate, so samples/s and the ETA reflect this machine now.
 */
export class StepProgress {
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  private readonly quiet: boolean;
  private readonly start: number;
  private readonly firstStep: number;
  private lastDraw = -Infinity;
  private lastFraction = -1;
  private current = '';

  /**
   * @param total steps of the run.
   * @param batch samples per step.
   * @param step steps already done.
   */
  constructor(private readonly total: number, private readonly batch: number, step: number, options: StepProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? (() => performance.now());
    this.quiet = options.quiet ?? false;
    this.start = this.now();
    this.firstStep = step;
  }

  /** Samples per second over this session's steps (NaN before the first). */
  samplesPerSecond(step: number): number {
    const seconds = (this.now() - this.start) / 1000;
    const steps = step - this.firstStep;
    return steps > 0 && seconds > 0 ? steps * this.batch / seconds : Number.NaN;
  }

  /** The line for `step` steps done with this loss and learning rate. */
  line(step: number, loss: StepLoss, lr: number): string {
    const seconds = (this.now() - this.start) / 1000;
    const steps = step - this.firstStep;
    const perStep = steps > 0 ? seconds / steps : Number.NaN;
    const fraction = this.total > 0 ? step / this.total : 1;
    const width = 20;
    const filled = Math.round(Math.min(1, fraction) * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const rate = this.samplesPerSecond(step);
    const pace = Number.isFinite(rate) ? `${rate >= 10 ? rate.toFixed(1) : rate.toPrecision(3)} samples/s` : '? samples/s';
    const tail = step >= this.total ? `done in ${formatDuration(seconds)}` : `ETA ${formatDuration(perStep * (this.total - step))}`;
    return `step ${step}/${this.total} [${bar}] ${formatLoss(loss)} lr ${lr.toExponential(2)} ${pace} ${tail}`;
  }

  /** Draw the bar after a step. */
  update(step: number, loss: StepLoss, lr: number): void {
    if (this.quiet) return;
    const t = this.now();
    const fraction = this.total > 0 ? step / this.total : 1;
    const finished = step >= this.total;
    this.current = this.line(step, loss, lr);
    if (this.stream.isTTY) {
      if (!finished && t - this.lastDraw < 200) return;
      const columns = this.stream.columns ?? 160;
      this.stream.write(`\r\x1b[K${this.current.slice(0, columns - 1)}${finished ? '\n' : ''}`);
      if (finished) this.current = '';
    } else {
      const decile = Math.floor(fraction * 10) > Math.floor(this.lastFraction * 10);
      if (!finished && !decile && t - this.lastDraw < 30000 && this.lastDraw !== -Infinity) return;
      this.stream.write(`${this.current}\n`);
    }
    this.lastDraw = t;
    this.lastFraction = fraction;
  }

  /** Print a message line (validation, checkpoint, warnings) without garbling the bar. */
  message(text: string): void {
    if (this.stream.isTTY && !this.quiet && this.current) {
      const columns = this.stream.columns ?? 160;
      this.stream.write(`\r\x1b[K${text}\n${this.current.slice(0, columns - 1)}`);
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  /** End the bar's line (on a terminal). */
  end(): void {
    if (this.stream.isTTY && !this.quiet && this.current) this.stream.write('\n');
    this.current = '';
  }
}

export {formatDuration};
export type {ProgressStream};
