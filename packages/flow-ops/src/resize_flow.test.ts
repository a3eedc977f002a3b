import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import {describeWithBackends, expectClose, expectNoLeaks, npyNHWC} from '@daek/testing';
import {resizeBilinear} from './resize.js';
import {resizeFlow} from './resize_flow.js';

const fixtures = path.resolve(import.meta.dirname, '../test/fixtures/parity/resize');
const fixture = (name: string) => npyNHWC(path.join(fixtures, `${name}.npy`));

describeWithBackends('resizeFlow', (backend) => {
  describe('parity with RIFE\'s flow resizes (resize fixture, 1e-5 abs)', () => {
    it('flow_contextnet_half: interpolate(flow, 0.5) * 0.5', async () => {
      await expectClose(resizeFlow(fixture('flow'), 0.5), fixture('flow_contextnet_half'), 1e-5, 'contextnet');
    });
    for (const scale of [4, 2]) {
      it(`flow_ifblock_in_scale${scale}: interpolate(flow, 1/${scale}) * 1/${scale}`, async () => {
        await expectClose(resizeFlow(fixture('flow'), 1 / scale), fixture(`flow_ifblock_in_scale${scale}`), 1e-5, `scale ${scale}`);
      });
    }
    for (const scale of [4, 2, 1]) {
      it(`ifblock_out_scale${scale}: t = interpolate(tmp, ${2 * scale}); flow = t[:4]·${2 * scale}; mask = t[4:5]`, async () => {
        const tmp = fixture('tmp');
        const flow = resizeFlow(tf.slice(tmp, [0, 0, 0, 0], [-1, -1, -1, 4]) as tf.Tensor4D, scale * 2);
        await expectClose(flow, fixture(`ifblock_out_scale${scale}_flow`), 1e-5, 'flow');
        const mask = tf.slice(resizeBilinear(tmp, {scale: scale * 2}), [0, 0, 0, 4], [-1, -1, -1, 1]);
        await expectClose(mask, fixture(`ifblock_out_scale${scale}_mask`), 1e-5, 'mask');
      });
    }
  });

  it('scales dx by scaleX and dy by scaleY with [scaleY, scaleX]', async () => {
    // A constant flow stays constant under any resize, so only the vector scaling shows.
    const flow = tf.tile(tf.tensor4d([3, -5, 7, 11], [1, 1, 1, 4]), [1, 6, 8, 1]) as tf.Tensor4D;
    const out = resizeFlow(flow, [0.5, 2]);
    expect(out.shape).toEqual([1, 3, 16, 4]);
    const expected = tf.tile(tf.tensor4d([6, -2.5, 14, 5.5], [1, 1, 1, 4]), [1, 3, 16, 1]);
    await expectClose(out, expected, 1e-6, 'anisotropic');
  });

  it('accepts [H,W,2] and its gradient is scale × the resize gradient', async () => {
    const flow = tf.randomUniform([9, 7, 2], -3, 3, 'float32', 4) as tf.Tensor3D;
    const w = tf.randomUniform([4, 3, 2], 0, 1, 'float32', 5);
    const g = tf.grad((f) => tf.sum(tf.mul(resizeFlow(f as tf.Tensor3D, 0.5), w)))(flow);
    const gResize = tf.grad((f) => tf.sum(tf.mul(resizeBilinear(f as tf.Tensor3D, {scale: 0.5}), w)))(flow);
    expect(g.shape).toEqual([9, 7, 2]);
    await expectClose(g, tf.mul(gResize, 0.5), 1e-6, 'gradient');
  });

  it('rejects bad input, naming the argument and what it expected', () => {
    const flow = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
    expect(() => resizeFlow(tf.zeros([1, 4, 4, 3]) as tf.Tensor4D, 0.5))
        .toThrow(/resizeFlow: 'flow' must have an even number of channels, \(dx, dy\) pairs: \[B,H,W,2k\] or \[H,W,2k\]; got shape \[1,4,4,3\]/);
    expect(() => resizeFlow(tf.zeros([4, 4]) as never, 0.5)).toThrow(/'flow' must have shape \[B,H,W,2k\] or \[H,W,2k\]; got shape \[4,4\]/);
    expect(() => resizeFlow(tf.zeros([1, 4, 4, 2], 'int32') as tf.Tensor4D, 0.5)).toThrow(/'flow' must be float32; got int32/);
    expect(() => resizeFlow(flow, 0)).toThrow(/resizeFlow: 'scale' must be a finite number > 0 or a pair \[scaleY, scaleX\] of them; got 0/);
    expect(() => resizeFlow(flow, -1)).toThrow(/'scale' must be a finite number > 0/);
    expect(() => resizeFlow(flow, [0.5] as never)).toThrow(/'scale' must be .* got \[0.5\]/);
    expect(() => resizeFlow(flow, 0.1)).toThrow(/turns the 4×4 input into 0×0/);
  });

  if (backend === 'webgpu') {
    it('does not read back by default on webgpu, and says why checkFinite: true cannot', () => {
      const values = new Float32Array(32);
      values[3] = NaN;
      const flow = tf.tensor4d(values, [1, 4, 4, 2]);
      expect(resizeFlow(flow, 0.5).shape).toEqual([1, 2, 2, 2]);
      expect(() => resizeFlow(flow, 0.5, {checkFinite: true})).toThrow(/resizeFlow: cannot check 'flow' for NaN\/Infinity on the webgpu backend/);
    });
  } else {
    it('rejects NaN and Infinity by default, unless checkFinite: false', () => {
      const values = new Float32Array(32);
      values[3] = NaN;
      const withNaN = tf.tensor4d(values, [1, 4, 4, 2]);
      values[3] = 0;
      values[10] = -Infinity;
      const withInfinity = tf.tensor4d(values, [1, 4, 4, 2]);
      expect(() => resizeFlow(withNaN, 0.5)).toThrow(/resizeFlow: 'flow' contains NaN or Infinity/);
      expect(() => resizeFlow(withInfinity, 0.5)).toThrow(/resizeFlow: 'flow' contains NaN or Infinity/);
      expect(resizeFlow(withNaN, 0.5, {checkFinite: false}).shape).toEqual([1, 2, 2, 2]);
      expect(resizeFlow(tf.ones([1, 4, 4, 2]) as tf.Tensor4D, 0.5, {checkFinite: true}).shape).toEqual([1, 2, 2, 2]);
    });
  }

  it('leaks no tensors, forward and gradient', async () => {
    const flow = tf.randomUniform([1, 8, 12, 4], -2, 2, 'float32', 1) as tf.Tensor4D;
    await expectNoLeaks(() => resizeFlow(flow, 0.5));
    await expectNoLeaks(() => resizeFlow(flow, [2, 0.5]));
    if (backend !== 'webgpu') await expectNoLeaks(() => resizeFlow(flow, 0.25, {checkFinite: true}));
    await expectNoLeaks(() => resizeFlow(flow, 0.25, {checkFinite: false}));
    await expectNoLeaks(() => tf.grad((f) => resizeFlow(f as tf.Tensor4D, 2))(flow));
    await expectNoLeaks(() => tf.grad((f) => resizeFlow(f as tf.Tensor4D, [0.5, 2]))(flow));
  });
});
