// Runtime per frame: the median of timed runs after warm-up runs, on one synthetic triplet of the asked size
// (RIFE's benchmark/testtime.py does the same with 100 + 100 runs on a GPU; a CPU backend affords fewer).
import {createSyntheticTriplets} from '@daek/datasets';
import type {Method} from './methods/method.js';

/** Options of {@link measureRuntime}. */
export interface RuntimeOptions {
  /** Frame width. */
  width: number;
  /** Frame height. */
  height: number;
  /** Untimed runs first (default 1): the first call compiles kernels and allocates. */
  warmup?: number;
  /** Timed runs (default 3). */
  runs?: number;
  /** Called after each run with its milliseconds (for a progress line). */
  onRun?: (ms: number, index: number, warmup: boolean) => void;
}

/** A runtime measurement. */
export interface RuntimeResult {
  /** Frame width. */
  width: number;
  /** Frame height. */
  height: number;
  /** Warm-up runs. */
  warmup: number;
  /** Each timed run in milliseconds. */
  runsMs: number[];
  /** Median of `runsMs`. */
  medianMs: number;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Time `method.predict` on one synthetic triplet of `width` x `height` (the method must be prepared). Each
 * run includes what a user pays per frame: upload, padding, forward pass, crop and download of the result.
 */
export async function measureRuntime(method: Method, options: RuntimeOptions): Promise<RuntimeResult> {
  const {width, height, warmup = 1, runs = 3} = options;
  if (!(Number.isInteger(runs) && runs >= 1)) throw new Error(`runtime: runs must be an integer >= 1, got ${runs}`);
  if (!(Number.isInteger(warmup) && warmup >= 0)) throw new Error(`runtime: warmup must be an integer >= 0, got ${warmup}`);
  const triplet = await createSyntheticTriplets({seed: 2024, count: 1, width, height}).read(0);
  const runsMs: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const start = performance.now();
    await method.predict(triplet);
    const ms = performance.now() - start;
    if (i >= warmup) runsMs.push(ms);
    options.onRun?.(ms, i, i < warmup);
  }
  return {width, height, warmup, runsMs, medianMs: median(runsMs)};
}
