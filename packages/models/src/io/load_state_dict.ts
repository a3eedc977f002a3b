// PyTorch state dicts into a ParamStore and back: validate everything, then assign everything, so that a bad
// checkpoint never leaves a model half-loaded.
import type {ParamStore} from '../params.js';
import {IDENTITY_MAP, mapKeys, type NameMap} from './name_maps.js';
import {firstNonFinite, MAX_LISTED_PROBLEMS, sameShape, shapeText, WeightsError} from './problems.js';
import {stateDictSource, type TorchStateDict, type TorchTensor} from './pth.js';

/** A state dict as {@link readPth} returns it, or as a plain object. */
export type StateDictInput = ReadonlyMap<string, TorchTensor> | Readonly<Record<string, TorchTensor>>;

/** Options of {@link loadStateDict}. */
export interface LoadStateDictOptions {
  /**
   * True (default): every model tensor must be in the checkpoint and every checkpoint key must be a model tensor
   * (after the name map). False: load the tensors both have and report the rest.
   */
  strict?: boolean;
  /** How checkpoint keys map to model names (default {@link IDENTITY_MAP}: strip `module.`, drop BatchNorm counters). */
  map?: NameMap;
  /** How many problems the error message lists (default 20; the error's `problems` has them all). */
  maxListed?: number;
  /**
   * Where the state dict came from (a file name or URL), named in every error. Default: the `source` it was read
   * with by {@link readPth}, if any.
   */
  source?: string;
}

/** `loadStateDict (file.pth)`: the prefix of every error, naming the file when it is known. */
function errorPrefix(dict: StateDictInput, options: LoadStateDictOptions): string {
  const source = options.source ?? stateDictSource(dict);
  return source === undefined ? 'loadStateDict' : `loadStateDict (${source})`;
}

/** What {@link loadStateDict} did. */
export interface LoadStateDictReport {
  /** Model tensors assigned (canonical names). */
  loaded: string[];
  /** Model tensors the checkpoint lacks; they keep their values (only with `strict: false`). */
  missing: string[];
  /** Checkpoint keys the model does not have (only with `strict: false`). */
  unexpected: string[];
  /** Checkpoint keys the name map dropped (e.g. `num_batches_tracked`). */
  ignored: string[];
  /** True when a DataParallel `module.` prefix was stripped. */
  strippedModulePrefix: boolean;
}

/** One validated assignment. */
interface Assignment {
  name: string;
  data: Float32Array;
}

function entriesOf(dict: StateDictInput): Map<string, TorchTensor> {
  return dict instanceof Map ? dict as Map<string, TorchTensor> : new Map(Object.entries(dict as Record<string, TorchTensor>));
}

/** Checkpoint data as float32 (integer and bool tensors convert like PyTorch's `param.copy_(value)`). */
function asFloat32(tensor: TorchTensor): Float32Array {
  const data = tensor.data;
  if (data instanceof Float32Array) return data;
  if (data instanceof BigInt64Array) return Float32Array.from(data, (v) => Number(v));
  return Float32Array.from(data as ArrayLike<number>);
}

function equalBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Validate without assigning: the assignments to make, the report, and every problem found. */
function plan(store: ParamStore, dict: StateDictInput, options: LoadStateDictOptions):
    {assignments: Assignment[]; report: LoadStateDictReport; problems: string[]} {
  if (store.disposed) throw new Error(`${errorPrefix(dict, options)}: this model was disposed; create a new one.`);
  const strict = options.strict ?? true;
  const tensors = entriesOf(dict);
  const mapped = mapKeys(tensors.keys(), options.map ?? IDENTITY_MAP, (name) => store.has(name));
  const problems = [...mapped.problems];
  const byCanonical = new Map<string, {key: string; data: Float32Array}>();
  const unexpected: string[] = [];
  const present = new Set<string>(); // model tensors the checkpoint has, valid or not
  for (const [name, key] of mapped.keys) {
    const label = name === key ? key : `${key} (as ${name})`;
    const entry = store.entry(name);
    if (!entry) {
      unexpected.push(key);
      if (strict) problems.push(`unexpected: ${label}: the model has no such tensor`);
      continue;
    }
    const canonical = store.canonicalName(name);
    present.add(canonical);
    const tensor = tensors.get(key)!;
    const expected = entry.spec.torchShape;
    const numel = tensor.shape.reduce((a, b) => a * b, 1);
    if (!sameShape(tensor.shape, expected)) {
      problems.push(`shape: ${label}: ${shapeText(tensor.shape)} in the checkpoint, the model expects ` +
        `${shapeText(expected)} (PyTorch layout)`);
      continue;
    }
    if (tensor.data.length !== numel) {
      problems.push(`size: ${label}: shape ${shapeText(tensor.shape)} needs ${numel} values, the data has ${tensor.data.length}`);
      continue;
    }
    const data = asFloat32(tensor);
    const bad = firstNonFinite(data);
    if (bad) {
      problems.push(`non-finite: ${label}: ${bad.count} NaN/Infinity value${bad.count === 1 ? '' : 's'} ` +
        `(first at flat index ${bad.index}: ${bad.value})`);
      continue;
    }
    const previous = byCanonical.get(canonical);
    if (previous) {
      // PyTorch saves an aliased module (cnet's norm3 / downsample.1) under both keys, with one storage.
      if (!equalBits(previous.data, data)) {
        problems.push(`alias: ${previous.key} and ${key} are the same model tensor (${canonical}) but hold different values`);
      }
      continue;
    }
    byCanonical.set(canonical, {key, data});
  }
  const missing = store.names().filter((name) => !present.has(name));
  if (strict) {
    for (const name of missing) {
      problems.push(`missing: ${name} (PyTorch shape ${shapeText(store.entry(name)!.spec.torchShape)}) is not in the checkpoint`);
    }
  }
  const assignments = [...byCanonical].map(([name, {data}]) => ({name, data}));
  return {
    assignments, problems,
    report: {loaded: assignments.map((a) => a.name), missing: strict ? [] : missing, unexpected: strict ? [] : unexpected,
      ignored: mapped.ignored, strippedModulePrefix: mapped.strippedModulePrefix},
  };
}

/**
 * Every problem that would stop {@link loadStateDict} (empty when the state dict loads), without loading it.
 */
export function checkStateDict(store: ParamStore, dict: StateDictInput, options: LoadStateDictOptions = {}): string[] {
  return plan(store, dict, options).problems;
}

/**
 * Load a PyTorch state dict (from {@link readPth}, or any name -> tensor record in PyTorch layout) into a
 * model's parameter store.
 *
 * Everything is validated first: missing and unexpected keys (with `strict`), shapes against the PyTorch shapes
 * the model declares, element counts, NaN/Infinity values, aliased keys that disagree. If anything is wrong,
 * one {@link WeightsError} lists every problem and the store is unchanged; otherwise every tensor is assigned.
 * Keys go through `options.map` first (default: strip a DataParallel `module.` prefix, drop BatchNorm
 * `num_batches_tracked` counters). Integer tensors are converted to float32.
 *
 * @example
 * ```ts
 * const dict = await readPth(await (await fetch('flownet.pkl')).arrayBuffer());
 * loadStateDict(ifnet.store, dict, {map: RIFE_IFNET_MAP});
 * ```
 */
export function loadStateDict(store: ParamStore, dict: StateDictInput, options: LoadStateDictOptions = {}):
    LoadStateDictReport {
  const {assignments, report, problems} = plan(store, dict, options);
  if (problems.length > 0) {
    const keyProblems = problems.some((p) => /^(missing|unexpected): /.test(p));
    const hint = keyProblems ? 'If the checkpoint is for another model layout, pass a name map ({map: ...}); ' +
      'to load only the tensors both have, pass {strict: false}.' : '';
    throw new WeightsError(errorPrefix(dict, options), problems, hint, options.maxListed ?? MAX_LISTED_PROBLEMS);
  }
  for (const {name, data} of assignments) store.assignTorch(name, data);
  return report;
}

/** Options of {@link stateDictFromStore}. */
export interface StateDictExportOptions {
  /** Also emit every alias key (PyTorch's own state dict has them; default true). */
  aliases?: boolean;
}

/**
 * The store as a PyTorch-layout state dict (float32, C order), in declaration order. Alias keys follow their
 * tensor and share its data array, as they share a storage in PyTorch.
 */
export async function stateDictFromStore(store: ParamStore, options: StateDictExportOptions = {}): Promise<TorchStateDict> {
  if (store.disposed) throw new Error('stateDictFromStore: this model was disposed; create a new one.');
  const out: TorchStateDict = new Map();
  for (const {spec} of store.entries()) {
    const tensor: TorchTensor = {shape: [...spec.torchShape], dtype: 'float32', data: await store.readTorch(spec.name)};
    out.set(spec.name, tensor);
    if (options.aliases ?? true) for (const alias of spec.aliases ?? []) out.set(alias, tensor);
  }
  return out;
}
