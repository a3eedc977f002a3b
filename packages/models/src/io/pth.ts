// PyTorch checkpoints (`torch.save(model.state_dict(), path)`) read in plain TypeScript, in Node and browsers.
// torch >= 1.6 writes a zip: `<archive>/data.pkl` (a pickle whose tensors point at storages through persistent
// ids), `<archive>/data/<key>` (each storage's raw bytes) and `<archive>/version`. Older torch wrote the
// "legacy" format: a run of pickles followed by the raw storages. Both are read here; the whole file is
// parsed and checked before anything is returned, so a bad file never yields a partial state dict.
import {decodeBfloat16, decodeFloat16} from './float16.js';
import {PyGlobal, PyObject, unpickle, type PyCallable} from './pickle.js';
import {WeightsError} from './problems.js';
import {readZipDirectory, readZipEntry, type ZipEntry} from './zip.js';

/** Element types a checkpoint tensor can have (torch's dtype names). */
export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' |
  'uint8' | 'bool';

/**
 * Values of a checkpoint tensor, C order: every floating type is widened or narrowed to `Float32Array`
 * (float64 rounds to nearest), int64 is a `BigInt64Array`, bool and uint8 are `Uint8Array`.
 */
export type TorchTensorData = Float32Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** One tensor of a state dict, as a C-order copy in PyTorch's layout. */
export interface TorchTensor {
  /** PyTorch shape (`[]` for a scalar). */
  shape: number[];
  /** The dtype in the checkpoint (the data may be wider or narrower, see {@link TorchTensorData}). */
  dtype: TorchDtype;
  /** The values, C order (see {@link TorchTensorData} for the array type of each dtype). */
  data: TorchTensorData;
}

/** A state dict: tensor name -> tensor, in the checkpoint's order. */
export type TorchStateDict = Map<string, TorchTensor>;

/** Where each state dict {@link readPth} returned came from, so that later errors can name the file. */
const SOURCES = new WeakMap<object, string>();

/** The `source` a state dict was read from by {@link readPth} (undefined for any other object). */
export function stateDictSource(dict: object): string | undefined {
  return SOURCES.get(dict);
}

/** Options of {@link readPth}. */
export interface ReadPthOptions {
  /** Name of the input for error messages (a file name or URL). */
  source?: string;
  /**
   * When the checkpoint is a dict that holds the state dict under a key (`{'state_dict': ..., 'epoch': 3}`),
   * that key. Without it such a checkpoint is an error that lists its keys.
   */
  entry?: string;
  /**
   * The most bytes the checkpoint's entries may take once inflated, all together (default
   * {@link DEFAULT_MAX_PTH_BYTES}, 2 GiB). Guards against decompression bombs together with the per-entry
   * checks: a storage entry may not declare more bytes than its storage needs, a pickle not more than 64 MiB.
   */
  maxBytes?: number;
}

/** Default {@link ReadPthOptions.maxBytes}: 2 GiB, half of wasm's 4 GiB heap. */
export const DEFAULT_MAX_PTH_BYTES = 2 ** 31;

/** The most bytes a checkpoint's pickle may inflate to (a state dict's pickle takes ~100 bytes per tensor). */
const MAX_PICKLE_BYTES = 64 * 2 ** 20;

/** The most bytes a small record (`byteorder`, `version`) may inflate to. */
const MAX_RECORD_BYTES = 1024;

const STORAGE_DTYPES: Record<string, {dtype: TorchDtype; itemSize: number}> = {
  FloatStorage: {dtype: 'float32', itemSize: 4}, DoubleStorage: {dtype: 'float64', itemSize: 8},
  HalfStorage: {dtype: 'float16', itemSize: 2}, BFloat16Storage: {dtype: 'bfloat16', itemSize: 2},
  LongStorage: {dtype: 'int64', itemSize: 8}, IntStorage: {dtype: 'int32', itemSize: 4},
  ShortStorage: {dtype: 'int16', itemSize: 2}, CharStorage: {dtype: 'int8', itemSize: 1},
  ByteStorage: {dtype: 'uint8', itemSize: 1}, BoolStorage: {dtype: 'bool', itemSize: 1},
};

/** A storage class global (`torch.FloatStorage`); `dtype` is null for the types not supported here. */
class StorageType {
  constructor(readonly qualifiedName: string, readonly dtype: TorchDtype | null, readonly itemSize: number) {}
}

/** A storage a tensor points at: its bytes are read after the pickle. */
class StorageRef {
  data: TorchTensorData | null = null;
  constructor(readonly key: string, readonly type: StorageType, readonly numel: number) {}
}

/** What `_rebuild_tensor_v2` returns here: a view description, materialised once the storages are read. */
class TensorRef {
  constructor(readonly storage: StorageRef, readonly offset: number, readonly size: number[], readonly stride: number[]) {}
}

function callable(qualifiedName: string, call: (args: unknown[]) => unknown): PyCallable {
  return {qualifiedName, call};
}

function intList(value: unknown, what: string): number[] {
  if (!Array.isArray(value) || !value.every((v) => Number.isSafeInteger(v) && (v as number) >= 0)) {
    throw new Error(`${what} is not a tuple of non-negative integers`);
  }
  return value as number[];
}

function rebuildTensor(args: unknown[]): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw new Error('the first argument is not a storage');
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) throw new Error('the storage offset is not an integer >= 0');
  const sizes = intList(size, 'the size');
  const strides = intList(stride, 'the stride');
  if (sizes.length !== strides.length) throw new Error(`size [${sizes}] and stride [${strides}] differ in rank`);
  return new TensorRef(storage, offset as number, sizes, strides);
}

function firstArgTensor(args: unknown[]): unknown {
  return args[0];
}

/** The globals a state dict pickle may name. Everything else stays an inert {@link PyGlobal}. */
function findClass(module: string, name: string): unknown {
  const qualified = `${module}.${name}`;
  if ((module === 'torch' || module === 'torch.cuda') && name.endsWith('Storage')) {
    const known = STORAGE_DTYPES[name];
    return new StorageType(qualified, known?.dtype ?? null, known?.itemSize ?? 1);
  }
  switch (qualified) {
    case 'collections.OrderedDict':
      return callable(qualified, (args) => {
        const map = new Map<unknown, unknown>();
        const items = args[0];
        if (Array.isArray(items)) for (const pair of items) if (Array.isArray(pair)) map.set(pair[0], pair[1]);
        return map;
      });
    case 'torch._utils._rebuild_tensor_v2':
    case 'torch._utils._rebuild_tensor':
      return callable(qualified, rebuildTensor);
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      return callable(qualified, firstArgTensor);
    case 'torch._utils._rebuild_from_type_v2':
      // (func, new_type, args, state): a tensor subclass; the tensor is func(*args).
      return callable(qualified, (args) => {
        const [func, , inner] = args;
        if (!func || typeof (func as PyCallable).call !== 'function' || !Array.isArray(inner)) {
          throw new Error('unsupported tensor subclass');
        }
        return (func as PyCallable).call(inner);
      });
    case 'torch.Size':
      return callable(qualified, firstArgTensor);
    case '_codecs.encode':
      // Protocol 2 pickles Python 3 bytes as _codecs.encode(str, 'latin1').
      return callable(qualified, (args) => Uint8Array.from(String(args[0]), (c) => c.charCodeAt(0) & 0xff));
    default:
      return undefined;
  }
}

/** Describe an unpickled value for error messages. */
function describe(value: unknown): string {
  if (value instanceof TensorRef) return 'a tensor';
  if (value instanceof Map) return 'a dict';
  if (Array.isArray(value)) return 'a list or tuple';
  if (value instanceof PyObject) return `a ${value.callable.qualifiedName} object`;
  if (value instanceof PyGlobal) return `the global ${value.qualifiedName}`;
  if (value === null) return 'None';
  return `a ${typeof value}`;
}

/** The Map of name -> TensorRef at the root (or under `entry`), or an error saying what the checkpoint holds. */
function stateDictOf(root: unknown, options: ReadPthOptions, source: string): Map<string, TensorRef> {
  let dict = root;
  if (options.entry !== undefined) {
    if (!(root instanceof Map) || !root.has(options.entry)) {
      const keys = root instanceof Map ? [...root.keys()].map(String).join(', ') : describe(root);
      throw new Error(`${source}: the checkpoint has no entry '${options.entry}' (it holds: ${keys}).`);
    }
    dict = root.get(options.entry);
  }
  if (!(dict instanceof Map)) {
    if (dict instanceof PyObject) {
      throw new Error(`${source}: the checkpoint holds ${describe(dict)}, not a state dict. Save ` +
        'model.state_dict() instead of the model (torch.save(model.state_dict(), path)).');
    }
    throw new Error(`${source}: the checkpoint holds ${describe(dict)}, not a state dict.`);
  }
  const out = new Map<string, TensorRef>();
  const nonTensors: string[] = [];
  for (const [key, value] of dict) {
    if (value instanceof TensorRef && typeof key === 'string') out.set(key, value);
    else nonTensors.push(`${String(key)} (${describe(value)})`);
  }
  if (nonTensors.length > 0) {
    const nested = [...dict].filter(([, v]) => v instanceof Map && [...v.values()].some((t) => t instanceof TensorRef))
        .map(([k]) => String(k));
    const hint = nested.length > 0 ? ` It looks like a training checkpoint: pass {entry: '${nested[0]}'} ` +
      `(dicts of tensors under: ${nested.join(', ')}).` : '';
    const shown = nonTensors.slice(0, 8).join(', ') + (nonTensors.length > 8 ? `, and ${nonTensors.length - 8} more` : '');
    throw new Error(`${source}: not a state dict: ${nonTensors.length} entries are not tensors: ${shown}.${hint}`);
  }
  return out;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decode a storage's bytes into typed values (floats widened to float32). */
function decodeStorage(raw: Uint8Array, type: StorageType, bigEndian: boolean): TorchTensorData {
  const n = Math.floor(raw.length / type.itemSize);
  // An aligned copy owned by the result (Node Buffers' slice() would share the pooled file buffer instead).
  const bytes = new Uint8Array(n * type.itemSize);
  bytes.set(raw.subarray(0, n * type.itemSize));
  if (bigEndian !== !LITTLE_ENDIAN_HOST && type.itemSize > 1) {
    for (let i = 0; i < bytes.length; i += type.itemSize) bytes.subarray(i, i + type.itemSize).reverse();
  }
  const buffer = bytes.buffer;
  switch (type.dtype) {
    case 'float32': return new Float32Array(buffer, 0, n);
    case 'float64': return Float32Array.from(new Float64Array(buffer, 0, n));
    case 'float16': return decodeFloat16(new Uint16Array(buffer, 0, n));
    case 'bfloat16': return decodeBfloat16(new Uint16Array(buffer, 0, n));
    case 'int64': return new BigInt64Array(buffer, 0, n);
    case 'int32': return new Int32Array(buffer, 0, n);
    case 'int16': return new Int16Array(buffer, 0, n);
    case 'int8': return new Int8Array(buffer, 0, n);
    case 'uint8': case 'bool': return new Uint8Array(buffer, 0, n);
    default: throw new Error(`unsupported storage type ${type.qualifiedName}`);
  }
}

/** A C-order copy of a strided view. */
function gather(src: TorchTensorData, offset: number, size: number[], stride: number[]): TorchTensorData {
  const n = size.reduce((a, b) => a * b, 1);
  const Ctor = src.constructor as new (length: number) => TorchTensorData;
  const out = new Ctor(n);
  if (n === 0) return out;
  let contiguous = true;
  for (let d = size.length - 1, expected = 1; d >= 0; d--) {
    if (size[d] !== 1 && stride[d] !== expected) contiguous = false;
    expected *= size[d]!;
  }
  if (contiguous) {
    (out as Float32Array).set((src as Float32Array).subarray(offset, offset + n));
    return out;
  }
  const rank = size.length;
  const index = new Array<number>(rank).fill(0);
  let at = offset;
  for (let i = 0; i < n; i++) {
    (out as Float32Array)[i] = (src as Float32Array)[at]!;
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      at += stride[d]!;
      if (index[d]! < size[d]!) break;
      at -= stride[d]! * size[d]!;
      index[d] = 0;
    }
  }
  return out;
}

/**
 * Read every storage, then every tensor, collecting all problems before throwing once.
 * @param readStorage the raw bytes of a storage key, or null when the file has none.
 */
async function materialise(refs: Map<string, TensorRef>, readStorage: (key: string) => Promise<Uint8Array | null>,
    bigEndian: boolean, source: string): Promise<TorchStateDict> {
  const problems: string[] = [];
  const storages = new Map<string, StorageRef>();
  for (const ref of refs.values()) storages.set(ref.storage.key, ref.storage);
  for (const storage of storages.values()) {
    if (storage.type.dtype === null) {
      problems.push(`storage ${storage.key} has type ${storage.type.qualifiedName}, which is not supported ` +
        '(float32/64/16, bfloat16, int64/32/16/8, uint8 and bool are)');
      continue;
    }
    const raw = await readStorage(storage.key);
    if (raw === null) {
      problems.push(`storage ${storage.key} is missing from the file`);
      continue;
    }
    const needed = storage.numel * storage.type.itemSize;
    if (raw.length < needed) {
      problems.push(`storage ${storage.key} has ${raw.length} bytes, its ${storage.numel} ${storage.type.dtype} ` +
        `elements need ${needed}`);
      continue;
    }
    storage.data = decodeStorage(raw.subarray(0, needed), storage.type, bigEndian);
  }
  const out: TorchStateDict = new Map();
  for (const [name, ref] of refs) {
    const data = ref.storage.data;
    if (!data) continue; // its storage's problem is already listed
    const numel = ref.size.reduce((a, b) => a * b, 1);
    const last = numel === 0 ? -1 : ref.offset + ref.size.reduce((acc, s, d) => acc + (s - 1) * ref.stride[d]!, 0);
    if (last >= data.length) {
      problems.push(`${name}: shape [${ref.size}] at offset ${ref.offset} with strides [${ref.stride}] reads element ` +
        `${last} but storage ${ref.storage.key} has ${data.length} elements (tensor too short for its shape)`);
      continue;
    }
    out.set(name, {shape: [...ref.size], dtype: ref.storage.type.dtype!, data: gather(data, ref.offset, ref.size, ref.stride)});
  }
  if (problems.length > 0) throw new WeightsError(source, problems, 'The file is truncated or corrupt: download or save it again.');
  return out;
}

/** persistent_load for both formats: `('storage', type, key, location, numel[, view_metadata])`. */
function storageLoader(storages: Map<string, StorageRef>): (pid: unknown) => StorageRef {
  return (pid) => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
      throw new Error(`unsupported persistent id ${JSON.stringify(Array.isArray(pid) ? pid[0] : typeof pid)} ` +
        "(expected ('storage', type, key, location, numel))");
    }
    const [, type, key, , numel, viewMetadata] = pid as [string, unknown, unknown, unknown, unknown, unknown];
    if (!(type instanceof StorageType)) throw new Error(`persistent id: ${describe(type)} is not a torch storage type`);
    if (typeof key !== 'string') throw new Error('persistent id: the storage key is not a string');
    if (!Number.isSafeInteger(numel) || (numel as number) < 0) throw new Error(`persistent id: bad element count for storage ${key}`);
    if (viewMetadata !== undefined && viewMetadata !== null) {
      throw new Error(`storage ${key} is a storage view (pre-1.0 torch); re-save the checkpoint with torch >= 1.6`);
    }
    const existing = storages.get(key);
    if (existing) {
      if (existing.type.qualifiedName !== type.qualifiedName) {
        throw new Error(`storage ${key} appears with two types (${existing.type.qualifiedName}, ${type.qualifiedName})`);
      }
      return existing;
    }
    const ref = new StorageRef(key, type, numel as number);
    storages.set(key, ref);
    return ref;
  };
}

/**
 * Counts the bytes a checkpoint's entries declare before any is inflated, and refuses an entry that declares
 * more than it may (its own limit) or that brings the total over `options.maxBytes`.
 */
class InflateBudget {
  private total = 0;

  constructor(private readonly source: string, private readonly maxBytes: number) {}

  /** Account for `entry`; `limit` is the most it may declare, `why` says where that limit comes from. */
  take(entry: ZipEntry, limit: number, why: string): void {
    if (entry.method !== 0 && entry.size > limit) {
      throw new Error(`${this.source}: zip entry ${entry.name} declares ${entry.size} bytes once inflated, but ${why}: ` +
        'refusing to inflate it (a decompression bomb or a corrupt file).');
    }
    this.total += Math.min(entry.size, limit);
    if (this.total > this.maxBytes) {
      throw new Error(`${this.source}: zip entry ${entry.name} would bring the checkpoint to ${this.total} bytes, over the ` +
        `${this.maxBytes}-byte cap (maxBytes); pass a larger maxBytes to readPth if the checkpoint is really this large.`);
    }
  }
}

async function readZipPth(bytes: Uint8Array, options: ReadPthOptions, source: string): Promise<TorchStateDict> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_PTH_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new Error(`readPth: maxBytes: expected a positive integer, got ${String(options.maxBytes)}.`);
  }
  const budget = new InflateBudget(source, maxBytes);
  const entries = readZipDirectory(bytes, source);
  const pickles = [...entries.keys()].filter((name) => name === 'data.pkl' || /^[^/]+\/data\.pkl$/.test(name));
  if (pickles.length === 0) {
    const torchScript = [...entries.keys()].some((name) => /(^|\/)constants\.pkl$/.test(name));
    const names = [...entries.keys()].slice(0, 6).join(', ');
    throw new Error(torchScript ?
      `${source}: this is a TorchScript archive (torch.jit.save), not a state dict; save model.state_dict() with torch.save.` :
      `${source}: the zip has no <archive>/data.pkl entry, so it is not a torch checkpoint (entries: ${names}).`);
  }
  if (pickles.length > 1) throw new Error(`${source}: the zip holds several checkpoints (${pickles.join(', ')}).`);
  const prefix = pickles[0]!.slice(0, -'data.pkl'.length);
  const text = async (name: string): Promise<string | null> => {
    const entry = entries.get(prefix + name);
    if (!entry) return null;
    budget.take(entry, MAX_RECORD_BYTES, `a ${name} record is a few bytes`);
    return new TextDecoder().decode(await readZipEntry(bytes, entry, source)).trim();
  };
  const byteOrder = await text('byteorder') ?? 'little';
  if (byteOrder !== 'little' && byteOrder !== 'big') throw new Error(`${source}: unknown byteorder record '${byteOrder}'.`);
  const storages = new Map<string, StorageRef>();
  const pickleEntry = entries.get(pickles[0]!)!;
  budget.take(pickleEntry, MAX_PICKLE_BYTES, `a state dict's pickle is far smaller (at most ${MAX_PICKLE_BYTES} bytes are read)`);
  const pickle = await readZipEntry(bytes, pickleEntry, source);
  const {value} = unpickle(pickle, {findClass, persistentLoad: storageLoader(storages)}, `${source}: ${pickles[0]}`);
  const refs = stateDictOf(value, options, source);
  // What the pickle says each storage needs bounds its entry, before anything is inflated.
  const needed = new Set<StorageRef>([...refs.values()].map((ref) => ref.storage));
  for (const storage of needed) {
    const entry = entries.get(`${prefix}data/${storage.key}`);
    if (!entry || storage.type.dtype === null) continue; // materialise lists these problems
    const bytesNeeded = storage.numel * storage.type.itemSize;
    budget.take(entry, bytesNeeded, `storage ${storage.key} (${storage.numel} ${storage.type.dtype} elements) needs ${bytesNeeded}`);
  }
  return materialise(refs, async (key) => {
    const entry: ZipEntry | undefined = entries.get(`${prefix}data/${key}`);
    return entry ? readZipEntry(bytes, entry, source) : null;
  }, byteOrder === 'big', source);
}

/** torch's legacy magic number, the first pickle of a pre-1.6 checkpoint. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

async function readLegacyPth(bytes: Uint8Array, options: ReadPthOptions, source: string): Promise<TorchStateDict> {
  const magic = unpickle(bytes, {}, `${source} (legacy format)`);
  if (magic.value !== LEGACY_MAGIC) {
    throw new Error(`${source}: a pickle, but not a torch checkpoint (no torch magic number).`);
  }
  const protocol = unpickle(bytes, {}, `${source} (legacy format)`, magic.end);
  if (protocol.value !== 1001) {
    throw new Error(`${source}: legacy checkpoint protocol ${String(protocol.value)} is not supported (1001 is); ` +
      're-save it with torch >= 1.6.');
  }
  const sysInfo = unpickle(bytes, {}, `${source} (legacy format)`, protocol.end);
  const bigEndian = sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false;
  const storages = new Map<string, StorageRef>();
  const main = unpickle(bytes, {findClass, persistentLoad: storageLoader(storages)}, `${source} (legacy format)`, sysInfo.end);
  const refs = stateDictOf(main.value, options, source);
  const keyList = unpickle(bytes, {}, `${source} (legacy format)`, main.end);
  if (!Array.isArray(keyList.value) || !keyList.value.every((k) => typeof k === 'string')) {
    throw new Error(`${source}: the legacy storage key list is corrupt.`);
  }
  // Then, per key: the element count as int64, then the raw bytes.
  const raw = new Map<string, Uint8Array>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = keyList.end;
  for (const key of keyList.value as string[]) {
    const storage = storages.get(key);
    if (p + 8 > bytes.length) break;
    const count = Number(view.getBigInt64(p, !bigEndian));
    p += 8;
    const length = count * (storage?.type.itemSize ?? 1);
    if (!storage || count < 0 || p + length > bytes.length) break;
    raw.set(key, bytes.subarray(p, p + length));
    p += length;
  }
  return materialise(refs, async (key) => raw.get(key) ?? null, bigEndian, source);
}

/**
 * Read a PyTorch checkpoint holding a state dict (`torch.save(model.state_dict(), path)`), in Node or a browser.
 *
 * Supports the zip format of torch >= 1.6 (stored entries, and deflated ones when re-zipped by another tool),
 * with zip64, the `byteorder` record of torch >= 2.1, and the legacy pre-1.6 format. Storage offsets, strides
 * and shared storages are honoured: every tensor is an independent C-order copy. Every zip entry is checked
 * against its CRC-32. Decompression bombs are refused before they are inflated: a storage entry may not declare
 * more bytes than the pickle says its storage needs, the total is capped ({@link ReadPthOptions.maxBytes}), and
 * no entry is ever inflated past the size it declares.
 *
 * The pickle is interpreted by a small VM that only knows the globals a state dict needs
 * (`collections.OrderedDict`, `torch._utils._rebuild_tensor_v2`, `torch.*Storage`...): nothing in the file is
 * ever executed.
 *
 * @param input the file's bytes.
 * @returns name -> tensor, in the checkpoint's order. Keys are as saved (a DataParallel checkpoint keeps its
 *   `module.` prefix; {@link loadStateDict} strips it).
 * @throws Error naming the problem, before anything is returned: truncated file, bad central directory, missing
 *   `data.pkl` or storage entries, CRC mismatch, unsupported pickle opcode or storage type, a tensor too short
 *   for its shape, a checkpoint that is not a state dict (see {@link ReadPthOptions.entry}).
 */
export async function readPth(input: Uint8Array | ArrayBuffer, options: ReadPthOptions = {}): Promise<TorchStateDict> {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const source = options.source ?? '.pth checkpoint';
  const named = (dict: TorchStateDict) => {
    if (options.source !== undefined) SOURCES.set(dict, options.source);
    return dict;
  };
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b) return named(await readZipPth(bytes, options, source));
  if (bytes.length >= 2 && bytes[0] === 0x80) return named(await readLegacyPth(bytes, options, source));
  if (bytes.length > 262 && new TextDecoder('latin1').decode(bytes.subarray(257, 262)) === 'ustar') {
    throw new Error(`${source}: a tar checkpoint from torch < 0.4 is not supported; re-save it with torch >= 1.6.`);
  }
  const head = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new Error(`${source}: not a PyTorch checkpoint (${bytes.length} bytes starting ${head || '(empty)'}; a .pth ` +
    'starts with a zip header "PK" or, before torch 1.6, a pickle).');
}
