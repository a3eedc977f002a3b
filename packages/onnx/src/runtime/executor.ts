// The onnxruntime engine of createInterpolator(): runs a DAEK.js .onnx on padded NHWC tfjs frames.
import * as tf from '@tensorflow/tfjs';
import {coarseStartFlow, DAEK, describeFlowSearch, MEMORY_LIGHT_ABOVE, resolveFlowSearchOptions, type FlowSearchOptions, type FrameExecutor,
  type OnnxExecutorRequest} from '@daek/models';
import {exportOnnx, readNetworkWeights} from '../export_onnx.js';
import {shippedOnnx} from '../shipped.js';
import {OnnxModelError} from './errors.js';
import {createFlowSearchSession} from './flow_search.js';
import {createOnnxSession, readModelBytes, type OnnxSession} from './session.js';

/**
 * NHWC <-> NCHW on host data, in plain loops: tfjs's generic transpose on the cpu backend cost about 60 ms per
 * 448x256 frame pair (a sixth of ONNX Runtime's own time for daek-s), these loops a few.
 */
export function nhwcToNchw(data: Float32Array, [batch, height, width, channels]: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  const plane = height! * width!;
  for (let b = 0; b < batch!; b++) {
    const base = b * plane * channels!;
    // Pixel-major: one sequential read stream and C sequential write streams (3x faster than channel-major).
    for (let p = 0, q = base; p < plane; p++) {
      for (let c = 0, target = base + p; c < channels!; c++, target += plane) out[target] = data[q++]!;
    }
  }
  return out;
}

/** The inverse of {@link nhwcToNchw}: `[B,C,H,W]` host data to NHWC. */
export function nchwToNhwc(data: Float32Array, [batch, channels, height, width]: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  const plane = height! * width!;
  for (let b = 0; b < batch!; b++) {
    const base = b * plane * channels!;
    for (let p = 0, q = base; p < plane; p++) {
      for (let c = 0, source = base + p; c < channels!; c++, source += plane) out[q++] = data[source]!;
    }
  }
  return out;
}

async function toNchw(x: tf.Tensor4D): Promise<Float32Array> {
  return nhwcToNchw(await x.data() as Float32Array, x.shape);
}

/** Frames above this many pixels run on a session without ONNX Runtime's memory arena (see `memoryArena`). */
export const LOW_MEMORY_ABOVE = 1920 * 1088;

/** A promise made on first use and shared by every caller; {@link sharedPromise} makes one. */
export interface SharedPromise<T> {
  /** The shared promise, made by the first call. */
  (): Promise<T>;
  /** The promise made so far and not failed, without making one (null before the first call). */
  readonly pending: Promise<T> | null;
}

/**
 * `make`, called on first use only; every caller shares its promise. A failure is not kept: the next call tries
 * again.
 */
export function sharedPromise<T>(make: () => Promise<T>): SharedPromise<T> {
  let shared: Promise<T> | null = null;
  const get = () => shared ??= make().catch((error: unknown) => {
    shared = null;
    throw error;
  });
  return Object.defineProperty(get, 'pending', {get: () => shared}) as SharedPromise<T>;
}

/** Sessions made on first use for large frames. */
export interface LargeFrameSessions {
  /** For frames above `MEMORY_LIGHT_ABOVE` (@daek/models) 1/8-resolution positions: a memory-light twin of an all-pairs graph. */
  memoryLight?: () => Promise<OnnxSession>;
  /** For frames above {@link LOW_MEMORY_ABOVE} pixels: the memory-light graph without the memory arena. */
  lowMemory?: () => Promise<OnnxSession>;
}

/**
 * An executor over an existing session (frames are transposed to NCHW, the frame back to NHWC). Large frames run on
 * the sessions `large` makes (once each, on first use; a failed load is tried again on the next frame): an all-pairs correlation volume grows as (hw)² (daek-s at
 * 1280x720 needs 5.3 GB), the memory-light graph linearly; and above 1920x1088 ONNX Runtime's arena more than
 * doubles the peak (daek-s 4K: 8.2 GB with it, 3.7 GB without).
 *
 * With `refine` (a test-time extension of the DAEK spec, not in the paper), each run fetches the network's frame,
 * last flow and mask and passes them through the flow search graph (`flowSearchGraph`) in a second session, made on
 * first use with the network session's runtime, provider and threads (and, for the low-memory frames, without the
 * memory arena too); the frame returned is the refined one, as the tfjs engine's `refinedMiddleFrame`. With its
 * `coarseStart` (a number, the default 0.5), each run first runs the network on the frames scaled by it
 * (`coarseStartFlow` of @daek/models: resized, padded, run, cropped, brought back to full size), on the session
 * the scaled frames' size picks by the same rules as above, and passes that flow to the search graph as
 * `coarseFlow`, a second start per pixel: the network runs twice per frame.
 */
export function sessionExecutor(session: OnnxSession, large: LargeFrameSessions = {}, refine?: FlowSearchOptions): FrameExecutor {
  const search = refine === undefined ? null : resolveFlowSearchOptions(refine, 'sessionExecutor: refine');
  // Every extra session is made on first use; a failed load is not kept (the next run tries again).
  const memoryLight = large.memoryLight && sharedPromise(large.memoryLight);
  const lowMemorySession = large.lowMemory && sharedPromise(large.lowMemory);
  // The search sessions, by memory arena (on: the network's own session and the memory-light one; off: low memory).
  const searchSessions = [true, false].map((memoryArena) => sharedPromise(() => createFlowSearchSession(search!,
    {runtime: session.runtime, executionProvider: session.executionProvider, threads: session.threads, memoryArena})));
  /** The network session for frames of this size, and whether it is the low-memory one. */
  const networkFor = async (height: number, width: number): Promise<{target: OnnxSession; lowMemory: boolean}> => {
    const lowMemory = !!lowMemorySession && height * width > LOW_MEMORY_ABOVE;
    const target = lowMemory ? await lowMemorySession!() :
      memoryLight && (height / 8) * (width / 8) > MEMORY_LIGHT_ABOVE ? await memoryLight() : session;
    return {target, lowMemory};
  };
  /** The coarse pass (coarseStartFlow's FlowPass): the network's last flow for padded NHWC frames, as NHWC. */
  const lastFlow = async (img0: tf.Tensor4D, img1: tf.Tensor4D): Promise<tf.Tensor4D> => {
    const [batch, height, width] = img0.shape;
    const {target} = await networkFor(height, width);
    const [a, b] = await Promise.all([toNchw(img0), toNchw(img1)]);
    const {flow} = await target.run(a, b, {batch, height, width});
    return tf.tensor4d(nchwToNhwc(flow, [batch, 4, height, width]), [batch, height, width, 4]);
  };
  /** The coarse start flow for the search graph, `[B,4,H,W]` NCHW host data; null without a coarse start. */
  const coarseFlowOf = async (img0: tf.Tensor4D, img1: tf.Tensor4D): Promise<Float32Array | null> => {
    if (!search || search.coarseStart === false) return null;
    const coarse = await coarseStartFlow(img0, img1, search.coarseStart, lastFlow);
    try {
      return await toNchw(coarse);
    } finally {
      coarse.dispose();
    }
  };
  return {
    engine: 'onnxruntime',
    description: session.description + (search ? `, ${describeFlowSearch(search)}` : ''),
    async run(img0, img1) {
      const [batch, height, width] = img0.shape;
      // The coarse pass first: only its flow is kept while the full-size pass runs.
      const coarseFlow = await coarseFlowOf(img0, img1);
      const {target, lowMemory} = await networkFor(height, width);
      const [a, b] = await Promise.all([toNchw(img0), toNchw(img1)]);
      const size = {batch, height, width};
      let frame: Float32Array;
      if (search) {
        const outputs = await target.run(a, b, size);
        frame = (await (await searchSessions[lowMemory ? 1 : 0]!()).run(a, b, outputs, size,
          coarseFlow ? {coarseFlow} : {})).refined;
      } else {
        frame = await target.runFrame(a, b, size);
      }
      return tf.tensor4d(nchwToNhwc(frame, [batch, 3, height, width]), [batch, height, width, 3]);
    },
    async dispose() {
      await session.release();
      for (const made of [memoryLight, lowMemorySession, ...searchSessions]) {
        if (made?.pending) await (await made.pending).release();
      }
    },
  };
}

/**
 * The onnxruntime executor for `createInterpolator({engine: 'onnxruntime'})`. The model is, in order: the `.onnx`
 * given (its weights must be the network's: same SHA-256), the `.onnx` shipped for the model when the network holds
 * the shipped weights, else the network exported in memory (float32, memory-light correlation). A DAEK graph with
 * the all-pairs correlation (given by the caller) runs frames above 512x512 on a memory-light graph exported from the
 * network on first use. With `request.refine`, every frame is refined by the flow search graph (see
 * {@link sessionExecutor}).
 */
export async function createOnnxExecutor(request: OnnxExecutorRequest): Promise<FrameExecutor> {
  const {sha256} = await readNetworkWeights(request.network);
  // An all-pairs DAEK graph gets a memory-light twin for large frames, exported from the same network when needed.
  const large = (session: OnnxSession, bytes: Uint8Array | string | URL): LargeFrameSessions => {
    const allPairs = request.network instanceof DAEK && session.info.correlation === 'all-pairs';
    // One export (or read) shared by both variants: a 4K frame after a 720p one must not export the graph again.
    const memoryLightBytes = sharedPromise(() => allPairs ?
      exportOnnx(request.network, {model: request.model, correlation: 'memory-light'}) : readModelBytes(bytes));
    const make = async (memoryArena: boolean, what: string) => createOnnxSession(await memoryLightBytes(),
      {threads: request.threads, executionProvider: request.executionProvider, memoryArena, name: `${request.model} (${what})`});
    return {
      ...(allPairs ? {memoryLight: () => make(true, 'memory-light, exported in memory')} : {}),
      // Browsers have no arena switch (onnxruntime-web): the variant is for onnxruntime-node.
      ...(session.runtime === 'onnxruntime-node' ? {lowMemory: () => make(false, 'memory-light, no memory arena')} : {}),
    };
  };
  let source: Uint8Array | string | URL | null = request.onnx ?? null;
  let name = typeof source === 'string' ? source : source instanceof URL ? source.href : 'the given .onnx';
  if (source === null) {
    const shipped = await shippedOnnx(request.model);
    if (shipped) {
      const bytes = await readModelBytes(shipped);
      const session = await createOnnxSession(bytes, {threads: request.threads, executionProvider: request.executionProvider,
        name: String(shipped)});
      if (session.info.weightsSha256 === sha256) return sessionExecutor(session, large(session, bytes), request.refine);
      await session.release();
    }
    source = await exportOnnx(request.network, {model: request.model});
    name = `${request.model} (exported in memory)`;
  }
  const session = await createOnnxSession(source, {threads: request.threads, executionProvider: request.executionProvider, name});
  if (session.info.weightsSha256 !== sha256) {
    await session.release();
    throw new OnnxModelError('mismatch', `${name} was exported from other weights than the ones loaded ` +
      `(${session.info.model}, weights ${session.info.weightsSha256.slice(0, 12)} vs ${sha256.slice(0, 12)}). ` +
      'Pass the matching weights, or export the .onnx again from them (daek-export).');
  }
  return sessionExecutor(session, large(session, source), request.refine);
}
