import {afterEach, beforeAll, beforeEach, describe} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
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

/** Options of {@link describeWithBackends}. */
export interface DescribeBackendsOptions {
  /** Backends this body must not run on, each with the reason printed in the test name. */
  exclude?: Partial<Record<BackendName, string>>;
}

/**
 * Run one test body once per backend (tfjs's `describeWithFlags`, for jest): `cpu` and `wasm` always,
 * `webgpu` when an adapter exists. Each test runs in its own engine scope, so tensors a test forgets
 * are released; leak tests use {@link expectNoLeaks} explicitly.
 */
export function describeWithBackends(name: string, body: (backend: BackendName) => void,
    options: DescribeBackendsOptions = {}): void {
  for (const backend of testedBackends()) {
    const excluded = options.exclude?.[backend];
    const gpuSkip = backend === 'webgpu' ? webgpuSkipReason() : null;
    if (excluded || gpuSkip) {
      describe.skip(`${name} [${backend}: skipped, ${excluded ?? gpuSkip}]`, () => body(backend));
      continue;
    }
    describe(`${name} [${backend}]`, () => {
      beforeAll(async () => {
        await useBackend(backend);
      });
      beforeEach(() => tf.engine().startScope());
      afterEach(() => tf.engine().endScope());
      body(backend);
    });
  }
}
