// The network methods, `daek` (any preset) and `rife` (IFNet), through @daek/models' createInterpolator.
// The benchmark pads and crops itself (spec §6, flow-ops padToMultiple/cropPadding) so that the protocol
// block states exactly what was done; the interpolator then sees sizes it needs no padding for.
import {existsSync, readdirSync, statSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import * as tf from '@tensorflow/tfjs';
import {imageToTensor, type RawTriplet, type RgbImage} from '@daek/datasets';
import {cropPadding, padToMultiple} from '@daek/flow-ops';
import {sha256Of} from '../hash.js';
import type {Prediction} from '../metrics.js';
import type {Method, MethodInfo, PaddingInfo, WeightsInfo} from './method.js';

/** The model families @daek/models builds. */
export type ModelFamily = 'daek' | 'rife';

/** A network that counts its parameters: `student`, and `total` = student + training-only teacher. */
export interface CountsParameters {
  /** The counts, e.g. `{total, student, teacher}`. */
  parameterCount?(): object;
}

/**
 * The part of a @daek/models interpolator this file uses (`createInterpolator`'s result): tensors in, a tensor
 * of the same rank out; the network's parameter counts.
 */
export interface InterpolatorLike {
  /** Middle frame, float [0, 1] `[B, H, W, 3]`, same size as the inputs. */
  interpolate(frame0: tf.Tensor4D, frame1: tf.Tensor4D, options?: {t?: number}): Promise<tf.Tensor4D>;
  /** The network; DAEK and IFNet count their parameters. */
  network?: CountsParameters;
  /** What runs the network passes (`tfjs wasm`, `onnxruntime-node cpu, 2 threads`, ...), when the module says. */
  readonly executor?: string;
  /** Free the weights. */
  dispose(): void;
}

/** The engine that runs the network passes (`--engine`). */
export type BenchEngine = 'tfjs' | 'onnxruntime';

/** The settings this file passes to `createInterpolator`. */
export interface InterpolatorSettings {
  /** A DAEK preset name (`daek`, `daek-f-ca`, ...) or `rife`. */
  model: string;
  /** A weights path, or `'random'` for the untrained network. */
  weights: string;
  /** The backend to switch to. */
  backend?: string;
  /** The engine of the network passes (omitted: tfjs). */
  engine?: BenchEngine;
  /** ONNX Runtime's intra-op threads (engine onnxruntime only; tfjs-wasm threads are set with the backend). */
  threads?: number;
  /** Average the frames of both input orders (`+ensemble`). */
  ensemble?: boolean;
  /** Flow search refinement after each network pass (`+refine`; either engine); always passed, true or false. */
  refine?: boolean;
  /** The same padding the benchmark applies, so that the interpolator's own padding has nothing left to do. */
  padding: PaddingInfo;
  /** Inputs come from 8-bit files: skip the interpolator's NaN/range read-back. */
  checkFrames: boolean;
}

/** A preset entry as @daek/models lists it. */
export interface PresetEntry {
  /** The preset's name. */
  name: string;
}

/** The part of the @daek/models module this file uses. */
export interface ModelsModule {
  /** Build an interpolator. */
  createInterpolator(settings: InterpolatorSettings): Promise<InterpolatorLike>;
  /** The model `createInterpolator()` builds when given none (the shipped default), when the module names one. */
  DEFAULT_MODEL?: string;
  /** The presets: names, `{name}` objects, or an object keyed by name. */
  DAEK_PRESETS?: readonly (string | PresetEntry)[] | Record<string, unknown>;
}

/** The outcome of {@link loadModels}. */
export interface LoadedModels {
  /** The module, when it could be loaded and has createInterpolator. */
  models?: ModelsModule;
  /** Why not, otherwise. */
  reason?: string;
}

/**
 * Load @daek/models, or say why it cannot be used: a broken models build then costs the table its model
 * rows (each saying why) rather than the whole run.
 */
export async function loadModels(): Promise<LoadedModels> {
  const specifier = '@daek/models';
  try {
    const models = (await import(specifier)) as Partial<ModelsModule>;
    if (typeof models.createInterpolator !== 'function') {
      return {reason: '@daek/models does not export createInterpolator yet'};
    }
    return {models: models as ModelsModule};
  } catch (error) {
    return {reason: `@daek/models could not be loaded (${(error as Error).message.split('\n')[0]})`};
  }
}

/** The preset names @daek/models knows, or undefined when it does not say. */
export function presetNames(models: ModelsModule): string[] | undefined {
  const presets = models.DAEK_PRESETS;
  if (presets === undefined) return undefined;
  if (!Array.isArray(presets)) return Object.keys(presets);
  return presets.map((entry: string | PresetEntry) => (typeof entry === 'string' ? entry : entry.name));
}

/**
 * The trained weights the project ships for `model` / `preset`, if any: in the @daek/models package,
 * `weights/<name>/model.json` (tfjs format) or `weights/<name>.<ext>` (`<name>` is the preset for daek, `rife`
 * for IFNet). `daek-s` ships (weights/daek-s/model.json, float16).
 */
export function shippedWeights(model: ModelFamily, preset: string | undefined): string | undefined {
  let root: string;
  try {
    root = path.dirname(fileURLToPath(import.meta.resolve('@daek/models/package.json')));
  } catch {
    // the package's exports do not list package.json: find it beside this workspace
    root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../packages/models');
  }
  const dir = path.join(root, 'weights');
  if (!existsSync(dir)) return undefined;
  const name = model === 'rife' ? 'rife' : preset ?? 'daek';
  const folder = path.join(dir, name, 'model.json');
  if (existsSync(folder)) return folder;
  const match = readdirSync(dir).find((entry) => entry.replace(/\.[^.]*$/, '') === name && !statSync(path.join(dir, entry)).isDirectory());
  return match === undefined ? undefined : path.join(dir, match);
}

/** The preset name that stands for the shipped default model (`--method default`). */
export const SHIPPED_DEFAULT = 'default';

/** Options of {@link createModelMethod}. */
export interface ModelMethodOptions {
  /** Model family. */
  model: ModelFamily;
  /**
   * DAEK preset (default `'daek'`, the final model), or `'default'` for the shipped default model of @daek/models
   * (what `createInterpolator()` builds with no arguments, resolved at prepare); ignored for `rife`.
   */
  preset?: string;
  /** Weights path (tfjs folder/model.json or PyTorch .pth, as @daek/models reads); default: shipped weights, else random init. */
  weights?: string;
  /** Backend name, passed to createInterpolator and printed. */
  backend?: string;
  /** The engine of the network passes (default tfjs: the reference implementation). */
  engine?: BenchEngine;
  /** ONNX Runtime's threads, with `engine: 'onnxruntime'`. */
  threads?: number;
  /** The time-reversal ensemble (`createInterpolator({ensemble: true})`); the row label gets ` + ensemble`. */
  ensemble?: boolean;
  /**
   * Flow search refinement (`createInterpolator({refine})`, a test-time extension, not in the DAEK paper); the row label
   * gets ` + refine` when on. Either engine (onnxruntime runs the search as a second ONNX graph). Default: on for
   * preset `'default'` (what `createInterpolator()` does), off for the other presets and `rife` (the paper's tables).
   * Passed to `createInterpolator` explicitly either way.
   */
  refine?: boolean;
  /** Padding (default replicate, multiple 32, min size 128: spec §1.1 and §6). */
  padding?: Partial<PaddingInfo>;
  /** Row label (default `daek` / `daek:<preset>` / `rife`). */
  label?: string;
  /** The loaded module (tests inject one); default: import @daek/models. */
  models?: ModelsModule;
}

/** Student and total (with teacher) parameter counts, when the network reports them. */
function countParameters(interpolator: InterpolatorLike): {student?: number; total?: number} {
  const counts = interpolator.network?.parameterCount?.() as Record<string, unknown> | undefined;
  if (!counts) return {};
  const pick = (key: string) => (typeof counts[key] === 'number' ? counts[key] as number : undefined);
  return {student: pick('student') ?? pick('total'), total: pick('total')};
}

function toBatch(image: RgbImage): tf.Tensor4D {
  return tf.tidy(() => tf.expandDims(imageToTensor(image), 0) as tf.Tensor4D);
}

/**
 * A network method: @daek/models `createInterpolator({model: preset | 'rife', weights, backend})`, run on each
 * triplet padded to `padding.multiple` (replicate, centred, spec A20) and cropped back. With no trained weights
 * given or shipped it runs the untrained network (`weights: 'random'`) and says so in its description
 * ("no trained weights shipped: random init").
 */
export function createModelMethod(options: ModelMethodOptions): Method {
  const model = options.model;
  if (model !== 'daek' && model !== 'rife') throw new Error(`model method: unknown model '${String(model)}'; use daek or rife`);
  let preset = model === 'daek' ? options.preset ?? 'daek' : undefined;
  const shippedDefault = preset === SHIPPED_DEFAULT;
  const padding: PaddingInfo = {mode: 'replicate', multiple: 32, minSize: 128, ...options.padding};
  // 'default' follows createInterpolator()'s default (refinement on); the paper's models run without it unless asked.
  const refine = options.refine ?? shippedDefault;
  const suffix = (options.ensemble ? ' + ensemble' : '') + (refine ? ' + refine' : '');
  const name = options.label ?? (model === 'rife' ? 'rife' : preset === 'daek' || shippedDefault ? preset! : `daek:${preset}`) + suffix;
  const info: MethodInfo = {name, kind: 'model', padding, notes: []};
  if (preset) info.preset = preset;
  let interpolator: InterpolatorLike | undefined;
  let preparing: Promise<void> | undefined;

  const prepare = async () => {
    const loaded = options.models ? {models: options.models} : await loadModels();
    if (!loaded.models) throw new Error(loaded.reason);
    if (shippedDefault) {
      const resolved = loaded.models.DEFAULT_MODEL;
      if (resolved === undefined) throw new Error('this @daek/models names no default model (DEFAULT_MODEL); give a preset: daek:PRESET');
      preset = resolved;
      info.preset = resolved;
      if (options.label === undefined) info.name = `default (${resolved})${suffix}`;
      info.notes = [`the shipped default model of @daek/models (what createInterpolator() builds with no arguments): ${resolved}`];
    }
    const known = presetNames(loaded.models);
    if (preset && known && !known.includes(preset)) {
      throw new Error(`unknown preset '${preset}'; @daek/models has: ${known.join(', ')}`);
    }
    const given = options.weights !== undefined ? path.resolve(options.weights) : undefined;
    const shipped = given === undefined ? shippedWeights(model, preset) : undefined;
    const file = given ?? shipped;
    let weights: WeightsInfo;
    if (file !== undefined) {
      weights = {path: file, sha256: await sha256Of(file), random: false,
        note: given ? 'trained weights given on the command line' : 'trained weights shipped with @daek/models'};
    } else {
      weights = {random: true, note: 'no trained weights shipped: random init'};
    }
    info.weights = weights;
    const created = await loaded.models.createInterpolator({
      model: model === 'rife' ? 'rife' : preset!, weights: file ?? 'random', backend: options.backend,
      ...(options.engine === 'onnxruntime' ? {engine: 'onnxruntime' as const, threads: options.threads} : {}),
      ...(options.ensemble ? {ensemble: true} : {}),
      refine, // explicit either way: createInterpolator's own default is not relied on
      padding: {multiple: padding.multiple, mode: padding.mode, minSize: padding.minSize}, checkFrames: false,
    });
    interpolator = created;
    if (options.engine === 'onnxruntime') info.notes.push(`engine: ${created.executor ?? 'onnxruntime'}`);
    if (options.ensemble) info.notes.push('time-reversal ensemble: the mean of the frames for (frame0, frame1) and (frame1, frame0), two passes');
    if (refine) {
      // The executor's description states the search settings in force (steps, window, prior, coarse start).
      const settings = /flow search refinement \([^)]*\)/.exec(created.executor ?? '')?.[0] ?? 'flow search refinement';
      info.notes.push(`${settings}: the last flow (with a coarse start, the better of it and a second pass's on the ` +
        'scaled-down frames) searched per pixel over 3x3 symmetric offsets, the frame blended again with ' +
        "the network's mask and residual; a test-time extension, not in the DAEK paper");
    }
    const counted = countParameters(created);
    if (counted.student !== undefined) info.parameters = counted.student;
    if (counted.total !== undefined && counted.total !== counted.student) info.parametersWithTeacher = counted.total;
  };

  return {
    // the shipped default is named after the model it resolves to, once prepared
    get name() {
      return info.name;
    },
    describe: () => info,
    prepare: () => {
      preparing ??= prepare().catch((error) => {
        preparing = undefined;
        throw error;
      });
      return preparing;
    },
    predict: async (triplet: RawTriplet): Promise<Prediction> => {
      if (!interpolator) throw new Error(`${name}: predict before prepare`);
      const frame0 = toBatch(triplet.frame0), frame1 = toBatch(triplet.frame1);
      const pad = {mode: padding.mode, minSize: padding.minSize};
      const a = padToMultiple(frame0, padding.multiple, pad), b = padToMultiple(frame1, padding.multiple, pad);
      tf.dispose([frame0, frame1]);
      let out: tf.Tensor4D | undefined;
      try {
        out = await interpolator.interpolate(a.padded, b.padded, {t: triplet.t});
        const cropped = cropPadding(out, a.padding);
        const data = await cropped.data() as Float32Array;
        cropped.dispose();
        return {data, width: triplet.frame0.width, height: triplet.frame0.height};
      } finally {
        tf.dispose([a.padded, b.padded]);
        if (out) out.dispose();
      }
    },
    dispose: () => {
      interpolator?.dispose();
      interpolator = undefined;
      preparing = undefined;
    },
  };
}
