import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {coordsGrid} from '@daek/flow-ops';
import {describeWithBackends, expectClose} from '@daek/testing';
import {referenceBidir, toNhwc} from '../test/amt-reference.js';
import {createBidirCorrelation, CORRELATION_MODES, windowOffsetValues} from './index.js';

/** Deterministic pseudo-random values in [-1, 1) (no tf.random: identical on every backend). */
function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let x = seed >>> 0;
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = (x >>> 8) / 8388608 - 1;
  }
  return out;
}

interface Case {
  fmap0: tf.Tensor4D; fmap1: tf.Tensor4D; coords0: tf.Tensor4D; coords1: tf.Tensor4D;
}

/** Features and lookup positions: grid + displacements up to `reach` px, so some windows leave the map. */
function makeCase(batch: number, height: number, width: number, channels: number, reach: number, seed: number): Case {
  const fmap0 = tf.tensor4d(values(batch * height * width * channels, seed), [batch, height, width, channels]);
  const fmap1 = tf.tensor4d(values(batch * height * width * channels, seed + 1), [batch, height, width, channels]);
  const grid = coordsGrid(batch, height, width);
  const shift = (s: number) => tf.mul(tf.tensor4d(values(batch * height * width * 2, s), [batch, height, width, 2]), reach);
  const coords0 = tf.add(grid, shift(seed + 2)) as tf.Tensor4D;
  const coords1 = tf.add(grid, shift(seed + 3)) as tf.Tensor4D;
  return {fmap0, fmap1, coords0, coords1};
}

async function reference(c: Case, levels: number, radius: number) {
  const nhwc = async (t: tf.Tensor4D) => toNhwc(await t.data(), t.shape);
  return referenceBidir(await nhwc(c.fmap0), await nhwc(c.fmap1), await nhwc(c.coords0), await nhwc(c.coords1), levels, radius);
}

describe('windowOffsetValues', () => {
  it('puts the x offset on the outer index and the y offset on the inner one (AMT meshgrid quirk)', () => {
    const offsets = windowOffsetValues(1);
    // channel a*3+b = (a-1, b-1)
    expect(Array.from(offsets)).toEqual([-1, -1, -1, 0, -1, 1, 0, -1, 0, 0, 0, 1, 1, -1, 1, 0, 1, 1]);
  });
});

describeWithBackends('createBidirCorrelation against a loop-by-loop AMT transcription', (backend) => {
  const small = backend === 'webgpu';
  for (const mode of CORRELATION_MODES) {
    it(`${mode}: batch 2, odd sizes, a 1-px coarsest level, out-of-range windows`, async () => {
      // 7x9 with 3 levels: 7x9, 3x4, 1x2. AMT would return NaN for the 1-px level; we return the continuous value.
      const [batch, height, width, channels] = small ? [2, 5, 6, 3] : [2, 7, 9, 5];
      const c = makeCase(batch, height, width, channels, 3, 11);
      const corr = createBidirCorrelation(c.fmap0, c.fmap1, {levels: 3, radius: 2, mode});
      const {corr0, corr1} = corr.lookupSeparate(c.coords0, c.coords1);
      const expected = await reference(c, 3, 2);
      expect(corr0.shape).toEqual([batch, height, width, 3 * 25]);
      await expectClose(corr0, expected.corr0.data, 1e-5, `${mode} corr0`);
      await expectClose(corr1, expected.corr1.data, 1e-5, `${mode} corr1`);
      const both = corr.lookup(c.coords0, c.coords1);
      expect(both.shape).toEqual([batch, height, width, corr.outputChannels]);
      await expectClose(both, tf.concat([corr0, corr1], 3), 0, `${mode} lookup = cat(corr0, corr1)`);
      corr.dispose();
    });

    it(`${mode}: looks up many times on one build, and reads 0 where the whole window is outside`, async () => {
      const c = makeCase(1, 6, 8, 4, 2, 23);
      const corr = createBidirCorrelation(c.fmap0, c.fmap1, {levels: 2, radius: 1, mode});
      const first = corr.lookup(c.coords0, c.coords1);
      const far = tf.fill([1, 6, 8, 2], 1000) as tf.Tensor4D;
      const outside = corr.lookup(far, far);
      const again = corr.lookup(c.coords0, c.coords1);
      await expectClose(again, first, 0, 'repeat lookup');
      expect(await tf.max(tf.abs(outside)).data()).toEqual(new Float32Array([0]));
      const expected = await reference(c, 2, 1);
      await expectClose(first, tf.concat([tf.tensor(Array.from(expected.corr0.data), expected.corr0.shape),
        tf.tensor(Array.from(expected.corr1.data), expected.corr1.shape)], 3), 1e-5, `${mode} lookup`);
      corr.dispose();
      expect(corr.disposed).toBe(true);
    });
  }

  it('memory-light in row chunks gives the same numbers as in one piece', async () => {
    const c = makeCase(2, 9, 5, 3, 3, 31);
    const whole = createBidirCorrelation(c.fmap0, c.fmap1, {levels: 3, radius: 2, mode: 'memory-light'});
    // A budget below one row forces one row per chunk: 9 chunks.
    const chunked = createBidirCorrelation(c.fmap0, c.fmap1, {levels: 3, radius: 2, mode: 'memory-light', chunkBytes: 1});
    await expectClose(chunked.lookup(c.coords0, c.coords1), whole.lookup(c.coords0, c.coords1), 0, 'chunked vs whole');
    const separate = chunked.lookupSeparate(c.coords0, c.coords1);
    await expectClose(separate.corr1, whole.lookupSeparate(c.coords0, c.coords1).corr1, 0, 'chunked corr1');
    whole.dispose();
    chunked.dispose();
  });

  it('levels 1 and radius 0: one channel per direction, the plain bilinear correlation', async () => {
    const c = makeCase(1, 4, 5, 2, 1, 41);
    for (const mode of CORRELATION_MODES) {
      const corr = createBidirCorrelation(c.fmap0, c.fmap1, {levels: 1, radius: 0, mode});
      const out = corr.lookup(c.coords0, c.coords1);
      expect(out.shape).toEqual([1, 4, 5, 2]);
      const expected = await reference(c, 1, 0);
      await expectClose(out, tf.concat([tf.tensor(Array.from(expected.corr0.data), expected.corr0.shape),
        tf.tensor(Array.from(expected.corr1.data), expected.corr1.shape)], 3), 1e-5, `${mode} r=0`);
      corr.dispose();
    }
  });
});
