// Starting an engine and backend in the browser, and saying which one runs and why. tfjs backends are loaded
// through loaders registered here (lazy chunks); their .wasm files are emitted by Vite (`?url`) and passed on.
import * as tf from '@tensorflow/tfjs';
import {registerBackendLoader, useBackend, type BackendName} from '@daek/flow-ops';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type {BackendChoice, EngineName} from './api.js';

registerBackendLoader('wasm', () => import('@tensorflow/tfjs-backend-wasm'));
registerBackendLoader('webgpu', () => import('@tensorflow/tfjs-backend-webgpu'));

/** The .wasm files of tfjs-backend-wasm, as emitted into the build. */
export const TFJS_WASM_PATHS: Record<string, string> = {
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
};

/** What the browser offers, probed once. */
export interface Capabilities {
  /** The WebGPU adapter's description, or null with the reason in `webgpuWhyNot`. */
  webgpu: string | null;
  /** Why WebGPU is unavailable. */
  webgpuWhyNot: string;
  /** The adapter is a software one (SwiftShader): correct, but far slower than wasm. */
  webgpuSoftware: boolean;
  /** Whether WebGL2 works. */
  webgl: boolean;
  /** Cross-origin isolated (SharedArrayBuffer, so wasm threads). */
  isolated: boolean;
  /** Logical cores. */
  cores: number;
}

let probed: Promise<Capabilities> | null = null;

/** Probe WebGPU, WebGL and cross-origin isolation. */
export function capabilities(): Promise<Capabilities> {
  probed ??= (async () => {
    let webgpu: string | null = null;
    let webgpuWhyNot = '';
    let webgpuSoftware = false;
    const gpu = (navigator as Navigator & {gpu?: GPU}).gpu;
    if (!gpu) {
      webgpuWhyNot = 'this browser has no WebGPU (navigator.gpu is missing)';
    } else {
      try {
        const adapter = await gpu.requestAdapter();
        if (adapter) {
          const info = (adapter as GPUAdapter & {info?: GPUAdapterInfo & {isFallbackAdapter?: boolean}}).info;
          webgpu = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' / ') || 'an adapter';
          webgpuSoftware = /swiftshader/i.test(webgpu) || info?.isFallbackAdapter === true;
        } else {
          webgpuWhyNot = 'WebGPU found no adapter (no GPU, or WebGPU disabled)';
        }
      } catch (error) {
        webgpuWhyNot = `WebGPU failed: ${(error as Error).message}`;
      }
    }
    const webgl = !!document.createElement('canvas').getContext('webgl2');
    return {webgpu, webgpuWhyNot, webgpuSoftware, webgl, isolated: globalThis.crossOriginIsolated === true,
      cores: navigator.hardwareConcurrency || 1};
  })();
  return probed;
}

/** The wasm thread count asked for in the page URL (`?threads=N`), else all cores when isolated. */
export function requestedThreads(caps: Capabilities): number {
  const asked = Number(new URLSearchParams(location.search).get('threads'));
  if (!caps.isolated) return 1;
  return Number.isInteger(asked) && asked >= 1 ? asked : Math.min(caps.cores, 4);
}

/** A resolved engine/backend choice, with the sentence the page shows. */
export interface EngineChoice {
  /** Engine. */
  engine: EngineName;
  /** Backend. */
  backend: Exclude<BackendChoice, 'auto'>;
  /** Why this one. */
  why: string;
}

/** Resolve `auto` and check that the backend can run here; throws with the reason when it cannot. */
export async function chooseBackend(engine: EngineName, backend: BackendChoice): Promise<EngineChoice> {
  const caps = await capabilities();
  if (backend === 'auto') {
    if (caps.webgpu && !caps.webgpuSoftware) return {engine, backend: 'webgpu', why: `auto: WebGPU adapter found (${caps.webgpu})`};
    if (caps.webgpu) {
      return {engine, backend: 'wasm', why: `auto: the only WebGPU adapter is a software one (${caps.webgpu}), far slower than wasm`};
    }
    return {engine, backend: 'wasm', why: `auto: ${caps.webgpuWhyNot}, so wasm`};
  }
  if (backend === 'webgpu' && !caps.webgpu) {
    throw new Error(`WebGPU cannot run here: ${caps.webgpuWhyNot}. Choose wasm${engine === 'tfjs' ? ' or webgl' : ''}.`);
  }
  if (backend === 'webgl' && engine !== 'tfjs') throw new Error('ONNX Runtime Web runs on wasm or webgpu; choose one of those.');
  if (backend === 'webgl' && !caps.webgl) throw new Error('WebGL2 is not available in this browser; choose wasm.');
  const detail = backend === 'webgpu' ? ` (${caps.webgpu})` : '';
  return {engine, backend, why: `chosen${detail}`};
}

/** Start a tfjs backend; returns a description such as `wasm, SIMD, 2 threads`. */
export async function startTfjs(backend: Exclude<BackendChoice, 'auto'>): Promise<string> {
  const caps = await capabilities();
  const info = await useBackend(backend as BackendName, backend === 'wasm' ?
    {wasmPaths: TFJS_WASM_PATHS, threads: requestedThreads(caps)} : {});
  if (backend === 'wasm') {
    const asked = requestedThreads(caps);
    const reported = info.threads ?? 1;
    const [simd, threaded] = await Promise.all([tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')]);
    const why = !caps.isolated ? '1 thread: the page is not cross-origin isolated' :
      !threaded ? '1 thread: this browser refuses wasm threads' :
      // tfjs-backend-wasm 4.22 reports 1 whatever setThreadsCount asked (tensorflow/tfjs#8513): show both.
      `threaded build, ${asked} thread${asked === 1 ? '' : 's'} asked, tfjs reports ${reported}`;
    return `wasm${simd ? ' SIMD' : ''} (${why})`;
  }
  return info.adapter ? `${backend} on ${info.adapter}` : backend;
}
