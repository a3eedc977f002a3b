import {describe, expect, it} from '@jest/globals';
import {learningRate} from './learning-rate.js';

describe('learningRate (spec §3.1, A13)', () => {
  const totalSteps = 456_900;   // 300 epochs · 1523 steps
  const lr = (step: number) => learningRate(step, {totalSteps});

  it('warms up linearly from 0 at step 0 to the peak at step 2000', () => {
    expect(lr(0)).toBe(0);
    expect(lr(1)).toBe(1e-4 * (1 / 2000));
    expect(lr(1000)).toBe(5e-5);
    expect(lr(1999)).toBe(1e-4 * (1999 / 2000));
    expect(lr(2000)).toBe(1e-4);
  });

  it('decays by a cosine to the floor at totalSteps, and holds it after', () => {
    const middle = 2000 + (totalSteps - 2000) / 2;
    expect(lr(middle)).toBeCloseTo((1e-4 + 1e-6) / 2, 18);
    expect(lr(2001)).toBeLessThan(1e-4);
    expect(lr(2001)).toBeGreaterThan(1e-4 - 1e-12);
    expect(lr(totalSteps - 1)).toBeGreaterThan(1e-6);
    expect(lr(totalSteps - 1)).toBeLessThan(1e-6 + 1e-14);
    expect(lr(totalSteps)).toBe(1e-6);
    expect(lr(totalSteps + 5000)).toBe(1e-6);
    // RIFE's expression, as written in train.py (with DAEK's constants)
    const rife = (step: number) => (1e-4 - 1e-6) * (Math.cos((step - 2000) / (totalSteps - 2000) * Math.PI) * 0.5 + 0.5) + 1e-6;
    for (const step of [2000, 12345, 200_000, 456_899]) expect(lr(step)).toBe(rife(step));
  });

  it('is monotone: up during the warmup, down after', () => {
    let previous = -1;
    for (let step = 0; step <= 2000; step += 50) { expect(lr(step)).toBeGreaterThan(previous); previous = lr(step); }
    for (let step = 2000 + 4000; step <= totalSteps; step += 4000) { expect(lr(step)).toBeLessThan(previous); previous = lr(step); }
  });

  it('without warmup starts at the peak; other constants are options', () => {
    expect(learningRate(0, {totalSteps: 100, warmup: 0})).toBe(1e-4);
    expect(learningRate(100, {totalSteps: 100, warmup: 0})).toBe(1e-6);
    expect(learningRate(5, {totalSteps: 100, warmup: 10, peak: 3e-4, floor: 3e-6})).toBe(3e-4 * 0.5);
    expect(learningRate(10, {totalSteps: 100, warmup: 10, peak: 3e-4, floor: 3e-6})).toBe(3e-4);
  });

  it('names bad arguments', () => {
    expect(() => learningRate(-1, {totalSteps})).toThrow(/step.*integer ≥ 0/);
    expect(() => learningRate(1.5, {totalSteps})).toThrow(/step/);
    expect(() => learningRate(0, {totalSteps: 2000})).toThrow(/totalSteps.*> warmup \(2000\)/);
    expect(() => learningRate(0, {} as {totalSteps: number})).toThrow(/totalSteps/);
    expect(() => learningRate(0, {totalSteps, floor: 1})).toThrow(/floor/);
    expect(() => learningRate(0, {totalSteps, warmup: -3})).toThrow(/warmup/);
    expect(() => learningRate(0, undefined as unknown as {totalSteps: number})).toThrow(/totalSteps/);
  });
});
