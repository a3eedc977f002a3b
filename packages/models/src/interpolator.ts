// createInterpolator(): the tfjs-models style entry point. Build a network, load weights, then interpolate
// frames of any size (padded to a multiple of 32, cropped back), any batch, at any t (by bisection). The frame
// pipeline exists once; a FrameExecutor (tfjs here, ONNX Runtime from @daek/onnx) runs each network pass.
import * as tf from '@tensorflow/tfjs';
import {cropPadding, padToMultiple, useBackend, type BackendName, type PadMode} from '@daek/flow-ops';
import {DAEK} from './daek.js';
import {resolveFlowSearchOptions, type FlowSearchOptions, type ResolvedFlowSearchOptions} from './flow_search.js';
import {checkFrameValues, fromFloatBatch, toFloatBatch, type FrameInput, type PixelFrame} from './frames.js';
import {IFNet, type IFNetConfig} from './ifnet.js';
import {loadOnnxEngine, MEMORY_LIGHT_ABOVE, reversalEnsembleExecutor, tfjsExecutor, type EngineName, type FrameExecutor, type OnnxEngineModule} from './executor.js';
import {DAEK_PRESETS, resolveDaekConfig, type DaekConfig, type DaekPresetName} from './presets.js';
import {loadNetworkWeights, storedModelConfig, type WeightsSource} from './weights_source.js';
import {SHIPPED_WEIGHTS, shippedWeights} from './shipped.js';

/**
 * Model names {@link createInterpolator} accepts: every DAEK preset ({@link DaekPresetName}), and RIFE's IFNet
 * (`ifnet` or `rife`). A typo such as `'daek-xl'` does not compile.
 *
 * Escape hatches: weights you trained yourself need no name, because files written by `saveNetwork` say which
 * network and configuration they hold (`createInterpolator({weights})`); a `.pth` of your own configuration
 * takes the preset it was trained from plus `daekConfig`. A name only known at run time (a CLI flag, a
 * config file) goes through {@link asModelName}, which checks it.
 */
export type ModelName = DaekPresetName | 'ifnet' | 'rife';

/** Every {@link ModelName}, DAEK presets first. */
export const MODEL_NAMES: readonly ModelName[] = Object.freeze([...DAEK_PRESETS.map((p) => p.name as DaekPresetName), 'ifnet', 'rife']);

/**
 * The model {@link createInterpolator} builds when `model` is not given: the trained model that ships with
 * this package (its weights are in {@link SHIPPED_WEIGHTS}).
 */
export const DEFAULT_MODEL: ModelName = 'daek-s';

/** Whether `name` is a {@link ModelName}. */
export function isModelName(name: unknown): name is ModelName {
  return typeof name === 'string' && (MODEL_NAMES as readonly string[]).includes(name);
}

/** A run-time string as a {@link ModelName}; throws, listing the names, when it is not one. */
export function asModelName(name: string): ModelName {
  if (!isModelName(name)) throw new Error(`Unknown model "${String(name)}". Use one of: ${MODEL_NAMES.join(', ')}.`);
  return name;
}

/**
 * The smallest frame side a network takes: 64 for DAEK (`DAEK.forward` checks it; the correlation here never
 * divides by zero at small sizes, unlike AMT's sampler), 32 for IFNet (RIFE pads to 32). `padding.minSize`,
 * rounded up to `padding.multiple`, may not be lower.
 */
export function minimumFrameSize(model: ModelName): number {
  return canonicalModel(model) === 'ifnet' ? 32 : 64;
}

// Shipped weights live in shipped.ts (bundler-visible URLs, no Node built-ins); re-exported here for the API.
export {SHIPPED_WEIGHTS, shippedWeights};
// The correlation threshold lives with the tfjs executor; re-exported here for the API.
export {MEMORY_LIGHT_ABOVE};

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
  /**
   * A DAEK preset name (`daek` is the paper's final model) or `ifnet` / `rife`. Default: what the weights file
   * says (tfjs format), else {@link DEFAULT_MODEL} (`daek-s`, the trained model that ships with this package).
   */
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
  /**
   * Padding before the network: multiple (32), mode (`replicate`, spec A20) and minimum size (128, spec §1.1).
   * Checked when the interpolator is created.
   */
  padding?: {
    /** Pad height and width to a multiple of this: a positive multiple of 16 (default 32). */
    multiple?: number;
    /** `replicate` (default) or `zero`. */
    mode?: PadMode;
    /**
     * Pad smaller sides up to this (default 128). Rounded up to `multiple`, it must be at least the model's
     * {@link minimumFrameSize}.
     */
    minSize?: number;
  };
  /** Bisection depth for t other than 0.5: t is rounded to the nearest multiple of 2^-depth (default 4, 1/16). */
  bisectionDepth?: number;
  /** Check frames for NaN/Inf and a [0,1] range (one read-back per call; default true). */
  checkFrames?: boolean;
  /** Called while the model is built and its weights load. */
  onProgress?: (progress: LoadProgress) => void;
  /**
   * What runs each network pass (default `tfjs`): `tfjs` on the tfjs backend, or `onnxruntime` (ONNX Runtime
   * through `@daek/onnx`, loaded on demand: onnxruntime-node in Node, onnxruntime-web in browsers). Both run the
   * same frame pipeline (validation, padding, cropping, bisection, batches).
   */
  engine?: EngineName;
  /**
   * Threads. `onnxruntime`: ONNX Runtime's intra-op threads (default: the physical cores). `tfjs`: the wasm
   * backend's threads, with `backend: 'wasm'` only (set before the backend first starts).
   */
  threads?: number;
  /**
   * `onnxruntime` only: the `.onnx` to run (bytes, a path in Node, or a URL), exported from the same weights (checked
   * by their SHA-256). Default: the `.onnx` that `@daek/onnx` ships for the model when the weights are the shipped
   * ones (`daek-s`), else the network exported in memory.
   */
  onnx?: Uint8Array | string | URL;
  /** `onnxruntime` only: the execution provider (`auto` by default: cpu in Node; WebGPU, else wasm, in browsers). */
  executionProvider?: 'auto' | 'cpu' | 'wasm' | 'webgpu';
  /**
   * `onnxruntime` only: the `@daek/onnx` module, for bundles (`onnxEngine: await import('@daek/onnx')`), where the
   * on-demand import of `@daek/onnx` cannot be resolved. Default: that import.
   */
  onnxEngine?: OnnxEngineModule;
  /**
   * Run every network pass twice, on (frame0, frame1) and on (frame1, frame0), and average the two middle frames
   * (default false). +0.02 to +0.15 dB for the shipped `daek-s` on the test sets, at twice the time per frame. Either engine.
   */
  ensemble?: boolean;
  /**
   * Flow search refinement, a test-time extension of the DAEK spec, not part of the paper. After each network pass,
   * every pixel's last flow pair moves by the symmetric offset that best matches the two warped frames over a
   * window, on a 3x3 grid whose step shrinks (default 1, 0.5, 0.25 pixels; window 13), starting from the better of
   * the network's flow and the flow of a second pass on the frames at half size (`coarseStart`), with a pull toward
   * that start (`prior`); the frame is then blended again with the network's own mask and synthesis residual
   * ({@link refineFlowBySearch}). `true` for the defaults, `{steps, window, prior, coarseStart}`, or `false` for the
   * network alone.
   *
   * Default: **on for the shipped weights** (no `weights` given), where it was chosen on held-out training clips
   * (never a test set): +0.56 dB and IE -0.39 over the network alone on 96 held-out triplets at 640x360 and 848x480,
   * +0.64 dB and IE -0.54 on 56 at native size (up to 1280x720). **Off for weights you pass** (a file, a handler or
   * `'random'`): its effect on other weights is not measured, and a paper reproduction wants the network alone. It
   * costs about 3.2x the time of the network alone on `onnxruntime` (640x360 on 2 cores: 0.31 s alone, 1.0 s with
   * it). Either engine: `tfjs` runs {@link refinedMiddleFrame}, `onnxruntime` the same search as a second
   * ONNX graph on the network graph's flow, mask and frame (@daek/onnx `flowSearchGraph`). With `ensemble`, each of
   * the two passes is refined.
   */
  refine?: boolean | FlowSearchOptions;
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
  /** The model it runs. */
  readonly model: ModelName;
  /** The network (for advanced use: `forward`, `store`, `parameterCount`). */
  readonly network: Network;
  /** Where the weights came from (`random` for an untrained network). */
  readonly weights: string;
  /** The tfjs backend in use (frame handling; and the network pass with the `tfjs` engine). */
  readonly backend: string;
  /** The engine that runs the network passes. */
  readonly engine: EngineName;
  /** What runs the network passes, for logs: `tfjs wasm`, `onnxruntime-node cpu, 2 threads`, ... */
  readonly executor: string;
  /**
   * The frame between `frame0` and `frame1` at time `t`, in the form the frames came in: a float32
   * tensor in [0,1] of the input's rank for tensors, or `{data, width, height, channels}` bytes for pixel
   * frames. Frames of any size are padded (replicate, centred) to a multiple of 32 and at least 128, and
   * cropped back. A `[B,H,W,C]` pair is a batch.
   */
  interpolate(frame0: PixelFrame, frame1: PixelFrame, options?: InterpolateOptions | null): Promise<PixelFrame>;
  /** Rank-3 tensors in, a rank-3 float tensor out. */
  interpolate(frame0: tf.Tensor3D, frame1: tf.Tensor3D, options?: InterpolateOptions | null): Promise<tf.Tensor3D>;
  /** A batch of pairs in, a batch of frames out. */
  interpolate(frame0: tf.Tensor4D, frame1: tf.Tensor4D, options?: InterpolateOptions | null): Promise<tf.Tensor4D>;
  /** Any frame form. `options` may be null (the defaults). */
  interpolate(frame0: FrameInput, frame1: FrameInput, options?: InterpolateOptions | null): Promise<FrameInput>;
  /**
   * Release the weights. The interpolator cannot be used afterwards: later calls, and calls still running,
   * reject with an error that says it was disposed.
   */
  dispose(): void;
}

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

/** Check the padding options (before anything is built or loaded). */
function checkPadding(padding: InterpolatorConfig['padding']): {multiple: number; minSize: number; mode: PadMode} {
  if (padding !== undefined && (typeof padding !== 'object' || padding === null)) {
    throw new Error(`createInterpolator: padding: expected an object such as {multiple: 32}, got ${String(padding)}.`);
  }
  const multiple = padding?.multiple ?? 32;
  const minSize = padding?.minSize ?? 128;
  const mode = padding?.mode ?? 'replicate';
  if (typeof multiple !== 'number' || !Number.isInteger(multiple) || multiple <= 0 || multiple % 16 !== 0) {
    throw new Error(`createInterpolator: padding.multiple: expected a positive multiple of 16 (the networks halve ` +
      `frames four times), such as 32; got ${String(multiple)}.`);
  }
  if (mode !== 'replicate' && mode !== 'zero') {
    throw new Error(`createInterpolator: padding.mode: expected 'replicate' or 'zero', got '${String(mode)}'.`);
  }
  if (typeof minSize !== 'number' || !Number.isInteger(minSize) || minSize <= 0) {
    throw new Error(`createInterpolator: padding.minSize: expected a positive integer, got ${String(minSize)}.`);
  }
  return {multiple, minSize, mode};
}

/**
 * Check `refine` (before anything is built or loaded): the search options, or null when off. Unset, it is on for
 * the shipped weights (`shippedDefault`) and off otherwise (see {@link InterpolatorConfig.refine}).
 */
function checkRefine(refine: InterpolatorConfig['refine'], shippedDefault: boolean): ResolvedFlowSearchOptions | null {
  if (refine === undefined) refine = shippedDefault;
  if (refine === false) return null;
  if (refine !== true && (typeof refine !== 'object' || refine === null)) {
    throw new Error(`createInterpolator: refine: expected true, false or {steps, window, prior, coarseStart}, got ${String(refine)}.`);
  }
  return resolveFlowSearchOptions(refine === true ? {} : refine, 'createInterpolator: refine');
}

/**
 * Create an interpolator: switch backend (if asked), build the network, load weights. With no arguments it
 * loads {@link DEFAULT_MODEL} with the trained weights that ship with this package.
 *
 * ```ts
 * const interp = await createInterpolator();                      // daek-s, shipped weights
 * const middle = await interp.interpolate(frame0, frame1);        // t = 0.5
 * const quarter = await interp.interpolate(frame0, frame1, {t: 0.25});
 * interp.dispose();
 * ```
 */
export async function createInterpolator(config: InterpolatorConfig = {}): Promise<Interpolator> {
  if (typeof config !== 'object' || config === null) {
    throw new Error(`createInterpolator: expected a settings object such as {model: '${DEFAULT_MODEL}'}, got ${String(config)}.`);
  }
  // Everything that needs no I/O is checked first.
  if (config.model !== undefined) asModelName(config.model);
  const {multiple, minSize, mode} = checkPadding(config.padding);
  const depth = config.bisectionDepth ?? 4;
  if (!Number.isInteger(depth) || depth < 1 || depth > 10) throw new Error(`bisectionDepth: expected an integer 1..10, got ${depth}.`);
  const engine = config.engine ?? 'tfjs';
  if (engine !== 'tfjs' && engine !== 'onnxruntime') {
    throw new Error(`createInterpolator: engine: expected 'tfjs' or 'onnxruntime', got ${JSON.stringify(engine)}.`);
  }
  if (config.threads !== undefined && (!Number.isInteger(config.threads) || config.threads < 1)) {
    throw new Error(`createInterpolator: threads: expected an integer >= 1, got ${String(config.threads)}.`);
  }
  if (engine === 'tfjs' && config.threads !== undefined && config.backend !== 'wasm') {
    throw new Error("createInterpolator: threads with engine 'tfjs' sets the wasm backend's threads: pass backend: 'wasm' " +
      "too (or use engine: 'onnxruntime').");
  }
  for (const key of ['onnx', 'executionProvider', 'onnxEngine'] as const) {
    if (engine === 'tfjs' && config[key] !== undefined) {
      throw new Error(`createInterpolator: ${key} is for engine 'onnxruntime'; this interpolator uses engine 'tfjs'.`);
    }
  }
  // Unset, refine follows the weights: on for the shipped ones (no `weights` given), off for any others.
  const refine = checkRefine(config.refine, config.weights === undefined);
  // No weights: a preset with shipped weights loads them (never a silent random network).
  const shipped = config.weights === undefined ? await shippedWeights(config.model ?? DEFAULT_MODEL) : null;
  if (shipped) config = {...config, weights: shipped};
  // tfjs-format weights say which model they belong to: use it, and refuse a contradicting `model`.
  const stored = config.weights !== undefined && config.weights !== 'random' ? await storedModelConfig(config.weights) : null;
  if (stored && !isModelName(stored.model)) {
    throw new Error(`createInterpolator: the weights file names model "${stored.model}", which this version of ` +
      `@daek/models does not know (${MODEL_NAMES.join(', ')}). Update @daek/models, or re-save the weights.`);
  }
  if (stored && config.model !== undefined && canonicalModel(config.model) !== canonicalModel(stored.model)) {
    throw new Error(`createInterpolator: the weights are for model "${stored.model}", not "${config.model}". ` +
      'Drop `model` (the weights file says which one) or pass matching weights.');
  }
  const model: ModelName = config.model ?? (stored?.model as ModelName | undefined) ?? DEFAULT_MODEL;
  const daekConfig = {...(stored?.daekConfig ?? {}), ...(config.daekConfig ?? {})} as Partial<DaekConfig>;
  if (config.weights === undefined) {
    throw new Error(`createInterpolator: no weights given for "${model}" and none are shipped for it. ` +
      "Pass weights: a model.json path/URL, a .pth file, a tf.io handler, or 'random' for an untrained network.");
  }
  // The smallest padded side a tiny frame gets is minSize rounded up to the multiple.
  const smallest = Math.ceil(minSize / multiple) * multiple;
  if (smallest < minimumFrameSize(model)) {
    throw new Error(`createInterpolator: padding.minSize: ${model} needs frames of at least ${minimumFrameSize(model)} ` +
      `pixels a side (smaller ones are padded up to minSize), got ${minSize} (${smallest} after rounding up to the multiple ` +
      `${multiple}).`);
  }
  const info = config.backend ? await useBackend(config.backend, config.threads !== undefined && engine === 'tfjs' ?
    {threads: config.threads} : {}) : null;
  config.onProgress?.({stage: 'building', fraction: 0});
  const network = buildNetwork(model, daekConfig, (stored?.ifnetConfig ?? {}) as IFNetConfig);
  let weightsName = 'random';
  try {
    if (config.weights !== 'random') {
      weightsName = await loadNetworkWeights(network, config.weights, (fraction) => config.onProgress?.({stage: 'weights', fraction}));
    }
  } catch (error) {
    network.dispose();
    if (config.model === undefined && !stored && error instanceof Error) {
      error.message += `\n(No \`model\` was given, so ${model} was built: pass the model these weights are for.)`;
    }
    throw error;
  }
  let executor: FrameExecutor;
  try {
    executor = engine === 'tfjs' ? tfjsExecutor(network, config.daekConfig?.correlation, refine ?? undefined) :
      await (config.onnxEngine ?? await loadOnnxEngine()).createOnnxExecutor({model, network, onnx: config.onnx,
        threads: config.threads, executionProvider: config.executionProvider, ...(refine ? {refine} : {})});
    if (config.ensemble) executor = reversalEnsembleExecutor(executor);
  } catch (error) {
    network.dispose();
    throw error;
  }
  config.onProgress?.({stage: 'ready', fraction: 1});
  let disposed = false;
  const checkFrames = config.checkFrames ?? true;

  const disposedDuringCall = () => new Error('interpolate: the interpolator was disposed during this call (dispose() ' +
    'ran before the call finished); wait for interpolate() to resolve before disposing.');

  /** One network pass at t = 0.5 on float [B,H,W,3] frames of equal size: pad, run the executor, crop. */
  const middle = async (a: tf.Tensor4D, b: tf.Tensor4D): Promise<tf.Tensor4D> => {
    if (disposed) throw disposedDuringCall();
    const pa = padToMultiple(a, multiple, {mode, minSize});
    let pb: typeof pa | null = null;
    let out: tf.Tensor4D | null = null;
    try {
      pb = padToMultiple(b, multiple, {mode, minSize});
      out = await executor.run(pa.padded, pb.padded);
      const frame = out;
      return tf.tidy(() => tf.clone(cropPadding(frame, pa.padding)));
    } finally {
      tf.dispose([pa.padded, pb?.padded, out].filter((t): t is tf.Tensor4D => t != null && t !== a && t !== b));
    }
  };

  /** The frame at `t` by bisection; frees every intermediate frame, also when a pass throws. */
  const bisect = async (a: tf.Tensor4D, b: tf.Tensor4D, steps: ('left' | 'right')[]): Promise<tf.Tensor4D> => {
    let left = tf.clone(a);
    let right = tf.clone(b);
    let result: tf.Tensor4D | null = null;
    try {
      result = await middle(left, right);
      for (const step of steps) {
        if (step === 'left') { right.dispose(); right = result; } else { left.dispose(); left = result; }
        result = null;
        result = await middle(left, right);
      }
      return result;
    } catch (error) {
      result?.dispose();
      throw disposed ? disposedDuringCall() : error;
    } finally {
      left.dispose();
      right.dispose();
    }
  };

  async function interpolate(frame0: FrameInput, frame1: FrameInput, options?: InterpolateOptions | null): Promise<FrameInput> {
    if (disposed) throw new Error('interpolate: this interpolator was disposed; create a new one.');
    options ??= {};
    if (typeof options !== 'object') {
      throw new Error(`interpolate: options: expected an object such as {t: 0.25}, got ${String(options)}.`);
    }
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
        if (disposed) throw disposedDuringCall();
      }
      const {steps, t: rounded} = bisectionPath(t, depth);
      const result = rounded === 0 ? tf.clone(a.batch) : rounded === 1 ? tf.clone(b.batch) : await bisect(a.batch, b.batch, steps);
      try {
        return await fromFloatBatch(result, a.form);
      } finally {
        result.dispose();
      }
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
    engine,
    executor: executor.description,
    interpolate: interpolate as Interpolator['interpolate'],
    dispose() {
      if (disposed) return;
      disposed = true;
      // An ONNX Runtime session releases asynchronously; nothing waits on it, so a failure is only reported.
      Promise.resolve(executor.dispose()).catch((error: unknown) => console.warn(`interpolator: releasing the executor failed: ${String(error)}`));
      network.dispose();
    },
  };
}
