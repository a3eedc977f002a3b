// DAEK's distillation loss L_dis, paper Eq. (6) with RIFE's error mask (spec §2.2, assumption A12), and RIFE's own
// form of it (IFNet.py L98-102).
import * as tf from '@tensorflow/tfjs';
import {absTorch} from './abs.js';
import {meanAll} from './mean.js';
import {sqrtSafe} from './sqrt.js';
import {stopGradient} from './stop-gradient.js';
import {assertImage, assertNumber, assertSameGrid, assertSameShape, describe} from './validate.js';

/**
 * The per-pixel distance between teacher and student flow:
 * - `'l1'`: `mean_c |Δ|`, DAEK's Eq. (6) (spec §2.2, A12; the default);
 * - `'rife-l2'`: `sqrt(mean_c Δ²)`, RIFE's `IFNet.py` L102 (for the RIFE baseline and parity with RIFE).
 */
export type DistillForm = 'l1' | 'rife-l2';

/** Inputs of {@link distillLoss}: NHWC float32, all at full resolution, all with the same batch, height and width. */
export interface DistillInputs {
  /** The teacher's flow `[B,H,W,4]`. Treated as a constant (PyTorch `.detach()`): it receives no gradient here. */
  teacherFlow: tf.Tensor4D;
  /**
   * The student's flow after each stage, `[B,H,W,4]` each (DAEK: the three post-MRB flows; RIFE: the three
   * IFBlock flows). These receive the gradient.
   */
  studentFlows: tf.Tensor4D[];
  /**
   * The student's blended frame of each stage, `[B,H,W,3]`, one per flow: `warp(img0)·m + warp(img1)·(1−m)`. For
   * the last stage this is the blend **before** the synthesis (Contextnet/Unet) residual, as in RIFE. Used only
   * for the error mask, so no gradient flows into them.
   */
  blends: tf.Tensor4D[];
  /** The teacher's blended frame `[B,H,W,3]` (mask only, no gradient). */
  teacherMerged: tf.Tensor4D;
  /** The ground-truth middle frame `[B,H,W,3]` (mask only). */
  gt: tf.Tensor4D;
}

/** Options of {@link distillLoss}. */
export interface DistillOptions {
  /** Distance between flows; default `'l1'` (DAEK). */
  form?: DistillForm;
  /** Margin of the error mask: a pixel counts where the stage's blend error exceeds the teacher's by more; 0.01. */
  threshold?: number;
}

/** What {@link distillLoss} returns; the caller owns (and disposes) every tensor. */
export interface DistillLoss {
  /** One term per stage, `mean_{b,y,x}(dist(teacherFlow, flow_k) · M_k)`. */
  stages: tf.Scalar[];
  /** Their sum, `L_dis`. */
  total: tf.Scalar;
}

/**
 * RIFE's error mask `M_k` (IFNet.py L101): 1 where `mean_c|blend − gt| > mean_c|teacherMerged − gt| + threshold`,
 * else 0, shape `[B,H,W,1]`. It carries no gradient (`.detach()` in RIFE): the comparison runs inside a custom
 * gradient that returns zeros, so the non-differentiable `greater` never enters the tape.
 *
 * @returns a float32 mask the caller owns.
 */
export function errorMask(blend: tf.Tensor4D, teacherMerged: tf.Tensor4D, gt: tf.Tensor4D, threshold = 0.01): tf.Tensor4D {
  assertImage('errorMask', 'blend', blend, '[B,H,W,3]');
  assertImage('errorMask', 'teacherMerged', teacherMerged, '[B,H,W,3]');
  assertImage('errorMask', 'gt', gt, '[B,H,W,3]');
  assertSameShape('errorMask', 'blend', blend, 'gt', gt);
  assertSameShape('errorMask', 'teacherMerged', teacherMerged, 'gt', gt);
  assertNumber('errorMask', 'threshold', threshold, () => true, 'a finite number');
  const mask = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [b, t, g] = args as tf.Tensor[];
    return {
    value: tf.tidy(() => {
      const student = tf.mean(tf.abs(tf.sub(b, g)), 3, true);
      const teacher = tf.mean(tf.abs(tf.sub(t, g)), 3, true);
      return tf.cast(tf.greater(student, tf.add(teacher, threshold)), 'float32');
    }),
    gradFunc: () => [tf.zeros(b!.shape), tf.zeros(t!.shape), tf.zeros(g!.shape)],
    };
  });
  return mask(blend, teacherMerged, gt) as tf.Tensor4D;
}

function checkInputs(inputs: DistillInputs, options: DistillOptions): {form: DistillForm; threshold: number} {
  const op = 'distillLoss';
  if (inputs == null || typeof inputs !== 'object') {
    throw new TypeError(`${op}: expected {teacherFlow, studentFlows, blends, teacherMerged, gt}; got ${describe(inputs)}`);
  }
  const {teacherFlow, studentFlows, blends, teacherMerged, gt} = inputs;
  assertImage(op, 'teacherFlow', teacherFlow, '[B,H,W,4]');
  assertImage(op, 'teacherMerged', teacherMerged, '[B,H,W,3]');
  assertImage(op, 'gt', gt, '[B,H,W,3]');
  assertSameShape(op, 'teacherMerged', teacherMerged, 'gt', gt);
  assertSameGrid(op, 'teacherFlow', teacherFlow, 'gt', gt);
  if (!Array.isArray(studentFlows) || !Array.isArray(blends) || studentFlows.length === 0 ||
      studentFlows.length !== blends.length) {
    throw new Error(`${op}: 'studentFlows' and 'blends' must be non-empty arrays of the same length (one flow and one ` +
        `blend per stage; 3 for DAEK and RIFE); got ${describe(studentFlows)} and ${describe(blends)}`);
  }
  studentFlows.forEach((flow, k) => {
    assertImage(op, `studentFlows[${k}]`, flow, '[B,H,W,4]');
    assertSameShape(op, `studentFlows[${k}]`, flow, 'teacherFlow', teacherFlow);
  });
  blends.forEach((blend, k) => {
    assertImage(op, `blends[${k}]`, blend, '[B,H,W,3]');
    assertSameShape(op, `blends[${k}]`, blend, 'gt', gt);
  });
  const form = options.form ?? 'l1';
  if (form !== 'l1' && form !== 'rife-l2') {
    throw new Error(`${op}: 'form' must be 'l1' (DAEK Eq. 6) or 'rife-l2' (RIFE's sqrt(mean_c Δ²)); got ${describe(form)}`);
  }
  const threshold = assertNumber(op, 'threshold', options.threshold ?? 0.01, () => true, 'a finite number (0.01 in RIFE)');
  return {form, threshold};
}

/**
 * DAEK's distillation loss `L_dis` (paper Eq. (6); spec §2.2, A12), or RIFE's (`form: 'rife-l2'`):
 * ```
 * L_dis = Σ_k mean_{b,y,x}( dist(teacherFlow, flow_k) · M_k )
 * dist  = mean_c |teacherFlow − flow_k|            ('l1', default)
 *       | sqrt(mean_c (teacherFlow − flow_k)²)     ('rife-l2')
 * M_k   = [ mean_c|blend_k − gt| > mean_c|teacherMerged − gt| + threshold ]   (see errorMask)
 * ```
 * Only the student flows receive a gradient: the teacher flow and the mask are detached, as in RIFE.
 * Deviations from PyTorch, both where PyTorch's gradient is degenerate: |·| has gradient 0 at 0 (tfjs's own `abs`
 * gives −1 there; PyTorch gives 0, so this matches PyTorch), and in `'rife-l2'` the square root has gradient 0
 * where the two flows coincide exactly (PyTorch gives NaN there).
 *
 * @returns the per-stage terms and their sum (added in stage order, as RIFE's `loss_distill +=`); the caller
 *   owns them.
 *
 * @example
 * ```ts
 * const {stages, total} = distillLoss({teacherFlow, studentFlows: [f0, f1, f2], blends: [m0, m1, blend2],
 *   teacherMerged, gt});
 * ```
 */
export function distillLoss(inputs: DistillInputs, options: DistillOptions = {}): DistillLoss {
  const {form, threshold} = checkInputs(inputs, options);
  return tf.tidy(() => {
    const teacherFlow = stopGradient(inputs.teacherFlow);
    const stages = inputs.studentFlows.map((flow, k) => {
      const mask = errorMask(inputs.blends[k]!, inputs.teacherMerged, inputs.gt, threshold);
      const difference = tf.sub(teacherFlow, flow);
      const distance = form === 'l1' ?
        tf.mean(absTorch(difference), 3, true) :
        sqrtSafe(tf.mean(tf.square(difference), 3, true));
      return meanAll(tf.mul(distance, mask));
    });
    const total = stages.slice(1).reduce((sum, term) => tf.add(sum, term), stages[0]!) as tf.Scalar;
    // `total` must be a tensor distinct from stages[0] so the caller can dispose each independently.
    return {stages, total: stages.length === 1 ? tf.clone(total) : total};
  });
}
