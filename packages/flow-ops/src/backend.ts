import * as tf from '@tensorflow/tfjs';
import {registerConvGradients} from './conv_grad/register.js';

/** The tfjs backends DAEK.js is tested on. `webgl` works in browsers only. */
export type BackendName = 'cpu' | 'wasm' | 'webgpu' | 'webgl';

/** What {@link useBackend} selected. */
export interface BackendInfo {
  /** The active tfjs backend. */
  name: BackendName;
  /** For webgpu, the adapter's vendor / architecture / description. */
  adapter?: string;
}

const isNode = typeof process !== 'undefined' && process.versions?.node != null;

interface GpuNavigator {
  gpu?: {requestAdapter(): Promise<{info?: {vendor?: string; architecture?: string; description?: string}} | null>};
}

/** Import an optional peer package, with an error that says how to install it. */
async function importOptional(name: string, why: string): Promise<unknown> {
  try {
    return await import(name);
  } catch (error) {
    throw new Error(`${why} needs the npm package '${name}', which could not be loaded ` +
        `(${(error as Error).message.split('\n')[0]}). Install it with: npm install ${name}`);
  }
}

/**
 * In Node there is no `navigator.gpu`: make one from the npm package `webgpu` (Dawn). This must run
 * before `@tensorflow/tfjs-backend-webgpu` loads, because that package registers itself only when
 * `navigator.gpu` exists at load time.
 */
async function ensureNodeWebGpu(): Promise<void> {
  const g = globalThis as unknown as {navigator?: GpuNavigator};
  if (g.navigator?.gpu) return;
  const dawn = (await importOptional('webgpu', 'The webgpu backend in Node')) as {
    create(flags: string[]): GpuNavigator['gpu'];
    globals: Record<string, unknown>;
  };
  Object.assign(globalThis, dawn.globals);
  if (!g.navigator) {
    Object.defineProperty(globalThis, 'navigator', {value: {}, configurable: true, writable: true});
  }
  (g.navigator as GpuNavigator).gpu = dawn.create([]);
}

/**
 * Select and initialise a tfjs backend, loading its package on demand.
 *
 * - `cpu`: the reference backend; slow, for tests.
 * - `wasm`: the CPU workhorse (needs `@tensorflow/tfjs-backend-wasm`).
 * - `webgpu`: in browsers with WebGPU; in Node through the npm package `webgpu` and a Vulkan driver
 *   (a software one works: see the repository README).
 * - `webgl`: browsers only.
 *
 * Never falls back silently: if the backend cannot start, it throws and says why.
 *
 * @example
 * ```ts
 * import {useBackend} from '@daek/flow-ops';
 * await useBackend('wasm');
 * ```
 */
export async function useBackend(name: BackendName): Promise<BackendInfo> {
  if (name === 'wasm') {
    await importOptional('@tensorflow/tfjs-backend-wasm', 'The wasm backend');
    registerConvGradients('wasm'); // wasm lacks Conv2DBackpropFilter; its Conv2DBackpropInput is slow
  } else if (name === 'webgpu') {
    if (isNode) await ensureNodeWebGpu();
    const gpu = (globalThis as unknown as {navigator?: GpuNavigator}).navigator?.gpu;
    const adapter = gpu ? await gpu.requestAdapter() : null;
    if (!adapter) {
      throw new Error('The webgpu backend found no WebGPU adapter. In Node, install a Vulkan driver ' +
          '(for example Debian\'s chromium package and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json); ' +
          'in Chromium, start it with --enable-unsafe-webgpu.');
    }
    await importOptional('@tensorflow/tfjs-backend-webgpu', 'The webgpu backend');
    const info = adapter.info ?? {};
    const ok = await tf.setBackend('webgpu');
    if (!ok) throw new Error('tf.setBackend(\'webgpu\') failed to initialise.');
    await tf.ready();
    return {name, adapter: [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ')};
  } else if (name === 'webgl' && isNode) {
    throw new Error('The webgl backend works only in browsers. In Node use \'wasm\', \'cpu\' or \'webgpu\'.');
  } else if (name !== 'cpu' && name !== 'webgl') {
    throw new Error(`Unknown backend '${String(name)}'. Use one of: cpu, wasm, webgpu, webgl.`);
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') failed to initialise.`);
  await tf.ready();
  if (name === 'cpu') {
    registerConvGradients('cpu'); // the cpu backend's own conv gradients are direct loops, ~80x its forward
    // The cpu backend's first write advises installing tfjs-node; it cannot install from the npm
    // registry alone (its install step downloads a binary), so the advice is noise for our users.
    (tf.backend() as unknown as {firstUse?: boolean}).firstUse = false;
  }
  return {name};
}
