// What a network forward pass takes and returns, shared by DAEK and IFNet.
import * as tf from '@tensorflow/tfjs';
import {backwardWarp} from '@daek/flow-ops';

/** Options of a network's `forward`. */
export interface ForwardOptions {
  /** Ground-truth middle frame `[B,H,W,3]`: runs the privileged teacher and the distillation terms. */
  gt?: tf.Tensor4D | null;
  /**
   * Training mode: BatchNorm layers (DAEK's context encoder) use batch statistics and update their running
   * statistics. Default false (inference).
   */
  training?: boolean;
  /**
   * DAEK only: override the configuration's correlation mode for this call (the two agree to ~1e-6;
   * memory-light needs far less memory at high resolution, see @daek/correlation).
   */
  correlation?: 'all-pairs' | 'memory-light';
  /**
   * Receives named intermediates for bisecting a mismatch. The tensors are disposed when the forward pass
   * returns: `tf.keep(t.clone())` or read them synchronously.
   */
  debug?: (name: string, t: tf.Tensor) => void;
}

/** The teacher branch's outputs (training only). */
export interface TeacherOutputs {
  /** `[B,H,W,4]` teacher flow. */
  flow: tf.Tensor4D;
  /** `[B,H,W,1]` sigmoid of the teacher's mask logit. */
  mask: tf.Tensor4D;
  /** `[B,H,W,3]` teacher blend (no synthesis network). */
  merged: tf.Tensor4D;
}

/** Outputs of a network's `forward`, NHWC, full resolution. The caller owns (and disposes) them. */
export interface NetworkOutputs {
  /** Post-refinement flow of each stage, `[B,H,W,4]` = `[F_t→0 dx, dy, F_t→1 dx, dy]`. */
  flows: tf.Tensor4D[];
  /** Sigmoid of each stage's accumulated mask logit, `[B,H,W,1]` (the weight of frame 0). */
  masks: tf.Tensor4D[];
  /** Each stage's blend `w0·m + w1·(1−m)`; the last one is before the synthesis residual. */
  blends: tf.Tensor4D[];
  /** The interpolated frame: `clamp(blend + 2·unet − 1, 0, 1)`, `[B,H,W,3]`. */
  output: tf.Tensor4D;
  /** The final accumulated mask logit `[B,H,W,1]`. */
  maskLogit: tf.Tensor4D;
  /** Teacher outputs when `gt` was given and the model has a teacher, else null. */
  teacher: TeacherOutputs | null;
  /** One distillation term per stage when a teacher ran, else null (sum them for L_dis). */
  distillTerms: tf.Scalar[] | null;
}

/** `[B,H,W,4]` flow -> its two `[B,H,W,2]` halves (the first warps frame 0, the second frame 1). */
export function splitFlow(flow: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
  const [b, h, w] = flow.shape;
  return [tf.slice(flow, [0, 0, 0, 0], [b, h, w, 2]), tf.slice(flow, [0, 0, 0, 2], [b, h, w, 2])];
}

/** `w0·m + w1·(1 − m)` (RIFE IFNet.py L99). */
export function blend(warped0: tf.Tensor4D, warped1: tf.Tensor4D, mask: tf.Tensor4D): tf.Tensor4D {
  return tf.add(tf.mul(warped0, mask), tf.mul(warped1, tf.sub(1, mask)));
}

/** A stage's frames: both inputs warped by the flow and blended by the mask (RIFE IFNet.py L84-85, L99). */
export interface WarpedBlend {
  warped0: tf.Tensor4D;
  warped1: tf.Tensor4D;
  /** `sigmoid(maskLogit)`, the weight of frame 0. */
  mask: tf.Tensor4D;
  merged: tf.Tensor4D;
}

/** Warp `img0` by `flow[..., 0:2]` and `img1` by `flow[..., 2:4]`, and blend them by `sigmoid(maskLogit)`. */
export function warpAndBlend(img0: tf.Tensor4D, img1: tf.Tensor4D, flow: tf.Tensor4D, maskLogit: tf.Tensor4D): WarpedBlend {
  const mask = tf.sigmoid(maskLogit) as tf.Tensor4D;
  const [f0, f1] = splitFlow(flow);
  const warped0 = backwardWarp(img0, f0, {checkFinite: false});
  const warped1 = backwardWarp(img1, f1, {checkFinite: false});
  return {warped0, warped1, mask, merged: blend(warped0, warped1, mask)};
}

/** Dispose every tensor of a {@link NetworkOutputs}. */
export function disposeOutputs(outputs: NetworkOutputs): void {
  tf.dispose([...outputs.flows, ...outputs.masks, ...outputs.blends, outputs.output, outputs.maskLogit]);
  if (outputs.teacher) tf.dispose([outputs.teacher.flow, outputs.teacher.mask, outputs.teacher.merged]);
  if (outputs.distillTerms) tf.dispose(outputs.distillTerms);
}
