// Gradients of the lookup with respect to both feature maps and both coordinate fields, on every backend,
// against central finite differences of the independent float64 AMT transcription (test/amt-reference.ts).
import {expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectClose} from '@daek/testing';
import {referenceBidir, toNhwc, type Nhwc} from '../test/amt-reference.js';
import {bidirCorrelationFeature, createBidirCorrelation, CORRELATION_MODES} from './index.js';

const [BATCH, HEIGHT, WIDTH, CHANNELS, LEVELS, RADIUS] = [1, 4, 6, 3, 2, 1];
const OUT = 2 * LEVELS * (2 * RADIUS + 1) ** 2;

function values(count: number, seed: number): number[] {
  const out: number[] = [];
  let x = seed >>> 0;
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out.push(Math.fround((x >>> 8) / 8388608 - 1));
  }
  return out;
}

/**
 * Lookup positions whose fractional parts stay in [0.3, 0.7] at level 0, so at every level the finite
 * difference step never crosses a pixel boundary (where the bilinear sampler has a kink).
 */
function coordsValues(seed: number): number[] {
  const jitter = values(BATCH * HEIGHT * WIDTH * 2, seed);
  return jitter.map((u, i) => {
    const pixel = Math.floor(i / 2);
    const base = i % 2 === 0 ? pixel % WIDTH : Math.floor(pixel / WIDTH) % HEIGHT;
    // Integer displacement in [-2, 2] (some windows leave the map) plus 0.3..0.7.
    return Math.fround(base + Math.round(2 * u) + 0.5 + 0.2 * u);
  });
}

const featureShape: [number, number, number, number] = [BATCH, HEIGHT, WIDTH, CHANNELS];
const coordShape: [number, number, number, number] = [BATCH, HEIGHT, WIDTH, 2];
const inputs = {
  fmap0: values(BATCH * HEIGHT * WIDTH * CHANNELS, 101),
  fmap1: values(BATCH * HEIGHT * WIDTH * CHANNELS, 202),
  coords0: coordsValues(303),
  coords1: coordsValues(404),
};
const lossWeights = values(BATCH * HEIGHT * WIDTH * OUT, 505);

/** Σ weights · cat(corr0, corr1) in float64 through the reference. */
function referenceLoss(v: typeof inputs): number {
  const nhwc = (data: number[], shape: number[]): Nhwc => toNhwc(data, shape);
  const {corr0, corr1} = referenceBidir(nhwc(v.fmap0, featureShape), nhwc(v.fmap1, featureShape),
      nhwc(v.coords0, coordShape), nhwc(v.coords1, coordShape), LEVELS, RADIUS);
  const per = LEVELS * (2 * RADIUS + 1) ** 2;
  let total = 0;
  for (let p = 0; p < BATCH * HEIGHT * WIDTH; p++) {
    for (let k = 0; k < per; k++) {
      total += lossWeights[p * OUT + k] * corr0.data[p * per + k] + lossWeights[p * OUT + per + k] * corr1.data[p * per + k];
    }
  }
  return total;
}

/** Central differences of the reference loss, for every element of every input. */
function referenceGradients(): Record<keyof typeof inputs, number[]> {
  const step = 1e-4;
  const out = {} as Record<keyof typeof inputs, number[]>;
  for (const name of Object.keys(inputs) as (keyof typeof inputs)[]) {
    out[name] = inputs[name].map((_, i) => {
      const plus = {...inputs, [name]: inputs[name].slice()};
      const minus = {...inputs, [name]: inputs[name].slice()};
      plus[name][i] += step;
      minus[name][i] -= step;
      return (referenceLoss(plus) - referenceLoss(minus)) / (2 * step);
    });
  }
  return out;
}

const expected = referenceGradients();

describeWithBackends('gradients through the lookup', () => {
  for (const mode of CORRELATION_MODES) {
    it(`${mode}: d loss / d (fmap0, fmap1, coords0, coords1) match finite differences of the AMT transcription`, async () => {
      const weights = tf.tensor4d(lossWeights, [BATCH, HEIGHT, WIDTH, OUT]);
      const loss = (f0: tf.Tensor, f1: tf.Tensor, c0: tf.Tensor, c1: tf.Tensor) => {
        const corr = createBidirCorrelation(f0 as tf.Tensor4D, f1 as tf.Tensor4D, {levels: LEVELS, radius: RADIUS, mode});
        const out = corr.lookup(c0 as tf.Tensor4D, c1 as tf.Tensor4D);
        corr.dispose();
        return tf.sum(tf.mul(out, weights)) as tf.Scalar;
      };
      const grads = tf.grads(loss)([
        tf.tensor4d(inputs.fmap0, featureShape), tf.tensor4d(inputs.fmap1, featureShape),
        tf.tensor4d(inputs.coords0, coordShape), tf.tensor4d(inputs.coords1, coordShape),
      ]);
      const names = ['fmap0', 'fmap1', 'coords0', 'coords1'] as const;
      for (let i = 0; i < names.length; i++) {
        await expectClose(grads[i], expected[names[i]], 1e-4, `${mode} d/d${names[i]}`);
      }
      // The coordinate gradients are not trivially zero.
      expect(Math.max(...expected.coords0.map(Math.abs))).toBeGreaterThan(0.1);
    });
  }

  it('bidirCorrelationFeature: d BCV / d flow is 2 x d lookup / d coords (t = 0.5)', async () => {
    const f0 = tf.tensor4d(inputs.fmap0, featureShape), f1 = tf.tensor4d(inputs.fmap1, featureShape);
    const corr = createBidirCorrelation(f0, f1, {levels: LEVELS, radius: RADIUS});
    const weights = tf.tensor4d(lossWeights, [BATCH, HEIGHT, WIDTH, OUT]);
    // flow chosen so the coords equal the test coords: coords0 = grid + 2*F_t→1, coords1 = grid + 2*F_t→0.
    const grid = (v: number[]) => v.map((_c, i) => (i % 2 === 0 ? Math.floor(i / 2) % WIDTH : Math.floor(i / 2 / WIDTH) % HEIGHT));
    const half = (v: number[]) => v.map((c, i) => (c - grid(v)[i]) / 2);
    const flowTo0 = tf.tensor4d(half(inputs.coords1), coordShape), flowTo1 = tf.tensor4d(half(inputs.coords0), coordShape);
    const flow = tf.concat([flowTo0, flowTo1], 3) as tf.Tensor4D;
    const dFlow = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(bidirCorrelationFeature(corr, f as tf.Tensor4D), weights)))(flow);
    const dTo0 = expected.coords1.map((g) => 2 * g), dTo1 = expected.coords0.map((g) => 2 * g);
    await expectClose(tf.slice(dFlow, [0, 0, 0, 0], [-1, -1, -1, 2]), dTo0, 2e-4, 'd/d F_t→0');
    await expectClose(tf.slice(dFlow, [0, 0, 0, 2], [-1, -1, -1, 2]), dTo1, 2e-4, 'd/d F_t→1');
    corr.dispose();
  });
});
