import {describe, expect, it} from '@jest/globals';
import {createRandom, deriveSeed, shuffledIndices} from './random.js';

describe('createRandom', () => {
  it('gives the same stream for the same seed and unrelated streams for neighbouring seeds', () => {
    const a = createRandom(42), b = createRandom(42), c = createRandom(43);
    const sa = Array.from({length: 100}, () => a.nextUint32());
    const sb = Array.from({length: 100}, () => b.nextUint32());
    const sc = Array.from({length: 100}, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa.filter((v, i) => v === sc[i]).length).toBe(0);
  });

  it('pins the first values of seed 0, so a change of generator cannot go unnoticed', () => {
    // Synthetic datasets and augmentation streams are defined by these numbers.
    const r = createRandom(0);
    expect(Array.from({length: 4}, () => r.nextUint32())).toEqual(PINNED_SEED0);
  });

  it('draws uniform floats in [0, 1) and integers in [low, high) with roughly equal frequencies', () => {
    const r = createRandom(7);
    const counts = new Array(6).fill(0);
    let min = 1, max = 0;
    for (let i = 0; i < 60000; i++) {
      const u = r.uniform();
      min = Math.min(min, u);
      max = Math.max(max, u);
      counts[r.integer(-2, 4) + 2]++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
  });

  it('rejects a seed that is not a safe integer and an empty integer range', () => {
    expect(() => createRandom(1.5)).toThrow(/createRandom: expected a safe integer seed, received 1.5/);
    expect(() => createRandom(0).integer(3, 3)).toThrow(/expected integers low < high, received \[3, 3\)/);
  });
});

describe('deriveSeed and shuffledIndices', () => {
  it('derives distinct seeds from distinct parts, including large and negative ones', () => {
    const seeds = new Set<number>();
    for (const a of [0, 1, -1, 2 ** 32, 2 ** 40 + 3]) for (let b = 0; b < 50; b++) seeds.add(deriveSeed(a, b));
    expect(seeds.size).toBe(250);
    expect(deriveSeed(5, 6)).toBe(deriveSeed(5, 6));
    expect(deriveSeed(5, 6)).not.toBe(deriveSeed(6, 5));
  });

  it('shuffles to a permutation, reproducibly', () => {
    const p = shuffledIndices(50, createRandom(3));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({length: 50}, (_, i) => i));
    expect(p).toEqual(shuffledIndices(50, createRandom(3)));
    expect(p).not.toEqual(Array.from({length: 50}, (_, i) => i));
  });
});

// Recorded from this implementation when it was written; the test guards reproducibility across versions.
const PINNED_SEED0 = [2518617037, 3169912220, 388194085, 4256497383];
