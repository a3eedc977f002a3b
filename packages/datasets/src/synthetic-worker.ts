// Worker thread of createSyntheticTriplets({workers}): renders the samples it is sent, by index, with the
// very same code as the calling thread, so the bytes do not depend on where a sample was rendered.
import {parentPort, workerData} from 'node:worker_threads';
import {compileScene, renderCompiled} from './synthetic-render.js';
import {generateScene, type ResolvedSceneOptions} from './synthetic-scene.js';

const options = workerData as ResolvedSceneOptions;
parentPort!.on('message', ({job, index}: {job: number; index: number}) => {
  try {
    const scene = compileScene(generateScene(options, index));
    const frames = [0, options.t, 1].map((time) => renderCompiled(scene, time));
    parentPort!.postMessage({job, index, frames}, frames.map((f) => f.data.buffer as ArrayBuffer));
  } catch (error) {
    parentPort!.postMessage({job, index, error: (error as Error).message});
  }
});
