// The flow and blend mask the interpolator does not return: one more forward pass of the tfjs network (the same
// padding as the interpolator), keeping the last stage's flow and mask.
import * as tf from '@tensorflow/tfjs';
import {cropPadding, flowToColor, padToMultiple} from '@daek/flow-ops';
import {disposeOutputs, type Interpolator} from '@daek/models';
import type {Rgba} from './images.js';

/** F_t→0 in Middlebury colours and the mask (frame 0's weight) in grey, as RGBA, at t = 0.5. */
export async function tfjsVisuals(interp: Interpolator, a: Rgba, b: Rgba): Promise<{flow: Uint8ClampedArray; mask: Uint8ClampedArray}> {
  const [flowRgb, mask] = tf.tidy(() => {
    const toFloat = (f: Rgba) => tf.div(tf.slice(tf.tensor4d(Float32Array.from(f.data), [1, f.height, f.width, 4]),
      [0, 0, 0, 0], [-1, -1, -1, 3]), 255) as tf.Tensor4D;
    const p0 = padToMultiple(toFloat(a), 32, {mode: 'replicate', minSize: 128});
    const p1 = padToMultiple(toFloat(b), 32, {mode: 'replicate', minSize: 128});
    const out = interp.network.forward(p0.padded, p1.padded);
    const flow = cropPadding(out.flows[out.flows.length - 1]!, p0.padding);
    const m = cropPadding(out.masks[out.masks.length - 1]!, p0.padding);
    const colour = flowToColor(tf.slice(flow, [0, 0, 0, 0], [-1, -1, -1, 2]) as tf.Tensor4D);
    const kept = [tf.keep(colour), tf.keep(tf.clone(m))];
    disposeOutputs(out);
    return kept;
  });
  const [rgb, m] = await Promise.all([flowRgb!.data(), mask!.data()]);
  flowRgb!.dispose();
  mask!.dispose();
  const pixels = a.width * a.height;
  const flow = new Uint8ClampedArray(pixels * 4);
  const grey = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    flow[4 * p] = rgb[3 * p]!; flow[4 * p + 1] = rgb[3 * p + 1]!; flow[4 * p + 2] = rgb[3 * p + 2]!; flow[4 * p + 3] = 255;
    const v = Math.round(255 * m[p]!);
    grey[4 * p] = v; grey[4 * p + 1] = v; grey[4 * p + 2] = v; grey[4 * p + 3] = 255;
  }
  return {flow, mask: grey};
}
