// Backend selection that works the same in Node and in browser bundles. The browser entry never imports a
// backend package by a computed name (bundlers cannot follow it): a backend is either registered by an import the
// app writes, or loaded by a loader registered with registerBackendLoader. The Node entry (node.ts) registers
// loaders for wasm and webgpu, so Node users keep `await useBackend('wasm')` with no extra import.
import * as tf from '@tensorflow/tfjs';
import {registerConvGradients} from './conv_grad/register.js';
import {registerWasmCopyKernels} from './copy_kernels.js';

/** The tfjs backends DAEK.js is tested on. `webgl` works in browsers only. */
export type BackendName = 'cpu' | 'wasm' | 'webgpu' | 'webgl';

/** What {@link useBackend} selected. */
export interface BackendInfo {
  /** The active tfjs backend. */
  name: BackendName;
  /** For webgpu, the adapter's vendor / architecture / description. */
  adapter?: string;
  /** For wasm, the number of threads XNNPACK runs on (1 without cross-origin isolation in browsers). */
  threads?: number;
}

/**
 * The functions of `@tensorflow/tfjs-backend-wasm` that {@link useBackend} calls to configure it
 * (`import * as tfWasm from '@tensorflow/tfjs-backend-wasm'` is one).
 */
export interface WasmBackendModule {
  /** Where the `.wasm` binaries are served: a folder URL ending in `/`, or a map from file name to URL. */
  setWasmPaths(prefixOrFileMap: string | Record<string, string>, usePlatformFetch?: boolean): void;
  /** Threads for XNNPACK; must be set before the backend starts. */
  setThreadsCount(threads: number): void;
  /** Threads actually in use, once the backend started. */
  getThreadsCount(): number;
}

/** Options of {@link useBackend}. */
export interface UseBackendOptions {
  /**
   * wasm: where the `.wasm` binaries are (`tfjs-backend-wasm.wasm`, `-simd.wasm`, `-threaded-simd.wasm`): a folder
   * URL ending in `/`, or a map from each file name to its URL (what a bundler's `?url` import gives). Needed in
   * bundles, where the binaries are not beside the bundled script. Ignored once the wasm backend started.
   */
  wasmPaths?: string | Record<string, string>;
  /**
   * wasm: threads for XNNPACK; outputs are bit-identical for any count. Default: 1 in Node (the single-threaded
   * SIMD build; the apps pass the core count); in a cross-origin isolated page, tfjs's default. More than one
   * needs SharedArrayBuffer, i.e. a cross-origin isolated page (COOP/COEP headers) in browsers; in Node the
   * Node entry installs a worker shim (wasm_threads_node.ts). Must be set before the wasm backend first starts.
   */
  threads?: number;
  /**
   * wasm: the backend module, when the app imported it itself (`import * as tfWasm from
   * '@tensorflow/tfjs-backend-wasm'`); needed for `wasmPaths` and `threads` when no loader is registered.
   */
  wasmModule?: WasmBackendModule;
}

/** Loads (imports) a backend package; resolves to the module. */
export type BackendLoader = () => Promise<unknown>;

const loaders = new Map<BackendName, BackendLoader>();
const loaded = new Map<BackendName, unknown>();

const isNode = typeof process !== 'undefined' && process.versions?.node != null;

const PACKAGES: Partial<Record<BackendName, string>> = {
  wasm: '@tensorflow/tfjs-backend-wasm',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
};

interface GpuNavigator {
  gpu?: {requestAdapter(): Promise<{info?: {vendor?: string; architecture?: string; description?: string}} | null>};
}

/**
 * Register how {@link useBackend} loads a backend package that is not registered yet: an import the app writes,
 * which bundlers follow and split into a lazily loaded chunk.
 *
 * @example
 * ```ts
 * registerBackendLoader('wasm', () => import('@tensorflow/tfjs-backend-wasm'));
 * await useBackend('wasm', {wasmPaths: '/tfjs-wasm/'});
 * ```
 */
export function registerBackendLoader(name: 'wasm' | 'webgpu', loader: BackendLoader): void {
  if (name !== 'wasm' && name !== 'webgpu') {
    throw new Error(`registerBackendLoader: only 'wasm' and 'webgpu' are loaded on demand, got '${String(name)}'.`);
  }
  loaders.set(name, loader);
}

function notRegistered(name: BackendName): Error {
  const pkg = PACKAGES[name]!;
  return new Error(`useBackend('${name}'): the ${name} backend is not registered. ` +
    `Install it (npm install ${pkg}) and either import it once in your app (import '${pkg}';) or register a lazy ` +
    `loader first: registerBackendLoader('${name}', () => import('${pkg}')). ` +
    (isNode ? 'In Node, importing @daek/flow-ops itself (its "node" entry) registers the loaders.' :
      'See the @daek/flow-ops README, "Backends in the browser".'));
}

/** Run a registered loader; a failure names the package to install. */
async function load(name: BackendName): Promise<unknown> {
  if (loaded.has(name)) return loaded.get(name);
  const loader = loaders.get(name);
  if (!loader) return undefined;
  try {
    const module = await loader();
    loaded.set(name, module);
    return module;
  } catch (error) {
    const pkg = PACKAGES[name]!;
    throw new Error(`useBackend('${name}') needs the npm package '${pkg}', which could not be loaded ` +
        `(${(error as Error).message.split('\n')[0]}). Install it with: npm install ${pkg}`);
  }
}

/**
 * Makes the platform ready for the wasm backend to start on `threads` threads (called just before it starts);
 * returns an undo to run once it started. The Node entry registers a worker shim (wasm_threads_node.ts).
 */
export type WasmThreadsSetup = (threads: number) => () => void;

/**
 * Browsers: threads need SharedArrayBuffer, i.e. a cross-origin isolated page. tfjs caps XNNPACK at half of
 * `navigator.hardwareConcurrency` (it assumes hyperthreads), so report twice the threads asked for while it starts.
 */
function browserWasmThreads(threads: number): () => void {
  if (threads <= 1) return () => undefined;
  const g = globalThis as unknown as {crossOriginIsolated?: boolean; navigator?: {hardwareConcurrency?: number}};
  if (g.crossOriginIsolated !== true) {
    throw new Error(`useBackend('wasm'): ${threads} threads need a cross-origin isolated page (SharedArrayBuffer). ` +
      'Serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: ' +
      'require-corp (or credentialless), or pass threads: 1.');
  }
  const nav = g.navigator;
  if (!nav) return () => undefined;
  const cores = Math.max(nav.hardwareConcurrency ?? 1, 2 * threads);
  Object.defineProperty(nav, 'hardwareConcurrency', {value: cores, configurable: true});
  return () => {
    delete (nav as {hardwareConcurrency?: number}).hardwareConcurrency; // the prototype's getter shows again
  };
}

let wasmThreadsSetup: WasmThreadsSetup = browserWasmThreads;

/** Replace how threads are prepared for the wasm backend (the Node entry installs its worker shim this way). */
export function registerWasmThreadsSetup(setup: WasmThreadsSetup): void {
  wasmThreadsSetup = setup;
}

function isWasmModule(value: unknown): value is WasmBackendModule {
  return typeof (value as WasmBackendModule | undefined)?.setWasmPaths === 'function';
}

/** Starts (configures) the wasm backend; resolves to an undo to run once tfjs started it. */
async function startWasm(options: UseBackendOptions): Promise<() => void> {
  const none = (): void => undefined;
  let module: unknown = options.wasmModule;
  if (!tf.findBackendFactory('wasm')) {
    if (!loaders.has('wasm')) throw notRegistered('wasm');
    module = await load('wasm');
  }
  const configure = options.wasmPaths !== undefined || options.threads !== undefined;
  if (!configure) return none;
  if (!isWasmModule(module)) module = await load('wasm');
  if (!isWasmModule(module)) {
    throw new Error('useBackend(\'wasm\'): wasmPaths and threads need the backend module. Pass it: ' +
      'import * as tfWasm from \'@tensorflow/tfjs-backend-wasm\'; useBackend(\'wasm\', {wasmModule: tfWasm, ...}).');
  }
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new Error(`useBackend('wasm'): threads must be a positive integer, got ${String(options.threads)}.`);
  }
  if (tf.engine().registry['wasm']) {
    // Already running: the settings cannot change any more; say so when they would.
    if (options.threads !== undefined && module.getThreadsCount() !== options.threads) {
      throw new Error(`useBackend('wasm'): the wasm backend already runs on ${module.getThreadsCount()} thread(s); ` +
        `threads (${options.threads}) must be set before its first use (reload the page).`);
    }
    return none;
  }
  if (options.wasmPaths !== undefined) module.setWasmPaths(options.wasmPaths);
  if (options.threads === undefined) return none;
  const undo = wasmThreadsSetup(options.threads);
  module.setThreadsCount(options.threads);
  return undo;
}

async function startWebGpu(): Promise<string> {
  // In Node the loader installs navigator.gpu (Dawn) before the backend package loads: that package registers
  // itself only when navigator.gpu exists at load time.
  if (!tf.findBackendFactory('webgpu') && loaders.has('webgpu')) await load('webgpu');
  const gpu = (globalThis as unknown as {navigator?: GpuNavigator}).navigator?.gpu;
  const adapter = gpu ? await gpu.requestAdapter() : null;
  if (!adapter) {
    throw new Error('The webgpu backend found no WebGPU adapter. In Node, install a Vulkan driver ' +
        '(for example Debian\'s chromium package and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json); ' +
        'in Chromium, start it with --enable-unsafe-webgpu, or use a browser with WebGPU.');
  }
  if (!tf.findBackendFactory('webgpu')) throw notRegistered('webgpu');
  const info = adapter.info ?? {};
  return [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ');
}

/**
 * Select and initialise a tfjs backend.
 *
 * - `cpu`: the reference backend; slow, for tests.
 * - `wasm`: the CPU workhorse (`@tensorflow/tfjs-backend-wasm`). In bundles pass `wasmPaths` (where the `.wasm`
 *   files are served) and optionally `threads`.
 * - `webgpu`: in browsers with WebGPU (`@tensorflow/tfjs-backend-webgpu`); in Node through the npm package
 *   `webgpu` and a Vulkan driver (a software one works: see the repository README).
 * - `webgl`: browsers only.
 *
 * wasm and webgpu must be registered: in Node the package's `node` entry registers loaders for both; in a browser
 * bundle the app imports the backend package (`import '@tensorflow/tfjs-backend-wasm'`) or registers a loader with
 * {@link registerBackendLoader}. Never falls back silently: if the backend cannot start, it throws and says what
 * to do.
 *
 * @example
 * ```ts
 * import {useBackend} from '@daek/flow-ops';
 * await useBackend('wasm');
 * ```
 */
export async function useBackend(name: BackendName, options: UseBackendOptions = {}): Promise<BackendInfo> {
  let adapter: string | undefined;
  let undoThreads = (): void => undefined;
  if (name === 'wasm') {
    undoThreads = await startWasm(options);
  } else if (name === 'webgpu') {
    adapter = await startWebGpu();
  } else if (name === 'webgl' && isNode) {
    throw new Error('The webgl backend works only in browsers. In Node use \'wasm\', \'cpu\' or \'webgpu\'.');
  } else if (name !== 'cpu' && name !== 'webgl') {
    throw new Error(`Unknown backend '${String(name)}'. Use one of: cpu, wasm, webgpu, webgl.`);
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (error) {
    throw new Error(`useBackend('${name}'): the backend failed to start: ${(error as Error).message ?? String(error)}` +
      (name === 'wasm' ? ' (in a bundle, pass wasmPaths: where the .wasm files are served)' : ''));
  } finally {
    undoThreads();
  }
  if (!ok) {
    throw new Error(`tf.setBackend('${name}') failed to initialise` +
      (name === 'wasm' ? ': in a bundle, pass wasmPaths (where the .wasm files are served).' : '.'));
  }
  await tf.ready();
  if (name === 'wasm') {
    registerConvGradients('wasm'); // wasm lacks Conv2DBackpropFilter; its Conv2DBackpropInput is slow
    registerWasmCopyKernels(); // its Concat and Slice copy one row view per pixel
  }
  if (name === 'cpu') {
    registerConvGradients('cpu'); // the cpu backend's own conv gradients are direct loops, ~80x its forward
    // The cpu backend's first write advises installing tfjs-node; it cannot install from the npm
    // registry alone (its install step downloads a binary), so the advice is noise for our users.
    (tf.backend() as unknown as {firstUse?: boolean}).firstUse = false;
  }
  if (name === 'webgpu') return {name, adapter};
  if (name === 'wasm') {
    const module = loaded.get('wasm') ?? options.wasmModule;
    const threads = isWasmModule(module) ? module.getThreadsCount() : undefined;
    return threads === undefined ? {name} : {name, threads};
  }
  return {name};
}
