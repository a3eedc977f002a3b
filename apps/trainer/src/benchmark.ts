// `daek-train --benchmark N`: time N full training steps (forward with teacher, loss, gradients, AdamW) at the
// run's crop and batch, after warm-up steps, and report samples/s. Inputs are seeded uniform noise: the work per
// step does not depend on the pixel values.
import * as tf from '@tensorflow/tfjs';
import {AdamW} from '@daek/distill';
import {clearResizeCache, useBackend, type BackendName} from '@daek/flow-ops';
import {buildTrainModel, disposeModel, type ModelSpec, type ParameterCount} from './model.js';
import {checkTrainableBackend} from './run.js';
import {trainStep} from './step.js';

/** Options of {@link benchmarkSteps}. */
export interface BenchmarkOptions {
  /** The network. */
  model: ModelSpec;
  /** tfjs backend. */
  backend: BackendName;
  /** Square frame side. */
  crop: number;
  /** Batch size. */
  batch: number;
  /** Samples per forward/backward pass (default: the whole batch; see `trainStep`). */
  microBatch?: number;
  /** Timed steps. */
  steps: number;
  /** Untimed steps first (kernel set-up, first allocations); default 1. */
  warmup?: number;
  /** Called after each step with its index (warm-up steps negative) and seconds. */
  onStep?: (index: number, seconds: number) => void;
}

/** What {@link benchmarkSteps} measured. */
export interface BenchmarkResult {
  /** The backend used. */
  backend: string;
  /** Teacher of the model. */
  teacher: string;
  /** Trainable parameters. */
  parameters: ParameterCount;
  /** Seconds of each timed step. */
  stepSeconds: number[];
  /** Seconds of each warm-up step. */
  warmupSeconds: number[];
  /** batch × timed steps / their total seconds. */
  samplesPerSecond: number;
}

/** Time training steps of a model (see the module comment). Leaves no tensors behind. */
export async function benchmarkSteps(options: BenchmarkOptions): Promise<BenchmarkResult> {
  await useBackend(options.backend);
  checkTrainableBackend();
  const model = buildTrainModel(options.model);
  const optimizer = new AdamW({learningRate: 1e-4});
  const shape: [number, number, number, number] = [options.batch, options.crop, options.crop, 3];
  const batch = {
    frame0: tf.randomUniform(shape, 0, 1, 'float32', 1) as tf.Tensor4D,
    gt: tf.randomUniform(shape, 0, 1, 'float32', 2) as tf.Tensor4D,
    frame1: tf.randomUniform(shape, 0, 1, 'float32', 3) as tf.Tensor4D,
  };
  const warmupSeconds: number[] = [];
  const stepSeconds: number[] = [];
  try {
    const warmup = options.warmup ?? 1;
    for (let i = -warmup; i < options.steps; i++) {
      const t0 = performance.now();
      await trainStep(model, optimizer, batch, 1e-4, options.microBatch);
      const seconds = (performance.now() - t0) / 1000;
      (i < 0 ? warmupSeconds : stepSeconds).push(seconds);
      options.onStep?.(i, seconds);
    }
  } finally {
    tf.dispose([batch.frame0, batch.gt, batch.frame1]);
    optimizer.dispose();
    disposeModel(model);
    clearResizeCache();
  }
  const total = stepSeconds.reduce((a, b) => a + b, 0);
  return {backend: tf.getBackend(), teacher: model.teacher, parameters: model.parameters, stepSeconds, warmupSeconds,
    samplesPerSecond: total > 0 ? options.batch * stepSeconds.length / total : Number.NaN};
}
