import {afterEach, beforeAll, beforeEach, describe} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {useBackend, type BackendName} from '@daek/flow-ops';

/** Backends every op test runs on, in this order. webgpu joins when the global setup found an adapter. */
export const CPU_BACKENDS: readonly BackendName[] = ['cpu', 'wasm'];

/** Why webgpu is not tested in this run, or null when it is. */
export function webgpuSkipReason(): string | null {
  const adapter = process.env.DAEK_WEBGPU_ADAPTER;
  if (adapter) return null;
  return process.env.DAEK_WEBGPU_REASON ?? 'no WebGPU adapter';
}

/** The backends this run tests: `DAEK_BACKENDS=cpu,wasm` narrows the set. */
export function testedBackends(): BackendName[] {
  const requested = (process.env.DAEK_BACKENDS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const all: BackendName[] = [...CPU_BACKENDS, 'webgpu'];
  return requested.length > 0 ? all.filter((b) => requested.includes(b)) : all;
}

/**
 * jest's ESM loader cannot load the ESM-only `webgpu` package (it routes it through its CommonJS
 * path), so the tests load Dawn's addon itself and
 * install `navigator.gpu` before `useBackend('webgpu')` looks for it.
 */
function installNodeWebGpu(): void {
  const g = globalThis as unknown as {navigator?: {gpu?: unknown}};
  if (g.navigator?.gpu) return;
  // Load Dawn's native addon directly (what webgpu/index.js does); jest loads .node files natively.
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const addon = path.join(root, 'node_modules/webgpu/dist', `${process.platform}-${process.arch}`, 'dawn.node');
  const dawn = createRequire(import.meta.url)(addon) as {create(flags: string[]): unknown; globals: object};
  Object.assign(globalThis, dawn.globals);
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', {value: {}, configurable: true, writable: true});
  g.navigator!.gpu = dawn.create([]);
}

/** Options of {@link describeWithBackends}. */
export interface DescribeBackendsOptions {
  /** Backends this body must not run on, each with the reason printed in the test name. */
  exclude?: Partial<Record<BackendName, string>>;
  /** Run on these backends only (for example input-validation tests that need one backend). */
  only?: BackendName[];
}

/**
 * Run one test body once per backend (tfjs's `describeWithFlags`, for jest): `cpu` and `wasm` always,
 * `webgpu` when an adapter exists. Each test runs in its own engine scope, so tensors a test forgets
 * are released; leak tests use {@link expectNoLeaks} explicitly.
 */
export function describeWithBackends(name: string, body: (backend: BackendName) => void,
    options: DescribeBackendsOptions = {}): void {
  for (const backend of testedBackends()) {
    if (options.only && !options.only.includes(backend)) continue;
    const excluded = options.exclude?.[backend];
    const gpuSkip = backend === 'webgpu' ? webgpuSkipReason() : null;
    if (excluded || gpuSkip) {
      describe.skip(`${name} [${backend}: skipped, ${excluded ?? gpuSkip}]`, () => body(backend));
      continue;
    }
    describe(`${name} [${backend}]`, () => {
      beforeAll(async () => {
        if (backend === 'webgpu') installNodeWebGpu();
        await useBackend(backend);
      });
      beforeEach(() => tf.engine().startScope());
      afterEach(() => tf.engine().endScope());
      body(backend);
    });
  }
}
