// Node-only backend loaders: literal imports of the optional backend packages, and Dawn (the npm package
// `webgpu`) as navigator.gpu. Reached only through the "node" entry, so browser bundles never see them.
import * as tf from '@tensorflow/tfjs';
import {registerBackendLoader, registerWasmThreadsSetup} from './backend.js';
import {prepareNodeWasmThreads} from './wasm_threads_node.js';

interface GpuNavigator {
  gpu?: unknown;
}

/**
 * In Node there is no `navigator.gpu`: make one from the npm package `webgpu` (Dawn). This must run
 * before `@tensorflow/tfjs-backend-webgpu` loads, because that package registers itself only when
 * `navigator.gpu` exists at load time.
 */
async function ensureNodeWebGpu(): Promise<void> {
  const g = globalThis as unknown as {navigator?: GpuNavigator};
  if (g.navigator?.gpu) return;
  let dawn: {create(flags: string[]): unknown; globals: Record<string, unknown>};
  try {
    dawn = await import('webgpu') as unknown as typeof dawn;
  } catch (error) {
    throw new Error('The webgpu backend in Node needs the npm package \'webgpu\', which could not be loaded ' +
      `(${(error as Error).message.split('\n')[0]}). Install it with: npm install webgpu`);
  }
  Object.assign(globalThis, dawn.globals);
  if (!g.navigator) {
    Object.defineProperty(globalThis, 'navigator', {value: {}, configurable: true, writable: true});
  }
  (g.navigator as GpuNavigator).gpu = dawn.create([]);
}

/**
 * Register the Node loaders of the wasm and webgpu backends (done on import of the Node entry; exported so that
 * code which replaced them can restore them).
 */
export function registerNodeBackendLoaders(): void {
  registerBackendLoader('wasm', () => import('@tensorflow/tfjs-backend-wasm'));
  registerWasmThreadsSetup((threads) => prepareNodeWasmThreads(threads, (flag, value) => tf.env().set(flag, value)));
  registerBackendLoader('webgpu', async () => {
    await ensureNodeWebGpu();
    return import('@tensorflow/tfjs-backend-webgpu');
  });
}
