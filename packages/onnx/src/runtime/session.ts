// createOnnxSession(): one DAEK.js .onnx on ONNX Runtime: onnxruntime-node in Node (cpu), onnxruntime-web in
// browsers (WebGPU when an adapter exists, else wasm with SIMD and, when cross-origin isolated, threads). Which
// one runs is reported; a provider asked for explicitly is never replaced by another.
import {readModelInfo, type OnnxModelInfo} from './model_info.js';
import {isOutOfMemory, OnnxBackendUnavailableError, OnnxModelError, OnnxOutOfMemoryError, OnnxRuntimeMissingError} from './errors.js';
import {nodeAccess} from '../node_access.js';

/** Which ONNX Runtime package runs the model. */
export type OnnxRuntimeName = 'onnxruntime-node' | 'onnxruntime-web';

/** Execution providers: `cpu` (onnxruntime-node), `wasm` and `webgpu` (onnxruntime-web). */
export type OnnxExecutionProvider = 'cpu' | 'wasm' | 'webgpu';

/** Where a model comes from: bytes, a file path (Node) or a URL. */
export type OnnxModelSource = Uint8Array | ArrayBuffer | string | URL;

/** Options of {@link createOnnxSession}. */
export interface OnnxSessionOptions {
  /** `auto` (default): onnxruntime-node in Node, onnxruntime-web elsewhere. `web` also works in Node (wasm). */
  runtime?: 'auto' | 'node' | 'web';
  /**
   * `auto` (default): `cpu` for onnxruntime-node; for onnxruntime-web `webgpu` when `navigator.gpu` gives an
   * adapter, else `wasm`. An explicit provider that is unavailable throws {@link OnnxBackendUnavailableError}.
   */
  executionProvider?: 'auto' | OnnxExecutionProvider;
  /**
   * Intra-op threads. Default: the physical cores (Node); in browsers half the logical cores (at most 4), and 1
   * when the page is not cross-origin isolated (wasm threads need SharedArrayBuffer).
   */
  threads?: number;
  /** Names the model in errors (default: the path, or "the model"). */
  name?: string;
  /**
   * onnxruntime-node: keep ONNX Runtime's CPU memory arena and memory patterns (default true). The arena keeps
   * every block it ever grew to and grows by doubling: daek-s at 3840x2160 peaks at 8.2 GB with it and 3.7 GB
   * without, while 1280x720 runs about 1.4x slower without (fresh allocations). The ONNX engine of
   * `createInterpolator` turns it off for frames above 1920x1088 only.
   */
  memoryArena?: boolean;
}

/** The three outputs of one run, NCHW float32. */
export interface OnnxRunOutputs {
  /** `[B,3,H,W]` frame. */
  merged: Float32Array;
  /** `[B,4,H,W]` flow. */
  flow: Float32Array;
  /** `[B,1,H,W]` mask. */
  mask: Float32Array;
}

/** A loaded model. */
export interface OnnxSession {
  /** The model's metadata. */
  readonly info: OnnxModelInfo;
  /** The runtime package in use. */
  readonly runtime: OnnxRuntimeName;
  /** The execution provider in use. */
  readonly executionProvider: OnnxExecutionProvider;
  /** Intra-op threads in use. */
  readonly threads: number;
  /** One line for logs: runtime, provider, threads, and why when a choice was forced. */
  readonly description: string;
  /** Run on NCHW float32 frames `[batch, 3, height, width]` in [0,1]. */
  run(img0: Float32Array, img1: Float32Array, size: {batch: number; height: number; width: number}): Promise<OnnxRunOutputs>;
  /**
   * The frame only (`merged`, `[batch, 3, height, width]`): ONNX Runtime then hands over no flow or mask, 5/3 of the
   * frame's size less memory at the peak (daek-s at 3840x2160: about 170 MB).
   */
  runFrame(img0: Float32Array, img1: Float32Array, size: {batch: number; height: number; width: number}): Promise<Float32Array>;
  /** Release the session. */
  release(): Promise<void>;
}

/** An ONNX Runtime tensor, as far as this package uses it (internal). */
export interface OrtTensor { data: unknown; dims: readonly number[] }
/** An ONNX Runtime inference session, as far as this package uses it (internal). */
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>, fetches?: readonly string[]): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
/** The ONNX Runtime module, as far as this package uses it (internal). */
export interface OrtModule {
  InferenceSession: {create(model: Uint8Array, options: Record<string, unknown>): Promise<OrtSession>};
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  env: {wasm?: {numThreads?: number; simd?: boolean; proxy?: boolean}};
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

// Variable specifiers: the runtimes are optional peers, resolved only when used (bundlers must be told; see README).
const NODE_RUNTIME: string = 'onnxruntime-node';
const WEB_RUNTIME: string = 'onnxruntime-web';

/** Import onnxruntime-node or onnxruntime-web; {@link OnnxRuntimeMissingError} when it is not installed (internal). */
export async function loadRuntime(name: OnnxRuntimeName): Promise<OrtModule> {
  try {
    const mod = await import(/* @vite-ignore */ name === 'onnxruntime-node' ? NODE_RUNTIME : WEB_RUNTIME) as OrtModule & {default?: OrtModule};
    return mod.InferenceSession ? mod : mod.default!;
  } catch (error) {
    throw new OnnxRuntimeMissingError(name, {cause: error});
  }
}

/** Model bytes from any {@link OnnxModelSource}. */
export async function readModelBytes(source: OnnxModelSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  const text = source instanceof URL ? source.href : source;
  if (isNode && !/^(https?|blob|data):/.test(text)) {
    const {readFile, fileURLToPath} = nodeAccess(`Reading the ONNX model ${text}`);
    const file = text.startsWith('file:') ? fileURLToPath(text) : text;
    try {
      return new Uint8Array(await readFile(file));
    } catch (error) {
      throw new Error(`ONNX model ${file} cannot be read: ${(error as Error).message}`, {cause: error});
    }
  }
  const response = await fetch(text);
  if (!response.ok) throw new Error(`ONNX model ${text}: HTTP ${response.status} ${response.statusText}.`);
  return new Uint8Array(await response.arrayBuffer());
}

async function defaultThreads(runtime: OnnxRuntimeName): Promise<number> {
  if (runtime === 'onnxruntime-node' && isNode) return nodeAccess('Counting the physical CPU cores').physicalCores();
  const logical = (globalThis as {navigator?: {hardwareConcurrency?: number}}).navigator?.hardwareConcurrency ?? 2;
  return Math.max(1, Math.min(4, Math.ceil(logical / 2)));
}

async function webGpuAdapter(): Promise<string | null> {
  const gpu = (globalThis as {navigator?: {gpu?: {requestAdapter(): Promise<unknown>}}}).navigator?.gpu;
  if (!gpu) return 'navigator.gpu does not exist (no WebGPU in this environment)';
  try {
    return (await gpu.requestAdapter()) ? null : 'navigator.gpu.requestAdapter() gave no adapter';
  } catch (error) {
    return `requestAdapter() failed: ${(error as Error).message}`;
  }
}

/**
 * ONNX Runtime's session options for a provider, a thread count and the memory arena switch (onnxruntime-node
 * only); every session of the engine is made with them (internal).
 */
export function ortSessionOptions(runtime: OnnxRuntimeName, provider: OnnxExecutionProvider, threads: number,
    memoryArena: boolean): Record<string, unknown> {
  return {
    executionProviders: [provider], graphOptimizationLevel: 'all',
    ...(runtime === 'onnxruntime-node' ? {intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
      ...(memoryArena ? {} : {enableCpuMemArena: false, enableMemPattern: false})} : {}),
  };
}

/**
 * Load a DAEK.js `.onnx` (from {@link exportOnnx} or `daek-export`) into ONNX Runtime.
 *
 * Refuses a corrupt or truncated file, or an `.onnx` of another model, with {@link OnnxModelError}; a missing
 * runtime package with {@link OnnxRuntimeMissingError}; an explicit but unavailable provider with
 * {@link OnnxBackendUnavailableError}. A run that exhausts memory throws {@link OnnxOutOfMemoryError}.
 *
 * @example
 * ```ts
 * const session = await createOnnxSession('daek-s.onnx', {threads: 2});
 * console.log(session.description);   // onnxruntime-node cpu, 2 threads
 * ```
 */
export async function createOnnxSession(source: OnnxModelSource, options: OnnxSessionOptions = {}): Promise<OnnxSession> {
  const name = options.name ?? (typeof source === 'string' ? source : source instanceof URL ? source.href : 'the model');
  const bytes = await readModelBytes(source);
  const info = readModelInfo(bytes, name);
  const wanted = options.runtime ?? 'auto';
  if (!['auto', 'node', 'web'].includes(wanted)) throw new Error(`runtime: expected 'auto', 'node' or 'web', got ${String(wanted)}.`);
  if (wanted === 'node' && !isNode) throw new OnnxBackendUnavailableError('cpu', 'onnxruntime-node runs in Node only.');
  const runtime: OnnxRuntimeName = wanted === 'web' || (wanted === 'auto' && !isNode) ? 'onnxruntime-web' : 'onnxruntime-node';
  const threadsAsked = options.threads;
  if (threadsAsked !== undefined && (!Number.isInteger(threadsAsked) || threadsAsked < 1)) {
    throw new Error(`threads: expected an integer >= 1, got ${String(threadsAsked)}.`);
  }
  const ort = await loadRuntime(runtime);
  const askedProvider = options.executionProvider ?? 'auto';
  let provider: OnnxExecutionProvider;
  const notes: string[] = [];
  if (runtime === 'onnxruntime-node') {
    if (askedProvider !== 'auto' && askedProvider !== 'cpu') {
      throw new OnnxBackendUnavailableError(askedProvider, "onnxruntime-node runs the 'cpu' provider here; use runtime: 'web' for wasm/webgpu.");
    }
    provider = 'cpu';
  } else if (askedProvider === 'cpu') {
    throw new OnnxBackendUnavailableError('cpu', "onnxruntime-web has no 'cpu' provider; use 'wasm' or 'webgpu'.");
  } else if (askedProvider === 'webgpu') {
    const problem = await webGpuAdapter();
    if (problem) throw new OnnxBackendUnavailableError('webgpu', `${problem}. Use executionProvider 'wasm' (or 'auto').`);
    provider = 'webgpu';
  } else if (askedProvider === 'wasm') {
    provider = 'wasm';
  } else {
    const problem = await webGpuAdapter();
    provider = problem ? 'wasm' : 'webgpu';
    if (problem) notes.push(`wasm because ${problem}`);
  }
  let threads = threadsAsked ?? await defaultThreads(runtime);
  if (runtime === 'onnxruntime-web') {
    const isolated = isNode || (globalThis as {crossOriginIsolated?: boolean}).crossOriginIsolated === true;
    if (!isolated && threads > 1) {
      if (threadsAsked !== undefined) {
        throw new OnnxBackendUnavailableError('wasm', `${threadsAsked} threads need a cross-origin isolated page ` +
          '(COOP: same-origin, COEP: require-corp headers); pass threads: 1 or serve the page isolated.');
      }
      notes.push('1 thread: the page is not cross-origin isolated');
      threads = 1;
    }
    if (ort.env.wasm) ort.env.wasm.numThreads = threads;
  }
  let session: OrtSession;
  try {
    session = await ort.InferenceSession.create(bytes, ortSessionOptions(runtime, provider, threads, options.memoryArena ?? true));
  } catch (error) {
    if (isOutOfMemory(error)) throw new OnnxOutOfMemoryError({batch: 0, height: 0, width: 0}, error);
    throw new OnnxModelError('corrupt', `ONNX Runtime could not load ${name}: ${(error as Error).message}`, {cause: error});
  }
  if (options.memoryArena === false && runtime === 'onnxruntime-node') notes.push('no memory arena');
  const description = `${runtime} ${provider}, ${threads} thread${threads === 1 ? '' : 's'}` +
    (notes.length ? ` (${notes.join('; ')})` : '');
  let released = false;
  const runWith = async (img0: Float32Array, img1: Float32Array, size: {batch: number; height: number; width: number},
      fetches?: readonly string[]): Promise<Record<string, OrtTensor>> => {
    if (released) throw new Error('OnnxSession.run: the session was released.');
    const dims = [size.batch, 3, size.height, size.width];
    const count = dims.reduce((a, b) => a * b, 1);
    if (img0.length !== count || img1.length !== count) {
      throw new Error(`OnnxSession.run: frames must hold ${count} values ([${dims}]), got ${img0.length} and ${img1.length}.`);
    }
    const feeds = {img0: new ort.Tensor('float32', img0, dims), img1: new ort.Tensor('float32', img1, dims)};
    try {
      return await (fetches ? session.run(feeds, fetches) : session.run(feeds));
    } catch (error) {
      if (isOutOfMemory(error)) throw new OnnxOutOfMemoryError(size, error);
      throw error;
    }
  };
  return {
    info, runtime, executionProvider: provider, threads, description,
    async run(img0, img1, size) {
      const out = await runWith(img0, img1, size);
      return {merged: out.merged!.data as Float32Array, flow: out.flow!.data as Float32Array, mask: out.mask!.data as Float32Array};
    },
    async runFrame(img0, img1, size) {
      return (await runWith(img0, img1, size, ['merged'])).merged!.data as Float32Array;
    },
    async release() {
      if (released) return;
      released = true;
      await session.release();
    },
  };
}
