// The coarse start of the flow search (a test-time extension of the DAEK spec, not in the paper): the network run
// once more on the frames scaled down, its flow brought back to full size. The shipped weights were trained on
// 640x360 frames, so on a 1280x720 frame the full-scale pass sees motion twice as large as it learned; the search
// lets each pixel start from whichever flow matches better (FlowSearchOptions.coarseStart).
import * as tf from '@tensorflow/tfjs';
import {cropPadding, padToMultiple, type Padding} from '@daek/flow-ops';

/** Runs the network on a padded `[B,h,w,3]` pair and returns its last `[B,h,w,4]` flow, owned by the caller. */
export type FlowPass = (img0: tf.Tensor4D, img1: tf.Tensor4D) => tf.Tensor4D | Promise<tf.Tensor4D>;

/** The coarse pass pads like createInterpolator's defaults: a multiple of 32, at least 128 a side, replicated edges. */
const COARSE_PADDING = {multiple: 32, minSize: 128} as const;

/**
 * The network's flow for the pair scaled by `scale`, brought to full size: the frames are resized bilinearly
 * (half-pixel centres) to `round(H·scale)` x `round(W·scale)`, padded (replicate, multiple of 32, at least 128),
 * passed to `pass`, cropped, resized back to H x W and multiplied by the size ratio per axis.
 *
 * @param img0 `[B,H,W,3]` frame 0 (the padded frame the full-scale pass saw).
 * @param img1 `[B,H,W,3]` frame 1.
 * @param scale In (0, 1): 0.5 estimates motion at half resolution.
 * @param pass One network pass that returns its last flow (the tfjs network, an ONNX Runtime session, ...).
 * @returns `[B,H,W,4]` flow in full-resolution pixels, owned by the caller; the inputs are not disposed.
 */
export async function coarseStartFlow(img0: tf.Tensor4D, img1: tf.Tensor4D, scale: number, pass: FlowPass): Promise<tf.Tensor4D> {
  if (!(scale > 0 && scale < 1)) throw new Error(`coarseStartFlow: scale: expected a number between 0 and 1 (exclusive), got ${String(scale)}.`);
  if (img0.rank !== 4 || img0.shape.join() !== img1.shape.join()) {
    throw new Error(`coarseStartFlow: img0 [${img0.shape}] and img1 [${img1.shape}]: expected two [B,H,W,3] frames of one shape.`);
  }
  const [, height, width] = img0.shape;
  const [h, w] = [Math.max(1, Math.round(height * scale)), Math.max(1, Math.round(width * scale))];
  const scaled = (x: tf.Tensor4D): {padded: tf.Tensor4D; padding: Padding} => {
    let padding: Padding | null = null;
    const padded = tf.tidy(() => {
      const out = padToMultiple(tf.image.resizeBilinear(x, [h, w], false, true), COARSE_PADDING.multiple,
        {mode: 'replicate', minSize: COARSE_PADDING.minSize});
      padding = out.padding;
      return out.padded;
    });
    return {padded, padding: padding!};
  };
  const [a, b] = [scaled(img0), scaled(img1)];
  let flow: tf.Tensor4D | null = null;
  try {
    flow = await pass(a.padded, b.padded);
    const coarse = flow;
    return tf.tidy(() => {
      const cropped = cropPadding(coarse, a.padding);
      const ratio = tf.tensor1d([width / w, height / h, width / w, height / h]);
      return tf.mul(tf.image.resizeBilinear(cropped, [height, width], false, true), ratio) as tf.Tensor4D;
    });
  } finally {
    tf.dispose([a.padded, b.padded, ...(flow ? [flow] : [])]);
  }
}
