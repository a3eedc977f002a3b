// ONNX Runtime Web engine: the same frame pipeline (createInterpolator), with each network pass on onnxruntime-web
// (wasm or WebGPU) through @daek/onnx. onnxruntime-web is loaded by @daek/onnx with a runtime import of the bare
// name 'onnxruntime-web'; the page's import map points it at dist/ort/ (copied there by vite.config.ts), which
// also holds the .wasm it fetches beside itself.
import {useBackend} from '@daek/flow-ops';
import {createInterpolator, type Interpolator} from '@daek/models';
import type {EngineChoice} from './engines.js';
import {capabilities, requestedThreads} from './engines.js';
import type {ModelSource, Session, StartProgress} from './session.js';
import {tfjsVisuals} from './visuals.js';

/** The shipped daek-s .onnx (float32), emitted into the build by Vite. */
const DAEK_S_ONNX = new URL('../../../packages/onnx/models/daek-s.onnx', import.meta.url).href;

/**
 * Start an ONNX Runtime Web session for the shipped daek-s (other weights need their own .onnx), with flow search
 * refinement when `refine` (passed to `createInterpolator` explicitly, true or false).
 */
export async function onnxSession(choice: EngineChoice, model: ModelSource, refine: boolean, onProgress: StartProgress): Promise<Session> {
  if (model !== 'daek-s') {
    throw new Error('The ONNX Runtime engine runs the shipped daek-s here; for other weights choose the tfjs engine ' +
      '(or export them with daek-export and load the .onnx with @daek/onnx).');
  }
  if (choice.backend !== 'wasm' && choice.backend !== 'webgpu') {
    throw new Error('ONNX Runtime Web runs on wasm or webgpu; choose one of those.');
  }
  onProgress('loading ONNX Runtime Web', 0);
  // Frame handling (padding, cropping, bisection) runs on tfjs' cpu backend: a few cheap ops per frame.
  await useBackend('cpu');
  const caps = await capabilities();
  const threads = choice.backend === 'wasm' ? requestedThreads(caps) : 1;
  let interp: Interpolator;
  try {
    interp = await createInterpolator({
      model: 'daek-s', engine: 'onnxruntime', onnxEngine: await import('@daek/onnx'), onnx: DAEK_S_ONNX,
      executionProvider: choice.backend, threads, refine,
      onProgress: ({stage, fraction}) => onProgress(stage === 'weights' ? 'downloading weights' : stage, fraction),
    });
  } catch (error) {
    throw new Error(`Starting ONNX Runtime Web (${choice.backend}) failed: ${(error as Error).message}`);
  }
  return {
    choice, running: (interp as Interpolator & {executor?: string}).executor ?? `onnxruntime-web ${choice.backend}`,
    weights: DAEK_S_ONNX,
    async interpolate(a, b, t) {
      const out = await interp.interpolate({data: a.data, width: a.width, height: a.height, channels: 4},
        {data: b.data, width: b.width, height: b.height, channels: 4}, {t});
      return out.data as Uint8ClampedArray;
    },
    visuals: (a, b) => tfjsVisuals(interp, a, b),
    dispose: () => interp.dispose(),
  };
}
