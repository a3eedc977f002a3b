import * as tf from '@tensorflow/tfjs';
import {disposeTriplet, type TripletSample} from './sample.js';

/** Samples stacked along a new batch axis: frames [B, H, W, 3] float32 in [0, 1]. */
export interface TripletBatch {
  /** The frames before, [B, H, W, 3]. */
  frame0: tf.Tensor4D;
  /** The ground-truth intermediate frames, [B, H, W, 3]. */
  gt: tf.Tensor4D;
  /** The frames after, [B, H, W, 3]. */
  frame1: tf.Tensor4D;
  /** Time of each ground-truth frame. */
  t: number[];
  /** Id of each sample. */
  ids: string[];
  /** Stacked reference frames, when every sample of the batch has one. */
  reference?: tf.Tensor4D;
}

/** Options of {@link batchTriplets}. */
export interface BatchTripletsOptions {
  /** Drop a last batch smaller than `batchSize` (its samples are disposed). Default false. */
  dropLast?: boolean;
}

/** Dispose every tensor of a batch. */
export function disposeBatch(batch: TripletBatch): void {
  tf.dispose([batch.frame0, batch.gt, batch.frame1]);
  if (batch.reference) batch.reference.dispose();
}

/**
 * Stack samples into a batch and dispose the samples' tensors. All samples must have one frame size,
 * and either all or none must carry a reference frame; otherwise it throws and disposes nothing.
 */
export function stackTriplets(samples: readonly TripletSample[]): TripletBatch {
  if (samples.length === 0) throw new Error('stackTriplets(samples): expected at least one sample, received none');
  const shape = samples[0].frame0.shape;
  for (const s of samples) {
    for (const [name, frame] of [['frame0', s.frame0], ['gt', s.gt], ['frame1', s.frame1]] as const) {
      if (frame.rank !== 3 || frame.shape[0] !== shape[0] || frame.shape[1] !== shape[1] || frame.shape[2] !== shape[2]) {
        throw new Error(`stackTriplets: sample ${s.id} has ${name} [${frame.shape}] but sample ${samples[0].id} has ` +
            `frame0 [${shape}]; a batch needs one frame size (crop them, for example with the augment option)`);
      }
    }
  }
  const withReference = samples.filter((s) => s.reference !== undefined).length;
  if (withReference !== 0 && withReference !== samples.length) {
    throw new Error(`stackTriplets: ${withReference} of ${samples.length} samples carry a reference frame; ` +
        'batch samples with and without one separately');
  }
  const batch: TripletBatch = {
    frame0: tf.stack(samples.map((s) => s.frame0)) as tf.Tensor4D,
    gt: tf.stack(samples.map((s) => s.gt)) as tf.Tensor4D,
    frame1: tf.stack(samples.map((s) => s.frame1)) as tf.Tensor4D,
    t: samples.map((s) => s.t),
    ids: samples.map((s) => s.id),
  };
  if (withReference > 0) batch.reference = tf.stack(samples.map((s) => s.reference!)) as tf.Tensor4D;
  for (const s of samples) disposeTriplet(s);
  return batch;
}

/**
 * Group a stream of samples into batches of `batchSize` (see {@link stackTriplets}). Samples collected
 * but not yet stacked are disposed if the consumer stops early or an error is thrown.
 */
export async function* batchTriplets(source: AsyncIterable<TripletSample>, batchSize: number,
    options: BatchTripletsOptions = {}): AsyncGenerator<TripletBatch, void, undefined> {
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
    throw new Error(`batchTriplets(batchSize): expected an integer >= 1, received ${batchSize}`);
  }
  let collected: TripletSample[] = [];
  try {
    for await (const sample of source) {
      collected.push(sample);
      if (collected.length === batchSize) {
        const batch = stackTriplets(collected);
        collected = [];
        yield batch;
      }
    }
    if (collected.length > 0 && !options.dropLast) {
      const batch = stackTriplets(collected);
      collected = [];
      yield batch;
    }
  } finally {
    for (const s of collected) disposeTriplet(s);
  }
}
