// createInterpolator(): the tfjs-models style entry point. Build a network, load weights, then interpolate
// frames of any size (padded to a multiple of 32, cropped back), any batch, at any t (by bisection).
import * as tf from '@tensorflow/tfjs';
import {cropPadding, padToMultiple, useBackend, type BackendName, type PadMode} from '@daek/flow-ops';
import {DAEK} from './daek.js';
import {checkFrameValues, fromFloatBatch, toFloatBatch, type FrameInput, type PixelFrame} from './frames.js';
import {IFNet, type IFNetConfig} from './ifnet.js';
import {disposeOutputs, type NetworkOutputs} from './outputs.js';
import {DAEK_PRESETS, resolveDaekConfig, type DaekConfig} from './presets.js';
import {loadNetworkWeights, storedModelConfig, type WeightsSource} from './weights_source.js';

/** Model names {@link createInterpolator} accepts: every DAEK preset, and RIFE's IFNet (`ifnet` or `rife`). */
export type ModelName = string;

/**
 * Presets whose trained weights ship with this package (`weights/<preset>/model.json`, float16), and which
 * {@link createInterpolator} loads when no `weights` are given. See the models README for how each was trained.
 */
export const SHIPPED_WEIGHTS: Readonly<Record<string, string>> = Object.freeze({'daek-s': 'weights/daek-s/model.json'});

/**
 * Where a preset's shipped weights are: a file path in Node, a URL beside the module elsewhere (browsers fetch it).
 * Null when none ship for it.
 */
export async function shippedWeights(model: string): Promise<string | null> {
  const relative = SHIPPED_WEIGHTS[model];
  if (!relative) return null;
  const url = new URL(`../${relative}`, import.meta.url);
  if (url.protocol !== 'file:') return url.href;
  const [{fileURLToPath}, {existsSync}] = await Promise.all([import('node:url'), import('node:fs')]);
  const file = fileURLToPath(url);
  if (!existsSync(file)) {
    throw new Error(`createInterpolator: the ${model} weights that ship with @daek/models are missing (${file}). ` +
      'Reinstall @daek/models, or pass weights.');
  }
  return file;
}

/** The networks an interpolator can drive. */
export type Network = DAEK | IFNet;

/** Progress of {@link createInterpolator}. */
export interface LoadProgress {
  /** What is happening. */
  stage: 'building' | 'weights' | 'ready';
  /** Fraction done in [0, 1]. */
  fraction: number;
}

/** Settings of {@link createInterpolator}. */
export interface InterpolatorConfig {
  /** `daek` (default, the final model), any other DAEK preset name, or `ifnet` / `rife`. */
  model?: ModelName;
  /**
   * Where the weights come from: a `model.json` path or URL (tfjs format), a `.pth` path, a tf.io handler,
   * or `'random'` for an untrained network (tests, benchmarks of speed). Default: the weights that ship with
   * this package for the model ({@link SHIPPED_WEIGHTS}: `daek-s`); for other models creation fails and says so.
   */
  weights?: WeightsSource | 'random';
  /** tfjs backend to switch to first (`cpu`, `wasm`, `webgpu`, `webgl`); default: leave the current one. */
  backend?: BackendName;
  /**
   * DAEK configuration fields over the preset. Without `correlation`, frames up to 512x512 use the all-pairs
   * volume and larger ones the memory-light lookup (same values to ~1e-6).
   */
  daekConfig?: Partial<DaekConfig>;
  /** Padding before the network: multiple (32), mode (`replicate`, spec A20) and minimum size (128, spec §1.1). */
  padding?: {
    /** Pad height and width to a multiple of this (32). */
    multiple?: number;
    /** `replicate` (default) or `zero`. */
    mode?: PadMode;
    /** Pad smaller sides up to this (128). */
    minSize?: number;
  };
  /** Bisection depth for t other than 0.5: t is rounded to the nearest multiple of 2^-depth (default 4, 1/16). */
  bisectionDepth?: number;
  /** Check frames for NaN/Inf and a [0,1] range (one read-back per call; default true). */
  checkFrames?: boolean;
  /** Called while the model is built and its weights load. */
  onProgress?: (progress: LoadProgress) => void;
}

/** Options of {@link Interpolator.interpolate}. */
export interface InterpolateOptions {
  /**
   * Time of the output frame between frame0 (0) and frame1 (1); default 0.5. The networks only predict
   * the middle frame (RIFE's ECCV IFNet has no timestep input), so another t is reached by recursive
   * bisection: t is rounded to the nearest multiple of 2^-bisectionDepth and costs up to that many passes.
   */
  t?: number;
}

/** A ready model. Call {@link Interpolator.dispose} when done. */
export interface Interpolator {
  /** The model name it was created with. */
  readonly model: string;
  /** The network (for advanced use: `forward`, `store`, `parameterCount`). */
  readonly network: Network;
  /** Where the weights came from (`random` for an untrained network). */
  readonly weights: string;
  /** The tfjs backend in use. */
  readonly backend: string;
  /**
   * The frame between `frame0` and `frame1` at time `t`, in the form the frames came in: a float32
   * tensor in [0,1] of the input's rank for tensors, or `{data, width, height, channels}` bytes for pixel
   * frames. Frames of any size are padded (replicate, centred) to a multiple of 32 and at least 128, and
   * cropped back. A `[B,H,W,C]` pair is a batch.
   */
  interpolate(frame0: PixelFrame, frame1: PixelFrame, options?: InterpolateOptions): Promise<PixelFrame>;
  /** Rank-3 tensors in, a rank-3 float tensor out. */
  interpolate(frame0: tf.Tensor3D, frame1: tf.Tensor3D, options?: InterpolateOptions): Promise<tf.Tensor3D>;
  /** A batch of pairs in, a batch of frames out. */
  interpolate(frame0: tf.Tensor4D, frame1: tf.Tensor4D, options?: InterpolateOptions): Promise<tf.Tensor4D>;
  /** Any frame form. */
  interpolate(frame0: FrameInput, frame1: FrameInput, options?: InterpolateOptions): Promise<FrameInput>;
  /** Release the weights. The interpolator cannot be used afterwards. */
  dispose(): void;
}

/** 1/8-resolution positions above which the interpolator uses the memory-light correlation (512x512 frames). */
export const MEMORY_LIGHT_ABOVE = 64 * 64;

/** The network for a model name. */
export function buildNetwork(model: string, daekConfig: Partial<DaekConfig> = {}, ifnetConfig: IFNetConfig = {}): Network {
  if (model === 'ifnet' || model === 'rife') return new IFNet(ifnetConfig);
  if (!DAEK_PRESETS.some((p) => p.name === model)) {
    throw new Error(`Unknown model "${model}". Use 'ifnet' / 'rife' or a DAEK preset: ${DAEK_PRESETS.map((p) => p.name).join(', ')}.`);
  }
  return new DAEK(resolveDaekConfig(model, daekConfig));
}

/** `rife` and `ifnet` name the same network; `daek-f-da` and `daek-ot` are `daek`. */
function canonicalModel(name: string): string {
  if (name === 'rife') return 'ifnet';
  if (name === 'daek-f-da' || name === 'daek-ot') return 'daek';
  return name;
}

/** The time steps of the bisection that reaches `t` (rounded to 2^-depth): a path of left/right halves. */
export function bisectionPath(t: number, depth: number): {
  /** Which half to descend into after each middle frame. */
  steps: ('left' | 'right')[];
  /** `t` rounded to a multiple of 2^-depth. */
  t: number;
} {
  const denominator = 2 ** depth;
  let numerator = Math.round(t * denominator);
  const rounded = numerator / denominator;
  if (numerator === 0 || numerator === denominator) return {steps: [], t: rounded};
  let size = denominator;
  const steps: ('left' | 'right')[] = [];
  // Descend until the target sits at the middle of the current interval.
  while (numerator * 2 !== size) {
    size /= 2;
    if (numerator < size) {
      steps.push('left');
    } else {
      steps.push('right');
      numerator -= size;
    }
  }
  return {steps, t: rounded};
}

/**
 * Create an interpolator: switch backend (if asked), build the network, load weights.
 *
 * ```ts
 * const interp = await createInterpolator({model: 'daek', weights: 'file:///models/daek/model.json'});
 * const middle = await interp.interpolate(frame0, frame1);        // t = 0.5
 * const quarter = await interp.interpolate(frame0, frame1, {t: 0.25});
 * interp.dispose();
 * ```
 */
export async function createInterpolator(config: InterpolatorConfig = {}): Promise<Interpolator> {
  // No weights: a preset with shipped weights loads them (never a silent random network).
  const shipped = config.weights === undefined ? await shippedWeights(config.model ?? 'daek') : null;
  if (shipped) config = {...config, weights: shipped};
  // tfjs-format weights say which model they belong to: use it, and refuse a contradicting `model`.
  const stored = config.weights !== undefined && config.weights !== 'random' ? await storedModelConfig(config.weights) : null;
  if (stored && config.model !== undefined && canonicalModel(config.model) !== canonicalModel(stored.model)) {
    throw new Error(`createInterpolator: the weights are for model "${stored.model}", not "${config.model}". ` +
      'Drop `model` (the weights file says which one) or pass matching weights.');
  }
  const model = config.model ?? stored?.model ?? 'daek';
  const daekConfig = {...(stored?.daekConfig ?? {}), ...(config.daekConfig ?? {})} as Partial<DaekConfig>;
  if (config.weights === undefined) {
    throw new Error(`createInterpolator: no weights given for "${model}" and none are shipped for it. ` +
      "Pass weights: a model.json path/URL, a .pth file, a tf.io handler, or 'random' for an untrained network.");
  }
  const depth = config.bisectionDepth ?? 4;
  if (!Number.isInteger(depth) || depth < 1 || depth > 10) throw new Error(`bisectionDepth: expected an integer 1..10, got ${depth}.`);
  const multiple = config.padding?.multiple ?? 32;
  const minSize = config.padding?.minSize ?? 128;
  const mode = config.padding?.mode ?? 'replicate';
  if (multiple % 16 !== 0) throw new Error(`padding.multiple must be a multiple of 16 (the networks need it), got ${multiple}.`);
  const info = config.backend ? await useBackend(config.backend) : null;
  config.onProgress?.({stage: 'building', fraction: 0});
  const network = buildNetwork(model, daekConfig, (stored?.ifnetConfig ?? {}) as IFNetConfig);
  let weightsName = 'random';
  try {
    if (config.weights !== 'random') {
      weightsName = await loadNetworkWeights(network, config.weights, (fraction) => config.onProgress?.({stage: 'weights', fraction}));
    }
  } catch (error) {
    network.dispose();
    throw error;
  }
  config.onProgress?.({stage: 'ready', fraction: 1});
  let disposed = false;
  const checkFrames = config.checkFrames ?? true;

  /** One network pass at t = 0.5 on float [B,H,W,3] frames of equal size. */
  const middle = (a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D => tf.tidy(() => {
    const pa = padToMultiple(a, multiple, {mode, minSize});
    const pb = padToMultiple(b, multiple, {mode, minSize});
    const [, h, w] = pa.padded.shape;
    // Past ~512x512 the all-pairs volume grows as (hw)²: switch to the exact memory-light lookup.
    const correlation = config.daekConfig?.correlation ?? ((h / 8) * (w / 8) > MEMORY_LIGHT_ABOVE ? 'memory-light' : 'all-pairs');
    const out: NetworkOutputs = network.forward(pa.padded, pb.padded, {correlation});
    const result = cropPadding(out.output, pa.padding);
    const kept = tf.keep(tf.clone(result));
    disposeOutputs(out);
    return kept;
  });

  async function interpolate(frame0: FrameInput, frame1: FrameInput, options: InterpolateOptions = {}): Promise<FrameInput> {
    if (disposed) throw new Error('interpolate: this interpolator was disposed; create a new one.');
    const t = options.t ?? 0.5;
    if (typeof t !== 'number' || !(t >= 0 && t <= 1)) throw new Error(`t: expected a number in [0, 1], got ${String(t)}.`);
    const a = toFloatBatch(frame0, 'frame0');
    let b: ReturnType<typeof toFloatBatch>;
    try {
      b = toFloatBatch(frame1, 'frame1');
    } catch (error) {
      a.batch.dispose();
      throw error;
    }
    try {
      if (a.batch.shape.join() !== b.batch.shape.join()) {
        throw new Error(`frame0 and frame1 differ in size: [${a.batch.shape}] vs [${b.batch.shape}] (as [B,H,W,3]). ` +
          'Resize one of them first; nothing is resized silently.');
      }
      if (checkFrames) {
        await checkFrameValues(a.batch, 'frame0');
        await checkFrameValues(b.batch, 'frame1');
      }
      const {steps, t: rounded} = bisectionPath(t, depth);
      let result: tf.Tensor4D;
      if (rounded === 0) {
        result = tf.clone(a.batch);
      } else if (rounded === 1) {
        result = tf.clone(b.batch);
      } else {
        let left = tf.clone(a.batch);
        let right = tf.clone(b.batch);
        result = middle(left, right);
        for (const step of steps) {
          if (step === 'left') { right.dispose(); right = result; } else { left.dispose(); left = result; }
          result = middle(left, right);
        }
        left.dispose();
        right.dispose();
      }
      const back = await fromFloatBatch(result, a.form);
      result.dispose();
      return back;
    } finally {
      a.batch.dispose();
      b.batch.dispose();
    }
  }

  return {
    model,
    network,
    weights: weightsName,
    backend: info?.name ?? tf.getBackend(),
    interpolate: interpolate as Interpolator['interpolate'],
    dispose() {
      if (disposed) return;
      disposed = true;
      network.dispose();
    },
  };
}
