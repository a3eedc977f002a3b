import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectNoLeaks} from '@daek/testing';
import {flowToColor, flowToColorHost, flowToColorOps, middleburyColorWheel} from './flow_to_color.js';

const WHEEL = middleburyColorWheel();
const wheel = (k: number) => Array.from(WHEEL.slice(3 * k, 3 * k + 3));

/**
 * Reference: the Middlebury `computeColor.m` / `flowToColor.m` algorithm, per pixel in float64
 * (angle atan2(−v, −u), normalisation by max radius + eps, ×0.75 beyond the range).
 */
function middleburyReference(u: number[], v: number[], maxFlow?: number): number[][] {
  const known = u.map((x, i) => Number.isFinite(x) && Number.isFinite(v[i]) && Math.abs(x) <= 1e9 && Math.abs(v[i]) <= 1e9);
  const uu = u.map((x, i) => (known[i] ? x : 0)), vv = v.map((x, i) => (known[i] ? x : 0));
  const maxRad = maxFlow ?? Math.max(...uu.map((x, i) => Math.hypot(x, vv[i])));
  return uu.map((x, i) => {
    if (!known[i]) return [0, 0, 0];
    const un = x / (maxRad + 2.2e-16), vn = vv[i] / (maxRad + 2.2e-16);
    const rad = Math.hypot(un, vn);
    const fk = (Math.atan2(-vn, -un) / Math.PI + 1) / 2 * 54;
    const k0 = Math.floor(fk), k1 = k0 + 1 === 55 ? 0 : k0 + 1, f = fk - k0;
    return [0, 1, 2].map((c) => {
      const col = (1 - f) * wheel(k0)[c] / 255 + f * wheel(k1)[c] / 255;
      return Math.floor(255 * (rad <= 1 ? 1 - rad * (1 - col) : col * 0.75));
    });
  });
}

async function colors(flow: tf.Tensor, options = {}): Promise<number[][]> {
  const rgb = flowToColor(flow as tf.Tensor3D, options);
  expect(rgb.dtype).toBe('int32');
  const values = Array.from(await rgb.data());
  return Array.from({length: values.length / 3}, (_, i) => values.slice(3 * i, 3 * i + 3));
}

describe('middleburyColorWheel', () => {
  it('has 55 colours, segment starts at the primaries and secondaries', () => {
    expect(WHEEL.length).toBe(55 * 3);
    expect(wheel(0)).toEqual([255, 0, 0]); // RY starts at red
    expect(wheel(1)).toEqual([255, 17, 0]);
    expect(wheel(15)).toEqual([255, 255, 0]); // YG at yellow
    expect(wheel(16)).toEqual([213, 255, 0]);
    expect(wheel(21)).toEqual([0, 255, 0]); // GC at green
    expect(wheel(25)).toEqual([0, 255, 255]); // CB at cyan
    expect(wheel(36)).toEqual([0, 0, 255]); // BM at blue
    expect(wheel(49)).toEqual([255, 0, 255]); // MR at magenta
    expect(wheel(54)).toEqual([255, 0, 43]);
  });
});

describeWithBackends('flowToColor', () => {
  it('maps directions to the wheel: right red, down yellow-orange, left cyan-blue, up blue-violet', async () => {
    // One pixel per direction, all of magnitude 2, so each is at full saturation.
    const flow = tf.tensor3d([2, 0, 0, 2, -2, 0, 0, -2], [1, 4, 2]);
    const [right, down, left, up] = await colors(flow);
    expect(right).toEqual([255, 0, 0]);
    const mix = (a: number[], b: number[]) => a.map((x, c) => Math.floor(255 * (0.5 * x / 255 + 0.5 * b[c] / 255)));
    for (const [got, want] of [[down, mix(wheel(13), wheel(14))], [left, wheel(27)], [up, mix(wheel(40), wheel(41))]]) {
      for (let c = 0; c < 3; c++) expect(Math.abs(got[c] - want[c])).toBeLessThanOrEqual(1);
    }
    expect(down[0]).toBe(255); // red + green: yellow side
    expect(down[2]).toBe(0);
    expect(left).toEqual([0, 209, 255]);
    expect(up[2]).toBe(255);
  });

  it('draws zero flow white and scales saturation with magnitude', async () => {
    const flow = tf.tensor3d([0, 0, 4, 0, 2, 0, 1, 0], [2, 2, 2]);
    const [zero, full, half, quarter] = await colors(flow);
    expect(zero).toEqual([255, 255, 255]);
    expect(full).toEqual([255, 0, 0]); // the largest magnitude saturates
    expect(half).toEqual([255, 127, 127]);
    expect(quarter).toEqual([255, 191, 191]);
  });

  it('draws NaN, Infinity and unknown (> 1e9) black and leaves them out of the normalisation', async () => {
    const flow = tf.tensor3d([NaN, 0, 0, Infinity, 2e9, 0, 3, 0, 0, 0, -Infinity, 1], [1, 6, 2]);
    const got = await colors(flow);
    expect(got.slice(0, 3)).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
    expect(got[3]).toEqual([255, 0, 0]); // 3 px is the largest known magnitude
    expect(got[4]).toEqual([255, 255, 255]);
    expect(got[5]).toEqual([0, 0, 0]);
  });

  it('normalises each image of a batch by its own maximum', async () => {
    const flow = tf.tensor4d([1, 0, 0.5, 0, 100, 0, 50, 0], [2, 1, 2, 2]);
    const got = await colors(flow);
    expect(got).toEqual([[255, 0, 0], [255, 127, 127], [255, 0, 0], [255, 127, 127]]);
    expect(flowToColor(flow).shape).toEqual([2, 1, 2, 3]);
  });

  it('with maxFlow, saturates at maxFlow and darkens larger flow by 0.75', async () => {
    const flow = tf.tensor3d([10, 0, 20, 0, 5, 0], [1, 3, 2]);
    const [atMax, beyond, half] = await colors(flow, {maxFlow: 10});
    expect(atMax).toEqual([255, 0, 0]);
    expect(beyond).toEqual([191, 0, 0]);
    expect(half).toEqual([255, 127, 127]);
  });

  it('agrees with the Middlebury algorithm on a random field (±1 level)', async () => {
    const n = 64;
    const u = Array.from(await tf.randomNormal([n], 0, 3, 'float32', 7).data());
    const v = Array.from(await tf.randomNormal([n], 0, 3, 'float32', 8).data());
    u[5] = NaN;
    const flow = tf.tensor3d(u.flatMap((x, i) => [x, v[i]]), [8, 8, 2]);
    for (const options of [{}, {maxFlow: 4}]) {
      const got = await colors(flow, options);
      const want = middleburyReference(u, v, (options as {maxFlow?: number}).maxFlow);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < 3; c++) {
          if (Math.abs(got[i][c] - want[i][c]) > 1) throw new Error(`pixel ${i} channel ${c}: got ${got[i]}, Middlebury ${want[i]}`);
        }
      }
    }
  });

  it('the host loop (cpu, wasm) and the tfjs-ops version (other backends) agree within 1 level', async () => {
    const values = await tf.randomNormal([2 * 9 * 7 * 2], 0, 4, 'float32', 11).data();
    values[6] = NaN;
    values[41] = 5e9;
    const flow = tf.tensor4d(values, [2, 9, 7, 2]);
    for (const maxFlow of [undefined, 3]) {
      const ops = await flowToColorOps(flow, maxFlow).data();
      const host = flowToColorHost(values as Float32Array, 2, 63, maxFlow);
      expect(ops.length).toBe(host.length);
      for (let i = 0; i < host.length; i++) {
        if (Math.abs(ops[i] - host[i]) > 1) throw new Error(`maxFlow ${maxFlow}, value ${i}: ops ${ops[i]}, host ${host[i]}`);
      }
      expect(Array.from(host.slice(9, 12))).toEqual([0, 0, 0]); // pixel 3 holds the NaN
    }
  });

  it('rejects bad input, naming the argument and what it expected', () => {
    expect(() => flowToColor(tf.zeros([1, 4, 4, 4]) as tf.Tensor4D))
        .toThrow(/flowToColor: 'flow' must have 2 channels \(dx, dy\): \[B,H,W,2\] or \[H,W,2\]; got shape \[1,4,4,4\]. For a 4-channel/);
    expect(() => flowToColor(tf.zeros([4, 4, 3]) as tf.Tensor3D)).toThrow(/'flow' must have 2 channels .* got shape \[4,4,3\]$/);
    expect(() => flowToColor(tf.zeros([4, 2]) as never)).toThrow(/'flow' must have shape \[B,H,W,2\] or \[H,W,2\]; got shape \[4,2\]/);
    expect(() => flowToColor(tf.zeros([4, 4, 2], 'int32') as tf.Tensor3D)).toThrow(/'flow' must be float32; got int32/);
    expect(() => flowToColor(tf.zeros([4, 4, 2]) as tf.Tensor3D, {maxFlow: 0})).toThrow(/'options.maxFlow' must be a finite number > 0 \(pixels\); got 0/);
    expect(() => flowToColor(tf.zeros([4, 4, 2]) as tf.Tensor3D, {maxFlow: NaN})).toThrow(/'options.maxFlow' must be a finite number > 0/);
  });

  it('leaks no tensors', async () => {
    const flow = tf.randomNormal([2, 6, 5, 2], 0, 3, 'float32', 3) as tf.Tensor4D;
    await expectNoLeaks(() => flowToColor(flow));
    await expectNoLeaks(() => flowToColor(flow, {maxFlow: 2}));
    await expectNoLeaks(() => flowToColorOps(flow));
  });
});
