// One optimisation step (spec §2.3, §3.1): forward with the ground truth (student + teacher), DAEK's loss,
// gradients of every trainable tensor, one AdamW update at the scheduled learning rate.
import * as tf from '@tensorflow/tfjs';
import {lapLoss, totalLoss, type AdamW} from '@daek/distill';
import type {TrainModel} from './model.js';

/** A batch of training triplets, `[B,H,W,3]` float32 in [0, 1]. */
export interface FrameBatch {
  /** The frames before. */
  frame0: tf.Tensor4D;
  /** The ground-truth middle frames. */
  gt: tf.Tensor4D;
  /** The frames after. */
  frame1: tf.Tensor4D;
}

/** The loss of one step and its terms (read back from the device). */
export interface StepLoss {
  /** `L = L_rec + L_rec_tea + λ·L_dis`, or `L_rec` without a teacher (spec §2.3). */
  loss: number;
  /** `L_rec = Lap(output, gt)`. */
  rec: number;
  /** `L_rec_tea = Lap(teacher blend, gt)`; absent without a teacher. */
  recTeacher?: number;
  /** `L_dis` (sum of the three stage terms, before the λ = 0.01 weight); absent without a teacher. */
  distill?: number;
}

/** The gradients and loss terms of one chunk of a batch (the caller disposes them). */
function chunkGradients(model: TrainModel, frames: FrameBatch): {value: tf.Scalar; terms: tf.Scalar[]; grads: tf.NamedTensorMap} {
  const withTeacher = model.teacher !== 'none';
  const terms: tf.Scalar[] = [];
  const {value, grads} = tf.variableGrads(() => {
    const out = model.network.forward(frames.frame0, frames.frame1, {gt: withTeacher ? frames.gt : null, training: true});
    const rec = lapLoss(out.output, frames.gt);
    terms.push(tf.keep(rec));
    if (!withTeacher) return totalLoss({rec}, {teacher: 'none'});
    if (!out.teacher || !out.distillTerms) throw new Error('trainStep: the network ran no teacher although the model has one.');
    const recTeacher = lapLoss(out.teacher.merged, frames.gt);
    const distill = tf.addN(out.distillTerms) as tf.Scalar;
    terms.push(tf.keep(recTeacher), tf.keep(distill));
    return totalLoss({rec, recTeacher, distill}, {teacher: model.teacher});
  }, model.network.store.trainableVariables());
  return {value, terms, grads};
}

function sliceBatch(batch: FrameBatch, start: number, size: number): FrameBatch {
  const cut = (t: tf.Tensor4D) => tf.slice(t, [start, 0, 0, 0], [size, -1, -1, -1]);
  return {frame0: cut(batch.frame0), gt: cut(batch.gt), frame1: cut(batch.frame1)};
}

/**
 * Run one training step and return its loss. The batch is not disposed; nothing else is kept: the forward
 * outputs, gradients and loss tensors are released before it returns (BatchNorm running statistics are
 * updated in place by the training forward).
 *
 * With `microBatch` smaller than the batch, the batch is run in chunks of that size whose gradients are averaged
 * before the one AdamW update (gradient accumulation): every loss term is a mean over the batch, so this is the
 * full batch's gradient up to float rounding, except that BatchNorm (DAEK's context encoder) normalises each chunk
 * with its own statistics. It bounds the memory of a step by the chunk, not the batch.
 */
export async function trainStep(model: TrainModel, optimizer: AdamW, batch: FrameBatch, learningRate: number,
    microBatch?: number): Promise<StepLoss> {
  optimizer.learningRate = learningRate;
  const size = batch.frame0.shape[0];
  const chunk = microBatch ?? size;
  if (!(Number.isInteger(chunk) && chunk >= 1 && size % chunk === 0)) {
    throw new Error(`trainStep: the micro-batch (${chunk}) must divide the batch (${size}).`);
  }
  let values: number[];
  let grads: tf.NamedTensorMap;
  if (chunk === size) {
    const result = chunkGradients(model, batch);
    grads = result.grads;
    try {
      values = await Promise.all([result.value, ...result.terms].map(async (t) => (await t.data())[0]!));
    } finally {
      tf.dispose([result.value, ...result.terms]);
    }
  } else {
    const chunks = size / chunk;
    let sum: tf.NamedTensorMap = {};
    values = [];
    try {
      for (let c = 0; c < chunks; c++) {
        const part = sliceBatch(batch, c * chunk, chunk);
        let result: ReturnType<typeof chunkGradients>;
        try {
          result = chunkGradients(model, part);
        } finally {
          tf.dispose([part.frame0, part.gt, part.frame1]);
        }
        const read = await Promise.all([result.value, ...result.terms].map(async (t) => (await t.data())[0]!));
        read.forEach((v, i) => { values[i] = (values[i] ?? 0) + v / chunks; });
        tf.dispose([result.value, ...result.terms]);
        const next: tf.NamedTensorMap = {...sum};
        for (const [name, g] of Object.entries(result.grads)) {
          next[name] = sum[name] ? tf.add(sum[name]!, g) : g;
          if (sum[name]) tf.dispose([sum[name]!, g]);
        }
        sum = next;
      }
      grads = {};
      for (const [name, g] of Object.entries(sum)) grads[name] = tf.div(g, chunks);
    } finally {
      tf.dispose(Object.values(sum));
    }
  }
  try {
    const [loss, rec, recTeacher, distill] = values;
    if (!Number.isFinite(loss!)) {
      throw new Error(`The loss is ${loss} (not finite). Lower --lr, or check the data (frames must be in [0, 1]).`);
    }
    optimizer.applyGradients(grads);
    return model.teacher !== 'none' ? {loss: loss!, rec: rec!, recTeacher, distill} : {loss: loss!, rec: rec!};
  } finally {
    tf.dispose(Object.values(grads));
  }
}
