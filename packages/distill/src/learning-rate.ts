// The learning-rate schedule of spec §3.1 (assumption A13): RIFE's `train.py` L21-27 with the paper's constants.
import {assertNumber} from './validate.js';

/** Options of {@link learningRate}. */
export interface LearningRateOptions {
  /** Learning rate at the end of the warmup; 1e-4 (paper). */
  peak?: number;
  /** Learning rate at the last step; 1e-6 (paper). */
  floor?: number;
  /** Linear warmup steps; 2000 (RIFE, A13). 0 for no warmup (the paper's plain cosine, A13-alt). */
  warmup?: number;
  /**
   * Total number of optimiser steps T = epochs · steps per epoch (DAEK: 300 · ⌊examples / 32⌋, e.g. 300 · 1523 =
   * 456,900 with RIFE's 95% split of Vimeo-90K).
   */
  totalSteps: number;
}

/**
 * The learning rate for optimiser step `step` (counted from 0, as RIFE's `get_learning_rate(step)`; spec §3.1, A13):
 * ```
 * lr(s) = peak · s / warmup                                                     s < warmup
 *       = (peak − floor) · (0.5 · cos(π · (s − warmup) / (T − warmup)) + 0.5) + floor   otherwise
 * ```
 * so step 0 has learning rate 0 (as in RIFE), step `warmup` has `peak`, and step T has `floor`. Beyond T the cosine
 * would rise again; this holds `floor` there instead (RIFE never gets there: its last step is T − 1). No
 * `world_size / 4` factor (spec §3.1).
 *
 * @example
 * ```ts
 * optimizer.learningRate = learningRate(step, {totalSteps: 300 * stepsPerEpoch});
 * ```
 */
export function learningRate(step: number, options: LearningRateOptions): number {
  const op = 'learningRate';
  if (options == null || typeof options !== 'object') throw new TypeError(`${op}: options with 'totalSteps' are required`);
  const peak = assertNumber(op, 'peak', options.peak ?? 1e-4, (v) => v >= 0, 'a number ≥ 0');
  const floor = assertNumber(op, 'floor', options.floor ?? 1e-6, (v) => v >= 0 && v <= peak, `a number in [0, peak = ${peak}]`);
  const warmup = assertNumber(op, 'warmup', options.warmup ?? 2000, (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0');
  const total = assertNumber(op, 'totalSteps', options.totalSteps, (v) => Number.isInteger(v) && v > warmup,
      `an integer > warmup (${warmup}): epochs · steps per epoch`);
  assertNumber(op, 'step', step, (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0 (steps count from 0)');
  if (step < warmup) return peak * (step / warmup); // RIFE: mul = step / 2000.; 3e-4 * mul
  if (step >= total) return floor;
  return (peak - floor) * (Math.cos((step - warmup) / (total - warmup) * Math.PI) * 0.5 + 0.5) + floor;
}
