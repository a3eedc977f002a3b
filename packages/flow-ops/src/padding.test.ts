import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectClose, expectNoLeaks} from '@daek/testing';
import {axisPadding, cropPadding, padToMultiple, type Padding} from './padding.js';

/** Reference: where padded pixel (y, x) comes from, or -1 for a zero pixel. */
function sourceIndex(y: number, x: number, h: number, w: number, p: Padding, mode: 'replicate' | 'zero'): number {
  const sy = y - p.top, sx = x - p.left;
  if (mode === 'zero') return sy < 0 || sy >= h || sx < 0 || sx >= w ? -1 : sy * w + sx;
  return Math.min(Math.max(sy, 0), h - 1) * w + Math.min(Math.max(sx, 0), w - 1);
}

function values(n: number, offset = 0): Float32Array {
  return Float32Array.from({length: n}, (_, i) => ((i * 37 + offset) % 101) / 10 - 5);
}

describe('axisPadding', () => {
  it('matches AMT InputPadder: pad = (((n // m) + 1)·m − n) % m, before = pad // 2', () => {
    for (const m of [1, 8, 16, 32]) {
      for (let n = 1; n <= 100; n++) {
        const pad = ((Math.floor(n / m) + 1) * m - n) % m;
        expect(axisPadding(n, m)).toEqual([Math.floor(pad / 2), pad - Math.floor(pad / 2)]);
      }
    }
    expect(axisPadding(720, 32)).toEqual([8, 8]);
    expect(axisPadding(1280, 32)).toEqual([0, 0]);
  });
  it('pads up to minSize, rounded up to the multiple, centred', () => {
    expect(axisPadding(10, 32, 128)).toEqual([59, 59]);
    expect(axisPadding(100, 32, 128)).toEqual([14, 14]);
    expect(axisPadding(127, 32, 128)).toEqual([0, 1]);
    expect(axisPadding(200, 32, 128)).toEqual([12, 12]);
    expect(axisPadding(10, 32, 100)).toEqual([59, 59]); // 100 is not a multiple: 128
  });
});

describeWithBackends('padToMultiple and cropPadding', () => {
  for (const mode of ['replicate', 'zero'] as const) {
    it(`${mode}: every padded pixel comes from the right place, and cropPadding undoes it`, async () => {
      const [b, h, w, c] = [2, 5, 7, 2];
      const xv = values(b * h * w * c);
      const x = tf.tensor4d(xv, [b, h, w, c]);
      const {padded, padding} = padToMultiple(x, 4, {mode});
      expect(padding).toEqual({top: 1, bottom: 2, left: 0, right: 1});
      expect(padded.shape).toEqual([2, 8, 8, 2]);
      const expected = new Float32Array(2 * 8 * 8 * 2);
      for (let n = 0; n < b; n++) {
        for (let y = 0; y < 8; y++) {
          for (let xx = 0; xx < 8; xx++) {
            const s = sourceIndex(y, xx, h, w, padding, mode);
            for (let k = 0; k < c; k++) expected[((n * 8 + y) * 8 + xx) * c + k] = s < 0 ? 0 : xv[(n * h * w + s) * c + k];
          }
        }
      }
      await expectClose(padded, expected, 0, 'padded');
      await expectClose(cropPadding(padded, padding), x, 0, 'cropped');
    });
  }

  it('replicate pads far beyond the image (minSize), on [H,W,C]', async () => {
    const x = tf.tensor3d(values(3 * 2 * 1), [3, 2, 1]);
    const {padded, padding} = padToMultiple(x, 4, {minSize: 16});
    expect(padding).toEqual({top: 6, bottom: 7, left: 7, right: 7});
    expect(padded.shape).toEqual([16, 16, 1]);
    const xv = await x.data();
    const expected = Float32Array.from({length: 256}, (_, i) => xv[sourceIndex(Math.floor(i / 16), i % 16, 3, 2, padding, 'replicate')]);
    await expectClose(padded, expected, 0, 'padded');
    await expectClose(cropPadding(padded, padding), x, 0, 'cropped');
  });

  it('returns a new tensor when nothing needs padding, and pads int32 too', async () => {
    const x = tf.ones([1, 8, 8, 3]) as tf.Tensor4D;
    const {padded, padding} = padToMultiple(x, 8);
    expect(padding).toEqual({top: 0, bottom: 0, left: 0, right: 0});
    expect(padded).not.toBe(x);
    padded.dispose();
    expect(x.isDisposed).toBe(false);
    const ints = padToMultiple(tf.tensor3d([1, 2, 3, 4], [2, 2, 1], 'int32'), 3, {mode: 'replicate'});
    expect(ints.padded.dtype).toBe('int32');
    expect(Array.from(await ints.padded.data())).toEqual([1, 2, 2, 3, 4, 4, 3, 4, 4]);
  });

  for (const mode of ['replicate', 'zero'] as const) {
    it(`${mode} padding is differentiable: edge pixels collect the gradient of their copies`, async () => {
      const [h, w] = [3, 5];
      const x = tf.tensor4d(values(h * w), [1, h, w, 1]);
      const {padding} = padToMultiple(x, 4, {mode});
      const [ph, pw] = [h + padding.top + padding.bottom, w + padding.left + padding.right];
      const wv = values(ph * pw, 13);
      const weight = tf.tensor4d(wv, [1, ph, pw, 1]);
      const g = tf.grad((t) => tf.sum(tf.mul(padToMultiple(t as tf.Tensor4D, 4, {mode}).padded, weight)))(x);
      const expected = new Float32Array(h * w);
      for (let y = 0; y < ph; y++) {
        for (let xx = 0; xx < pw; xx++) {
          const s = sourceIndex(y, xx, h, w, padding, mode);
          if (s >= 0) expected[s] += wv[y * pw + xx];
        }
      }
      await expectClose(g, expected, 1e-5, 'gradient');
    });
  }

  it('cropPadding is differentiable', async () => {
    const x = tf.ones([1, 6, 6, 1]) as tf.Tensor4D;
    const g = tf.grad((t) => tf.sum(cropPadding(t as tf.Tensor4D, {top: 1, bottom: 2, left: 0, right: 3})))(x);
    const expected = Float32Array.from({length: 36}, (_, i) => {
      const y = Math.floor(i / 6), xx = i % 6;
      return y >= 1 && y < 4 && xx < 3 ? 1 : 0;
    });
    await expectClose(g, expected, 0, 'gradient');
  });

  it('rejects bad input, naming the argument and what it expected', () => {
    const x = tf.zeros([1, 5, 5, 3]) as tf.Tensor4D;
    expect(() => padToMultiple(x, 0)).toThrow(/padToMultiple: 'multiple' must be a positive integer; got 0/);
    expect(() => padToMultiple(x, -32)).toThrow(/'multiple' must be a positive integer; got -32/);
    expect(() => padToMultiple(x, 2.5)).toThrow(/'multiple' must be a positive integer; got 2.5/);
    expect(() => padToMultiple(x, NaN)).toThrow(/'multiple' must be a positive integer; got null/);
    expect(() => padToMultiple(x, 8, {mode: 'reflect' as never})).toThrow(/'options.mode' must be 'replicate' or 'zero'; got "reflect"/);
    expect(() => padToMultiple(x, 8, {minSize: 0})).toThrow(/'options.minSize' must be a positive integer; got 0/);
    expect(() => padToMultiple(x, 8, {minSize: 12.5})).toThrow(/'options.minSize' must be a positive integer/);
    expect(() => padToMultiple(tf.zeros([5, 5]) as never, 8)).toThrow(/'x' must have shape \[B,H,W,C\] or \[H,W,C\]; got shape \[5,5\]/);
    expect(() => padToMultiple(tf.zeros([5, 5, 1], 'bool') as never, 8)).toThrow(/'x' must be float32 or int32; got bool/);
    expect(() => cropPadding(x, {top: 3, bottom: 2, left: 0, right: 0}))
        .toThrow(/cropPadding: 'padding' \{"top":3,"bottom":2,"left":0,"right":0\} leaves nothing of the 5×5 input/);
    expect(() => cropPadding(x, {top: -1, bottom: 0, left: 0, right: 0})).toThrow(/'padding' must be \{top, bottom, left, right\}, integers >= 0/);
    expect(() => cropPadding(x, {top: 1} as never)).toThrow(/'padding' must be \{top, bottom, left, right\}/);
    expect(() => cropPadding(tf.zeros([5]) as never, {top: 0, bottom: 0, left: 0, right: 0})).toThrow(/cropPadding: 'x' must be a tf.Tensor of shape \[B,H,W,C\] or \[H,W,C\]; got shape \[5\]/);
  });

  it('leaks no tensors, forward and gradient', async () => {
    const x = tf.tensor4d(values(2 * 5 * 7 * 3), [2, 5, 7, 3]);
    await expectNoLeaks(() => padToMultiple(x, 8).padded);
    await expectNoLeaks(() => padToMultiple(x, 8, {mode: 'zero', minSize: 16}).padded);
    const image = tf.squeeze(tf.slice(x, 0, 1), [0]) as tf.Tensor3D;
    await expectNoLeaks(() => padToMultiple(image, 4).padded);
    await expectNoLeaks(() => tf.tidy(() => cropPadding(padToMultiple(x, 8).padded, padToMultiple(x, 8).padding)));
    await expectNoLeaks(() => tf.grad((t) => padToMultiple(t as tf.Tensor4D, 8).padded)(x));
    await expectNoLeaks(() => tf.grad((t) => padToMultiple(t as tf.Tensor4D, 8, {mode: 'zero'}).padded)(x));
  });
});
