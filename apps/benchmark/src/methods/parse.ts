// `--method` specs and `--weights` flags → Method objects.
//   average                        frame averaging
//   minterpolate[=OPTIONS]         ffmpeg's minterpolate (options: key=value:key=value)
//   reference=DIR                  published frames under DIR (pattern from --reference-pattern)
//   default                        createInterpolator()'s defaults: the shipped default model of @daek/models, with its
//                                  flow search refinement (on by default there; the row says ' + refine')
//   daek | daek:PRESET             DAEK, final model or an ablation preset
//   rife                           RIFE's IFNet
//   ...=WEIGHTS after a model      e.g. daek:daek-f-ca=weights/f-ca, rife=flownet.pkl
//   ...+ensemble after a model     the time-reversal ensemble (createInterpolator({ensemble: true})), e.g. default+ensemble
//   ...+refine after a model       flow search refinement (createInterpolator({refine: true}), either engine; a test-time
//                                  extension, not in the DAEK paper), e.g. daek:daek-s+refine, rife+ensemble+refine.
//                                  daek[:PRESET] and rife (the paper's tables) run without it unless +refine is given;
//                                  default runs with it (createInterpolator()'s default)
//   default+norefine               the shipped default network alone (createInterpolator({refine: false})); not with +refine
import {createFrameAverage} from './frame_average.js';
import {createMinterpolate} from './minterpolate.js';
import type {Method, PaddingInfo} from './method.js';
import {createModelMethod, type BenchEngine, type ModelsModule} from './method_model.js';
import {createReference} from './reference.js';

/** A parsed `--method` spec. */
export interface MethodSpec {
  /** What kind of method. */
  kind: 'average' | 'minterpolate' | 'reference' | 'daek' | 'rife';
  /** DAEK preset. */
  preset?: string;
  /** Weights path (models), folder (reference) or filter options (minterpolate). */
  path?: string;
  /** Model methods: average the frames of (frame0, frame1) and (frame1, frame0) (`+ensemble`). */
  ensemble?: boolean;
  /**
   * Model methods: flow search refinement after each network pass (either engine): `true` with `+refine`, `false` with
   * `+norefine` (`default` only), absent otherwise (then `default` refines, as `createInterpolator()` does, and
   * `daek[:PRESET]` and `rife` do not).
   */
  refine?: boolean;
  /** The spec as written. */
  text: string;
}

/** The spec grammar, for error messages and --help. */
export const METHOD_GRAMMAR = 'default[+ensemble][+refine|+norefine] | average | minterpolate[=OPTIONS] | reference=DIR | ' +
  'daek[:PRESET][+ensemble][+refine][=WEIGHTS] | rife[+ensemble][+refine][=WEIGHTS]';

/** The `+SUFFIX` options of network methods, in the order the grammar writes them (either order is accepted). */
const SUFFIXES = ['ensemble', 'refine', 'norefine'] as const;

/** Parse one `--method` spec. */
export function parseMethodSpec(text: string): MethodSpec {
  const at = text.indexOf('=');
  const head = (at < 0 ? text : text.slice(0, at)).trim();
  const value = at < 0 ? undefined : text.slice(at + 1);
  if (value !== undefined && value.length === 0) throw new Error(`--method ${text}: nothing after '='; expected ${METHOD_GRAMMAR}`);
  const [base, ...suffixes] = head.split('+');
  for (const [i, suffix] of suffixes.entries()) {
    if (!(SUFFIXES as readonly string[]).includes(suffix)) {
      throw new Error(`--method ${text}: unknown suffix '+${suffix}'; a network method takes +ensemble and/or +refine (default also +norefine)`);
    }
    if (suffixes.indexOf(suffix) !== i) throw new Error(`--method ${text}: '+${suffix}' given twice`);
  }
  const [name, preset, ...rest] = base!.split(':');
  if (rest.length > 0) throw new Error(`--method ${text}: too many ':'; expected ${METHOD_GRAMMAR}`);
  if (suffixes.length > 0 && !['default', 'daek', 'rife'].includes(name!)) {
    throw new Error(`--method ${text}: '+${suffixes[0]}' is for network methods (default, daek, rife), not '${name}'`);
  }
  if (suffixes.includes('refine') && suffixes.includes('norefine')) {
    throw new Error(`--method ${text}: '+refine' and '+norefine' contradict each other; give one of them`);
  }
  if (suffixes.includes('norefine') && name !== 'default') {
    throw new Error(`--method ${text}: '+norefine' is for 'default' (which refines, as createInterpolator() does); ` +
      `'${name}' runs without refinement unless +refine is given, so drop '+norefine'`);
  }
  const spec = parseBareSpec(text, name, preset, value);
  const refine = suffixes.includes('refine') ? {refine: true} : suffixes.includes('norefine') ? {refine: false} : {};
  return {...spec, ...(suffixes.includes('ensemble') ? {ensemble: true} : {}), ...refine};
}

function parseBareSpec(text: string, name: string | undefined, preset: string | undefined, value: string | undefined): MethodSpec {
  switch (name) {
    case 'average':
    case 'frame-average':
      if (preset !== undefined || value !== undefined) throw new Error(`--method ${text}: 'average' takes no preset or path`);
      return {kind: 'average', text};
    case 'minterpolate':
      if (preset !== undefined) throw new Error(`--method ${text}: 'minterpolate' takes no preset; options go after '=', e.g. minterpolate=mi_mode=blend`);
      return {kind: 'minterpolate', path: value, text};
    case 'reference':
      if (value === undefined) throw new Error(`--method ${text}: 'reference' needs the folder of published frames: reference=DIR`);
      if (preset !== undefined) throw new Error(`--method ${text}: 'reference' takes no preset`);
      return {kind: 'reference', path: value, text};
    case 'default':
      if (preset !== undefined || value !== undefined) throw new Error(`--method ${text}: 'default' (the shipped default model) takes no preset or weights; use daek:PRESET=WEIGHTS`);
      return {kind: 'daek', preset: 'default', text};
    case 'daek':
      if (preset === '') throw new Error(`--method ${text}: empty preset after 'daek:'`);
      return {kind: 'daek', preset: preset ?? 'daek', path: value, text};
    case 'rife':
      if (preset !== undefined) throw new Error(`--method ${text}: 'rife' takes no preset (DAEK presets go with daek:PRESET)`);
      return {kind: 'rife', path: value, text};
    default:
      throw new Error(`--method ${text}: unknown method '${name}'; expected ${METHOD_GRAMMAR}`);
  }
}

/**
 * Parse `--weights [NAME=]PATH` flags into a map from preset name (or `rife`) to path; a bare PATH is for
 * `daek`. Windows drive letters (`C:\...`) are not names.
 */
export function parseWeightsFlags(flags: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const flag of flags) {
    const match = /^([a-z][a-z0-9-]*)=(.+)$/i.exec(flag);
    const [name, file] = match ? [match[1], match[2]] : ['daek', flag];
    if (map.has(name)) throw new Error(`--weights: two paths for '${name}': ${map.get(name)} and ${file}`);
    map.set(name, file);
  }
  return map;
}

/**
 * Presets that are one model under several names (spec §4): the final model is "Ours" in Table I, DAEK-F-DA in
 * Table II and "DAEK w/ OT" in Table III. Weights given for one name serve the others.
 */
export const SAME_MODEL: readonly string[] = ['daek', 'daek-f-da', 'daek-ot'];

/** The names a preset also goes by (itself first). */
export function presetAliases(preset: string): string[] {
  return SAME_MODEL.includes(preset) ? [preset, ...SAME_MODEL.filter((p) => p !== preset)] : [preset];
}

/** The weights for a spec: its own `=PATH`, else `--weights PRESET=...` (or its alias), else none. */
export function weightsFor(spec: MethodSpec, weights: ReadonlyMap<string, string>): string | undefined {
  if (spec.path !== undefined) return spec.path;
  if (spec.kind === 'rife') return weights.get('rife');
  if (spec.kind !== 'daek') return undefined;
  return presetAliases(spec.preset ?? 'daek').map((name) => weights.get(name)).find((file) => file !== undefined);
}

/** Context for {@link createMethod}. */
export interface MethodContext {
  /** `--weights` map. */
  weights: ReadonlyMap<string, string>;
  /** Backend name for createInterpolator. */
  backend: string;
  /** Engine of the network methods (`--engine`; default tfjs). */
  engine?: BenchEngine;
  /** ONNX Runtime threads (`--threads`, engine onnxruntime). */
  threads?: number;
  /** Padding of model methods. */
  padding: Partial<PaddingInfo>;
  /** File pattern of reference methods. */
  referencePattern?: string;
  /** Injected @daek/models (tests). */
  models?: ModelsModule;
}

/** Build the method a spec names. */
export function createMethod(spec: MethodSpec, context: MethodContext): Method {
  switch (spec.kind) {
    case 'average':
      return createFrameAverage();
    case 'minterpolate':
      return createMinterpolate({filterOptions: spec.path});
    case 'reference':
      return createReference({folder: spec.path!, pattern: context.referencePattern});
    case 'daek':
    case 'rife':
      return createModelMethod({
        model: spec.kind, preset: spec.preset, weights: weightsFor(spec, context.weights), backend: context.backend,
        engine: context.engine, threads: context.threads, ...(spec.ensemble ? {ensemble: true} : {}),
        ...(spec.refine !== undefined ? {refine: spec.refine} : {}),
        padding: context.padding, models: context.models,
      });
  }
}
