// The engine factory the command uses: tfjs (wasm) or ONNX Runtime, both through @daek/models' createInterpolator.
import type {Engine, EngineOptions} from './engine.js';
import {createModelEngine} from './model_engine.js';

/** Create the engine `options.engine` names. */
export function createEngine(options: EngineOptions): Promise<Engine> {
  return createModelEngine(options);
}
