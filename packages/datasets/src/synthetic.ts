// The embedded default dataset: seeded synthetic triplets with exact ground truth, so a fresh clone can
// train and evaluate with no download.
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {Worker} from 'node:worker_threads';
import {createDataset, type LoaderOptions, type TripletDataset} from './dataset.js';
import type {RgbImage} from './image.js';
import {renderSyntheticFlow, type SyntheticFlow} from './synthetic-flow.js';
import {compileScene, renderCompiled} from './synthetic-render.js';
import {
  generateScene, resolveSceneOptions, type ResolvedSceneOptions, type SyntheticScene, type SyntheticSceneOptions,
} from './synthetic-scene.js';

/** Options of {@link createSyntheticTriplets}. `seed` seeds the scenes as well as shuffle and augmentation. */
export interface SyntheticTripletOptions extends LoaderOptions, SyntheticSceneOptions {
  /** Number of samples. */
  count: number;
  /**
   * Render on this many worker threads (default 0: on the calling thread). Rendering is CPU work, so workers
   * let it run beside a training step on another core; `prefetch` (default 4) should be at least `workers`.
   * The bytes are the same either way. Idle workers do not keep the process alive. Each worker gets its own copy of
   * the options, `textures` included (structured clone): mind the memory of large texture sets.
   */
  workers?: number;
}

/** The dataset {@link createSyntheticTriplets} returns: a {@link TripletDataset} that also gives each sample's scene and exact flow. */
export interface SyntheticTripletDataset extends TripletDataset {
  /** The scene of sample `index` (its position in the unshuffled list; the id `synthetic-<seed>/<index>`). */
  scene(index: number): SyntheticScene;
  /**
   * The exact flow from the ground-truth frame (time `t`) of the sample with this id to its frame0 and frame1
   * ({@link renderSyntheticFlow} of its scene at `t`): the flow that matches `rawSamples()`' frames pixel for pixel.
   * @throws Error when the id is not one of this dataset's.
   */
  groundTruthFlow(id: string): SyntheticFlow;
}

type Frames = [RgbImage, RgbImage, RgbImage];

interface Job {
  resolve(frames: Frames): void;
  reject(error: Error): void;
}

/**
 * The worker's code: the compiled file beside this one or, when running from the TypeScript sources (tests,
 * `tsx`), a small bootstrap that registers tsx's loader in the worker and then imports the .ts file.
 */
function startWorker(workerData: ResolvedSceneOptions): Worker {
  const compiled = new URL('./synthetic-worker.js', import.meta.url);
  const source = new URL('./synthetic-worker.ts', import.meta.url);
  if (existsSync(fileURLToPath(compiled)) || !existsSync(fileURLToPath(source))) return new Worker(compiled, {workerData});
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source.href)}); })`;
  return new Worker(bootstrap, {eval: true, workerData});
}

/** A few worker threads rendering samples by index; each worker is referenced only while it has work. */
class RenderPool {
  private readonly workers: {worker: Worker; jobs: Map<number, Job>}[] = [];
  private next = 0;
  private jobCounter = 0;

  constructor(private readonly options: ResolvedSceneOptions, private readonly size: number) {}

  render(index: number): Promise<Frames> {
    if (this.workers.length < this.size) this.workers.push(this.spawn());
    const slot = this.workers[this.next++ % this.workers.length];
    const job = this.jobCounter++;
    return new Promise<Frames>((resolve, reject) => {
      slot.jobs.set(job, {resolve, reject});
      slot.worker.ref();
      slot.worker.postMessage({job, index});
    });
  }

  private spawn(): {worker: Worker; jobs: Map<number, Job>} {
    const worker = startWorker(this.options);
    const slot = {worker, jobs: new Map<number, Job>()};
    const settle = (id: number, outcome: (job: Job) => void) => {
      const job = slot.jobs.get(id);
      slot.jobs.delete(id);
      if (job) outcome(job);
      if (slot.jobs.size === 0) worker.unref();
    };
    worker.on('message', (message: {job: number; index: number; frames?: Frames; error?: string}) => {
      settle(message.job, (job) => message.error !== undefined
        ? job.reject(new Error(`synthetic sample ${message.index}: ${message.error}`))
        : job.resolve(message.frames!));
    });
    const fail = (error: Error) => {
      for (const id of [...slot.jobs.keys()]) settle(id, (job) => job.reject(new Error(`synthetic render worker failed: ${error.message}`)));
      const at = this.workers.indexOf(slot);
      if (at >= 0) this.workers.splice(at, 1); // a later render starts a fresh one
    };
    worker.on('error', fail);
    worker.on('exit', (code) => { if (slot.jobs.size > 0) fail(new Error(`exit code ${code}`)); });
    worker.unref();
    return slot;
  }
}

/**
 * A dataset of `count` synthetic triplets. Sample `i` is rendered from its own scene
 * ({@link createSyntheticScene}`(options, i)`): a textured background moving with the camera under 2-5
 * textured ellipses and rectangles that translate, rotate and scale (and occlude each other and the
 * background), optionally with a brightness change. frame0, gt and frame1 are the scene rendered at
 * t = 0, `t` and 1, so the ground truth is exact, and so is the flow from it to frame0 and frame1
 * (`groundTruthFlow(id)`, see {@link renderSyntheticFlow}). The bytes depend only on the options and `i`
 * (not on shuffle, limit, prefetch or workers) and are identical on every machine. Ids are `synthetic-<seed>/<i>`.
 *
 * @example
 * ```ts
 * const data = createSyntheticTriplets({seed: 7, count: 1000, width: 448, height: 256, augment: true});
 * for await (const batch of data.batches(8)) { ...; disposeBatch(batch); }
 * ```
 */
export function createSyntheticTriplets(options: SyntheticTripletOptions): SyntheticTripletDataset {
  const count = options?.count;
  if (!(Number.isSafeInteger(count) && count >= 0)) {
    throw new Error(`createSyntheticTriplets: options.count: expected an integer >= 0, received ${count}`);
  }
  const workers = options.workers ?? 0;
  if (!(Number.isInteger(workers) && workers >= 0 && workers <= 64)) {
    throw new Error(`createSyntheticTriplets: options.workers: expected an integer in [0, 64], received ${workers}`);
  }
  const resolved = resolveSceneOptions(options);
  const prefix = `synthetic-${resolved.seed}`;
  const ids = Array.from({length: count}, (_, i) => `${prefix}/${i}`);
  const pool = workers > 0 ? new RenderPool(resolved, workers) : undefined;
  const t = resolved.t;
  const dataset = createDataset({
    kind: 'list',
    name: `synthetic:${resolved.seed}:${resolved.width}x${resolved.height}`,
    ids,
    read: async (index) => {
      let frames: Frames;
      if (pool) {
        frames = await pool.render(index);
      } else {
        // Yield to the event loop first: rendering is synchronous, and prefetch starts several reads at once.
        await new Promise((resolve) => setImmediate(resolve));
        const scene = compileScene(generateScene(resolved, index));
        frames = [renderCompiled(scene, 0), renderCompiled(scene, t), renderCompiled(scene, 1)];
      }
      return {raw: {frame0: frames[0], gt: frames[1], frame1: frames[2], t, id: ids[index]}};
    },
  }, options);
  const scene = (index: number): SyntheticScene => {
    if (!(Number.isInteger(index) && index >= 0 && index < count)) {
      throw new Error(`${dataset.name}: scene(index): expected an integer in [0, ${count}), received ${index}`);
    }
    return generateScene(resolved, index);
  };
  const groundTruthFlow = (id: string): SyntheticFlow => {
    const index = typeof id === 'string' && id.startsWith(`${prefix}/`) ? Number(id.slice(prefix.length + 1)) : NaN;
    if (!(Number.isInteger(index) && index >= 0 && index < count && ids[index] === id)) {
      throw new Error(`${dataset.name}: groundTruthFlow(id): no sample has the id '${id}' (ids are ${prefix}/0 .. ${prefix}/${count - 1})`);
    }
    return renderSyntheticFlow(generateScene(resolved, index), t);
  };
  return Object.assign(dataset, {scene, groundTruthFlow});
}
