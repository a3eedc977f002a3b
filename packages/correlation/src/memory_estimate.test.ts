// estimateBytes against what tfjs itself counts: the held bytes exactly, the peak of build + one lookup
// (tf.profile's high-water mark over every kernel) within a factor of 2.
import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends} from '@daek/testing';
import {createBidirCorrelation, estimateBytes, type BidirCorrelationOptions} from './index.js';

const GB = 1e9;

describeWithBackends('estimateBytes against tf.memory()', (backend) => {
  const cases: [string, number, number, number, BidirCorrelationOptions][] = [
    ['all-pairs', 16, 24, 8, {mode: 'all-pairs'}],
    ['memory-light, one chunk', 16, 24, 8, {mode: 'memory-light'}],
    // GPU backends' sampler has temporaries, so the same budget buys fewer rows there.
    ['memory-light, row chunks', 16, 24, 8, {mode: 'memory-light', chunkBytes: backend === 'webgpu' ? 1.5e6 : 2e4}],
  ];
  for (const [label, height, width, channels, options] of cases) {
    it(`${label}: ${height}x${width}x${channels}`, async () => {
      const fmap0 = tf.randomNormal([1, height, width, channels]) as tf.Tensor4D;
      const fmap1 = tf.randomNormal([1, height, width, channels]) as tf.Tensor4D;
      const coords = tf.randomUniform([1, height, width, 2], -4, width + 4) as tf.Tensor4D;
      const estimate = estimateBytes(height, width, {...options, channels});
      if (options.chunkBytes) expect([estimate.rowsPerChunk > 1, estimate.rowsPerChunk < height]).toEqual([true, true]);

      const before = tf.memory().numBytes;
      const corr = createBidirCorrelation(fmap0, fmap1, {...options, checkFinite: false});
      // tfjs counts bytes per tensor, not per buffer: memory-light's level-0 views of the two input maps
      // share the inputs' buffers (no real memory) but appear in numBytes.
      const aliasBytes = options.mode === 'memory-light' ? 2 * height * width * channels * 4 : 0;
      expect(tf.memory().numBytes - before).toBe(estimate.heldBytes + aliasBytes);
      const out = corr.lookup(coords, coords);
      expect(out.size * 4).toBe(estimate.outputBytes);
      corr.dispose();
      out.dispose();

      const start = tf.memory().numBytes;
      const profile = await tf.profile(() => {
        const built = createBidirCorrelation(fmap0, fmap1, {...options, checkFinite: false});
        const result = built.lookup(coords, coords);
        built.dispose();
        return result;
      });
      tf.dispose(profile.result as tf.Tensor);
      const measured = profile.peakBytes - start;
      const ratio = estimate.peakBytes / measured;
      if (!(ratio > 0.5 && ratio < 2)) {
        throw new Error(`${label}: estimate ${estimate.peakBytes} B vs measured peak ${measured} B (ratio ${ratio.toFixed(2)})`);
      }
    });
  }
});

describe('estimateBytes at the sizes that matter', () => {
  it('all-pairs grows with (hw)^2, memory-light with hw; 4K memory-light fits in a few GB', () => {
    const vimeo = estimateBytes(32, 56);
    const hd = estimateBytes(90, 160);
    // 720p: two 14400^2 volumes (829 MB each) plus pyramids.
    expect(hd.heldBytes).toBe(2 * 14400 * (90 * 160 + 45 * 80 + 22 * 40 + 11 * 20) * 4);
    expect(hd.peakBytes / vimeo.peakBytes).toBeGreaterThan(30);
    const light4k = estimateBytes(270, 480, {mode: 'memory-light', backend: 'wasm'});
    expect(light4k.peakBytes).toBeLessThan(2 * GB);
    expect(estimateBytes(270, 480, {mode: 'all-pairs'}).peakBytes).toBeGreaterThan(100 * GB);
    // Composed from ops (GPU backends) the per-row working set is large, and the chunk budget bounds it.
    const gpu = (chunkBytes: number) => estimateBytes(90, 160, {mode: 'memory-light', backend: 'webgpu', chunkBytes});
    expect(gpu(1e10).rowsPerChunk).toBe(90);
    expect(gpu(1e10).peakBytes).toBeGreaterThan(3 * gpu(64 * 2 ** 20).peakBytes);
    // The fused kernel (cpu, wasm) allocates only its result, so the peak hardly depends on the budget.
    expect(estimateBytes(270, 480, {mode: 'memory-light', backend: 'wasm', chunkBytes: 16 * 2 ** 20}).peakBytes)
        .toBeLessThan(GB);
  });
});
