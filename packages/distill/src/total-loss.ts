// DAEK's training loss, paper Eqs. (7)-(9) = RIFE's `RIFE.py` L78-84 (spec §2.3, §4).
import * as tf from '@tensorflow/tfjs';
import {assertNumber, describe} from './validate.js';

/**
 * Which teacher the model trains with (spec §4, the `teacher` switch): `'ours'` (DAEK's teacher, "OT"), `'rife'`
 * (RIFE's teacher, "RT") or `'none'` ("w/o distill": the loss is `L_rec` alone).
 */
export type TeacherKind = 'ours' | 'rife' | 'none';

/** The scalar losses {@link totalLoss} combines. */
export interface LossTerms {
  /** `L_rec = lapLoss(output, gt)`, on the student's final (refined, clamped) frame. */
  rec: tf.Scalar;
  /** `L_rec_tea = lapLoss(teacherMerged, gt)`; required unless the teacher is `'none'`. */
  recTeacher?: tf.Scalar;
  /** `L_dis` (`distillLoss(...).total`); required unless the teacher is `'none'`. */
  distill?: tf.Scalar;
}

/** Options of {@link totalLoss}. */
export interface TotalLossOptions {
  /** Weight λ of the distillation term; 0.01 (paper, RIFE `RIFE.py` L83). */
  lambda?: number;
  /** Default `'ours'`. */
  teacher?: TeacherKind;
}

function checkScalar(name: string, x: unknown, teacher: TeacherKind): asserts x is tf.Scalar {
  if (!(x instanceof tf.Tensor)) {
    throw new TypeError(`totalLoss: '${name}' must be a scalar tf.Tensor with teacher '${teacher}'; got ${describe(x)}` +
        (teacher === 'none' ? '' : " (use teacher: 'none' to train on L_rec alone)"));
  }
  if (x.size !== 1 || x.dtype !== 'float32') {
    throw new Error(`totalLoss: '${name}' must be a float32 scalar; got ${describe(x)} (reduce it with tf.mean first)`);
  }
}

/**
 * DAEK's loss `L = L_rec + L_rec_tea + λ·L_dis` (paper Eqs. (7)-(9); RIFE `loss_l1 + loss_tea + loss_distill * 0.01`,
 * added in that order), or `L_rec` alone when the teacher is `'none'` (Table III "w/o distill").
 *
 * @returns a new scalar the caller owns.
 *
 * @example
 * ```ts
 * const loss = totalLoss({rec: lapLoss(output, gt), recTeacher: lapLoss(teacherMerged, gt), distill: dis.total});
 * ```
 */
export function totalLoss(terms: LossTerms, options: TotalLossOptions = {}): tf.Scalar {
  const teacher = options.teacher ?? 'ours';
  if (teacher !== 'ours' && teacher !== 'rife' && teacher !== 'none') {
    throw new Error(`totalLoss: 'teacher' must be 'ours', 'rife' or 'none'; got ${describe(teacher)}`);
  }
  const lambda = assertNumber('totalLoss', 'lambda', options.lambda ?? 0.01, (v) => v >= 0, 'a number ≥ 0 (0.01 in DAEK)');
  if (terms == null || typeof terms !== 'object') throw new TypeError(`totalLoss: expected {rec, recTeacher, distill}; got ${describe(terms)}`);
  checkScalar('rec', terms.rec, teacher);
  if (teacher === 'none') {
    if (terms.recTeacher !== undefined || terms.distill !== undefined) {
      throw new Error("totalLoss: with teacher 'none' the loss is L_rec alone, but 'recTeacher' or 'distill' was given; " +
          "drop them, or set teacher to 'ours' or 'rife'");
    }
    const rec = terms.rec;
    return tf.tidy(() => tf.reshape(tf.clone(rec), []) as tf.Scalar);
  }
  checkScalar('recTeacher', terms.recTeacher, teacher);
  checkScalar('distill', terms.distill, teacher);
  const {rec, recTeacher, distill} = terms;
  return tf.tidy(() => tf.add(tf.add(rec, recTeacher), tf.mul(distill, lambda)).reshape([]) as tf.Scalar);
}
