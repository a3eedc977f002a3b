// One loaded model on one engine/backend, reused across runs until a choice changes.
import * as tf from '@tensorflow/tfjs';
import {createInterpolator, type Interpolator} from '@daek/models';
import type {BackendChoice, EngineName} from './api.js';
import {chooseBackend, startTfjs, type EngineChoice} from './engines.js';
import type {Rgba} from './images.js';
import {tfjsVisuals} from './visuals.js';

/** Where weights come from: the shipped model name, a model.json URL, or picked files (model.json + shards). */
export type ModelSource = string | File[];

/** Progress while a session starts. */
export type StartProgress = (stage: string, fraction: number) => void;

/** A ready engine. */
export interface Session {
  /** The resolved choice and why. */
  choice: EngineChoice;
  /** What runs, in words (`wasm, 2 threads`). */
  running: string;
  /** The weights' source, in words. */
  weights: string;
  /** One frame at time t. */
  interpolate(a: Rgba, b: Rgba, t: number): Promise<Uint8ClampedArray>;
  /** The last stage's flow (F_t→0, coloured) and blend mask (frame 0's weight, grey) at t = 0.5. */
  visuals(a: Rgba, b: Rgba): Promise<{flow: Uint8ClampedArray; mask: Uint8ClampedArray}>;
  /** Release everything. */
  dispose(): void;
}

function describeModel(model: ModelSource): string {
  return typeof model === 'string' ? model : model.map((f) => f.name).join(' + ');
}

async function tfjsSession(choice: EngineChoice, model: ModelSource, refine: boolean, onProgress: StartProgress): Promise<Session> {
  onProgress(`starting tfjs ${choice.backend}`, 0);
  const running = await startTfjs(choice.backend);
  const weights = typeof model !== 'string' ? tf.io.browserFiles(model) :
    model === 'daek-s' ? undefined : model;
  let interp: Interpolator;
  try {
    interp = await createInterpolator({
      model: model === 'daek-s' ? 'daek-s' : undefined, weights, refine,
      onProgress: ({stage, fraction}) => onProgress(stage === 'weights' ? 'downloading weights' : stage, fraction),
    });
  } catch (error) {
    throw new Error(`Loading the model (${describeModel(model)}) failed: ${(error as Error).message}`);
  }
  return {
    choice, running, weights: interp.weights,
    async interpolate(a, b, t) {
      const out = await interp.interpolate({data: a.data, width: a.width, height: a.height, channels: 4},
        {data: b.data, width: b.width, height: b.height, channels: 4}, {t});
      return out.data as Uint8ClampedArray;
    },
    visuals: (a, b) => tfjsVisuals(interp, a, b),
    dispose: () => interp.dispose(),
  };
}

let current: {key: string; session: Promise<Session>} | null = null;

/**
 * The session for these choices: the current one when they match, else a new one (the old one is disposed). `refine`
 * (the "flow search refinement" checkbox) is passed to `createInterpolator` explicitly, true or false.
 */
export async function session(engine: EngineName, backend: BackendChoice, model: ModelSource, refine: boolean,
    onProgress: StartProgress = () => undefined): Promise<Session> {
  const key = JSON.stringify([engine, backend, typeof model === 'string' ? model : model.map((f) => [f.name, f.size, f.lastModified]), refine]);
  if (current?.key === key) {
    try {
      return await current.session;
    } catch {
      current = null; // a failed start is retried
    }
  }
  if (current) {
    const old = current.session;
    current = null;
    await old.then((s) => s.dispose(), () => undefined);
  }
  const created = (async () => {
    const choice = await chooseBackend(engine, backend);
    if (engine === 'onnx') {
      const {onnxSession} = await import('./onnx_engine.js');
      return onnxSession(choice, model, refine, onProgress);
    }
    return tfjsSession(choice, model, refine, onProgress);
  })();
  current = {key, session: created};
  return created;
}
