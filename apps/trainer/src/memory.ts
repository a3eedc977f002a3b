// Memory of a training step, estimated before the run starts, so that a run that cannot fit stops at once with a
// message saying what to change (or runs in micro-batches) instead of dying in its first step.
//
// The estimate is measured, not modelled: a throw-away copy of the network (same configuration; its weights do not
// matter) runs the forward and backward pass of one sample at two small crops on the run's backend while the peak
// of tfjs' own count of tensor bytes is recorded (tf.profile would do it too, but it times every kernel: 10x slower). Activation memory grows with the pixels of a sample; the two points give the
// constant part (gradients, constant-size buffers) and the per-pixel part, extrapolated to the run's crop and
// chunk size. The model's own weights, AdamW's two moments and the gradient sum of a micro-batched step come on top
// (4 bytes each per parameter).
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type {BackendName} from '@daek/flow-ops';
import {buildTrainModel, disposeModel, type ModelSpec} from './model.js';
import {lapLoss, totalLoss} from '@daek/distill';

/** The crops of the two probe passes. */
export const PROBE_CROPS: readonly [number, number] = [64, 96];

/**
 * Extra room on top of the estimate (heap fragmentation, the batch's frames, tfjs caches). Small on purpose:
 * measured on wasm, full DAEK at crop 224 trains at batch 1 (estimate without margin 3.68 GiB of the 4 GiB heap)
 * and runs out of memory at batch 2 (estimate 6.7 GiB).
 */
export const MEMORY_MARGIN = 1.05;

/** One probe pass: its crop and the peak bytes above the weights. */
export interface MemoryProbe {
  /** Square crop of the pass (one sample). */
  crop: number;
  /** Peak tensor bytes above what existed before. */
  bytes: number;
}

/** The memory a backend can give a training step. */
export interface MemoryBudget {
  /** Bytes. */
  bytes: number;
  /** The budget in words, for messages (`the wasm heap's 4 GiB`). */
  name: string;
}

/** What the probe measured. */
export interface StepMemoryModel {
  /** Bytes of the model's variables (weights and buffers). */
  weightBytes: number;
  /** Trainable parameters. */
  trainable: number;
  /** Peak bytes above the weights of one sample's forward + backward at each probe crop. */
  probes: MemoryProbe[];
  /** Fitted: bytes of a step that do not depend on the pixels. */
  constantBytes: number;
  /** Fitted: bytes per pixel per sample. */
  bytesPerPixel: number;
}

/** Run `f` and return the peak of the engine's tensor bytes meanwhile (its `numBytes` counter, watched). */
function peakBytes(f: () => void): number {
  const state = (tf.engine() as unknown as {state: {numBytes: number}}).state;
  let value = state.numBytes;
  let peak = value;
  Object.defineProperty(state, 'numBytes', {
    configurable: true, enumerable: true,
    get: () => value,
    set: (next: number) => {
      value = next;
      if (next > peak) peak = next;
    },
  });
  try {
    f();
  } finally {
    delete (state as {numBytes?: number}).numBytes;
    state.numBytes = value;
  }
  return peak;
}

const measured = new Map<string, StepMemoryModel>();

/**
 * Measure the step memory of a model spec on the active backend (see the file comment). Leaves no tensors besides
 * @daek/flow-ops' cached resize matrices (rebuilt on demand; `clearResizeCache` frees them, as train() does). The
 * result depends only on the spec and the backend, so it is kept for the life of the process (a second run of the
 * same model does not probe again).
 */
export async function measureStepMemory(spec: ModelSpec): Promise<StepMemoryModel> {
  const key = `${tf.getBackend()} ${JSON.stringify(spec)}`;
  const known = measured.get(key);
  if (known) return structuredClone(known);
  const result = await probeStepMemory(spec);
  measured.set(key, result);
  return structuredClone(result);
}

async function probeStepMemory(spec: ModelSpec): Promise<StepMemoryModel> {
  const model = buildTrainModel(spec);
  try {
    const variables = model.network.store.trainableVariables();
    const trainable = variables.reduce((n, v) => n + v.size, 0);
    const weightBytes = model.network.store.entries().reduce((n, e) => n + 4 * e.variable.size, 0);
    const probes: {crop: number; bytes: number}[] = [];
    for (const crop of PROBE_CROPS) {
      const frames = [0, 1, 2].map((i) => tf.fill([1, crop, crop, 3], 0.25 * (i + 1)) as tf.Tensor4D);
      const withTeacher = model.teacher !== 'none';
      const before = tf.memory().numBytes;
      const peak = peakBytes(() => {
        const {value, grads} = tf.variableGrads(() => {
          const out = model.network.forward(frames[0]!, frames[2]!, {gt: withTeacher ? frames[1]! : null, training: true});
          const rec = lapLoss(out.output, frames[1]!);
          if (!withTeacher || !out.teacher || !out.distillTerms) return totalLoss({rec}, {teacher: 'none'});
          return totalLoss({rec, recTeacher: lapLoss(out.teacher.merged, frames[1]!), distill: tf.addN(out.distillTerms) as tf.Scalar},
            {teacher: model.teacher});
        }, variables);
        tf.dispose([value, ...Object.values(grads)]);
      });
      tf.dispose(frames);
      probes.push({crop, bytes: peak - before});
    }
    const [a, b] = probes as [{crop: number; bytes: number}, {crop: number; bytes: number}];
    const bytesPerPixel = Math.max(0, (b.bytes - a.bytes) / (b.crop ** 2 - a.crop ** 2));
    const constantBytes = Math.max(0, a.bytes - bytesPerPixel * a.crop ** 2);
    return {weightBytes, trainable, probes, constantBytes, bytesPerPixel};
  } finally {
    disposeModel(model);
  }
}

/** Estimated peak bytes of a training step: chunks of `samples` samples at `crop`, with AdamW (see the file comment). */
export function estimateStepBytes(memory: StepMemoryModel, crop: number, samples: number, microBatched: boolean): number {
  const persistent = memory.weightBytes + 8 * memory.trainable + (microBatched ? 4 * memory.trainable : 0);
  return MEMORY_MARGIN * (persistent + memory.constantBytes + samples * memory.bytesPerPixel * crop * crop);
}

const GiB = 2 ** 30;

/** `3.21 GiB`. */
export function formatGiB(bytes: number): string {
  return `${(bytes / GiB).toFixed(bytes < 10 * GiB ? 2 : 1)} GiB`;
}

/** The memory a backend can give a training step: its size and how to say it, or null when unknown (webgpu). */
export function memoryBudget(backend: BackendName): MemoryBudget | null {
  // tfjs-backend-wasm's heap is a wasm32 memory: 4 GiB at most, whatever the machine has.
  if (backend === 'wasm') return {bytes: 4 * GiB, name: "the wasm heap's 4 GiB"};
  // the cpu backend's tensors are typed arrays in the machine's memory; leave a fifth for the data and the rest
  if (backend === 'cpu') return {bytes: 0.8 * os.totalmem(), name: `80% of this machine's ${formatGiB(os.totalmem())}`};
  return null; // a GPU's memory is not known here
}

/** What {@link planMicroBatch} decides about. */
export interface MemoryPlanInput {
  /** Square crop. */
  crop: number;
  /** Batch size. */
  batch: number;
  /** `--micro-batch`: -1 = choose (the whole batch when it fits), 0 = the whole batch, M = chunks of M. */
  microBatch: number;
  /** The backend. */
  backend: BackendName;
  /** The model in words, for messages. */
  model: string;
}

/** The micro-batch a run uses (0: the whole batch) and, when it was switched to fit, a message saying so. */
export interface MemoryPlan {
  /** The micro-batch setting to run with. */
  microBatch: number;
  /** Said to the user when the plan changed something (null otherwise). */
  message: string | null;
}

/**
 * Decide the micro-batch of a run from its measured step memory: the whole batch when it fits the backend's
 * memory, else (with `microBatch` -1) the largest divisor of the batch that fits, with a message; an explicit
 * `--micro-batch` that cannot fit, or a single sample that cannot, throws an error that says what to change.
 */
export function planMicroBatch(memory: StepMemoryModel, input: MemoryPlanInput): MemoryPlan {
  const {crop, batch, backend, model} = input;
  const budget = memoryBudget(backend);
  if (!budget) return {microBatch: Math.max(0, input.microBatch), message: null};
  const need = (m: number, c = crop) => estimateStepBytes(memory, c, m, m < batch);
  const fits = (m: number) => need(m) <= budget.bytes;
  const best = Array.from({length: batch}, (_, i) => batch - i).filter((d) => batch % d === 0).find(fits);
  const oneSample = () => {
    let maxCrop = 0;
    for (let c = 64; c < crop; c += 16) if (need(1, c) <= budget.bytes) maxCrop = c;
    const alternatives = [
      maxCrop > 0 ? `--crop ${maxCrop} or smaller` : null,
      model.includes('daek-s') ? null : '--preset daek-s (a tenth of the compute)',
      backend === 'wasm' ? '--backend cpu (much slower; up to 80% of this machine\'s memory)' : null,
      'a machine with a GPU (--backend webgpu)',
    ].filter(Boolean);
    return new Error(`memory: one sample of ${model} at crop ${crop} needs about ${formatGiB(need(1))} for a training step, ` +
      `more than ${budget.name}. Use ${alternatives.join(', or ')}.`);
  };
  if (input.microBatch > 0) {
    if (fits(input.microBatch)) return {microBatch: input.microBatch, message: null};
    if (best === undefined) throw oneSample();
    throw new Error(`memory: --micro-batch ${input.microBatch} of ${model} at crop ${crop} needs about ` +
      `${formatGiB(need(input.microBatch))} a step, more than ${budget.name}. Use --micro-batch ${best} ` +
      `(about ${formatGiB(need(best))}), or leave --micro-batch out to have it chosen.`);
  }
  if (fits(batch)) return {microBatch: 0, message: null};
  if (input.microBatch === 0) {
    if (best === undefined) throw oneSample();
    throw new Error(`memory: a step of batch ${batch} of ${model} at crop ${crop} needs about ${formatGiB(need(batch))}, ` +
      `more than ${budget.name}. Use --micro-batch ${best} (about ${formatGiB(need(best))}) or a smaller --batch or --crop.`);
  }
  if (best === undefined) throw oneSample();
  return {
    microBatch: best,
    message: `memory: a step of batch ${batch} at crop ${crop} needs about ${formatGiB(need(batch))}, more than ` +
      `${budget.name}: running it in micro-batches of ${best} (about ${formatGiB(need(best))}; their gradients are ` +
      'averaged into one AdamW step, and BatchNorm normalises each micro-batch on its own). Pass --micro-batch M ' +
      'to choose, or a smaller --batch or --crop.',
  };
}
