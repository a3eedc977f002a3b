// The engines behind createInterpolator(): one frame pipeline (validation, padding, cropping, bisection, batches)
// drives a FrameExecutor, which runs one network pass. 'tfjs' runs the network here; 'onnxruntime' comes from
// @daek/onnx, loaded on demand (it depends on this package, so this package cannot import it statically).
import * as tf from '@tensorflow/tfjs';
import {coarseStartFlow} from './coarse_start.js';
import type {DAEK} from './daek.js';
import {describeFlowSearch, refinedMiddleFrame, resolveFlowSearchOptions, type FlowSearchOptions, type ResolvedFlowSearchOptions} from './flow_search.js';
import type {IFNet} from './ifnet.js';
import {disposeOutputs} from './outputs.js';

/** The inference engines of {@link createInterpolator}. */
export type EngineName = 'tfjs' | 'onnxruntime';

/** One network pass at t = 0.5 on padded frames. Created by {@link tfjsExecutor} or @daek/onnx's `createOnnxExecutor`. */
export interface FrameExecutor {
  /** The engine. */
  readonly engine: EngineName;
  /** What runs, for logs (`tfjs wasm`, `onnxruntime-node cpu, 2 threads`, ...). */
  readonly description: string;
  /**
   * The middle frame of float32 NHWC `[B,H,W,3]` frames in [0,1] whose H and W the network accepts (the pipeline
   * pads them). Returns a new `[B,H,W,3]` tensor owned by the caller; the inputs are not disposed.
   */
  run(img0: tf.Tensor4D, img1: tf.Tensor4D): Promise<tf.Tensor4D>;
  /** Release what the executor holds (never the network, which the interpolator owns). */
  dispose(): void | Promise<void>;
}

/** 1/8-resolution positions above which the tfjs engine uses the memory-light correlation (512x512 frames). */
export const MEMORY_LIGHT_ABOVE = 64 * 64;

/**
 * The tfjs executor: `network.forward` on the active backend. DAEK's correlation is the configured one when
 * `correlation` is given, else all-pairs up to 512x512 and memory-light above ({@link MEMORY_LIGHT_ABOVE}).
 * With `refine`, the middle frame is recomposed from a searched flow ({@link refinedMiddleFrame}): a test-time
 * extension of the DAEK spec, not in the paper (the onnxruntime engine runs the same search as an ONNX graph). With
 * its `coarseStart`, the network also runs on the frames scaled down ({@link coarseStartFlow}) for a second start.
 */
export function tfjsExecutor(network: DAEK | IFNet, correlation?: 'all-pairs' | 'memory-light', refine?: FlowSearchOptions): FrameExecutor {
  const search = refine === undefined ? null : resolveFlowSearchOptions(refine, 'tfjsExecutor: refine');
  const forward = (img0: tf.Tensor4D, img1: tf.Tensor4D) => {
    const [, h, w] = img0.shape;
    const mode = correlation ?? ((h / 8) * (w / 8) > MEMORY_LIGHT_ABOVE ? 'memory-light' : 'all-pairs');
    return network.forward(img0, img1, {correlation: mode});
  };
  // The coarse pass keeps its last flow only.
  const lastFlow = (img0: tf.Tensor4D, img1: tf.Tensor4D) => {
    const out = forward(img0, img1);
    try {
      return tf.clone(out.flows[out.flows.length - 1]!);
    } finally {
      disposeOutputs(out);
    }
  };
  return {
    engine: 'tfjs',
    description: `tfjs ${tf.getBackend()}` + (search ? `, ${describeFlowSearch(search)}` : ''),
    async run(img0, img1) {
      const coarse = search?.coarseStart ? await coarseStartFlow(img0, img1, search.coarseStart, lastFlow) : null;
      try {
        const out = forward(img0, img1);
        // Keep the frame, release everything else the pass returned.
        try {
          return tf.keep(search ? refinedMiddleFrame(img0, img1, out, search, coarse ? [coarse] : []) : tf.clone(out.output));
        } finally {
          disposeOutputs(out);
        }
      } finally {
        coarse?.dispose();
      }
    },
    dispose() {},
  };
}

/**
 * Time-reversal ensemble: the mean of the network's middle frame for (frame0, frame1) and for (frame1, frame0).
 * Both passes predict the same t = 0.5 frame; their errors are partly independent, so the mean is closer to the
 * truth (for the shipped `daek-s`: +0.02 to +0.15 dB on the test sets, +0.16 dB on the held-out training clips) at twice
 * the cost. Used by `createInterpolator({ensemble: true})`.
 */
export function reversalEnsembleExecutor(inner: FrameExecutor): FrameExecutor {
  return {
    engine: inner.engine,
    description: `${inner.description}, time-reversal ensemble (2 passes)`,
    async run(img0, img1) {
      const forward = await inner.run(img0, img1);
      let backward: tf.Tensor4D;
      try {
        backward = await inner.run(img1, img0);
      } catch (error) {
        forward.dispose();
        throw error;
      }
      const mean = tf.tidy(() => tf.mul(tf.add(forward, backward), 0.5) as tf.Tensor4D);
      tf.dispose([forward, backward]);
      return mean;
    },
    dispose: () => inner.dispose(),
  };
}

/** Settings the onnxruntime engine receives from {@link createInterpolator}. */
export interface OnnxExecutorRequest {
  /** The model name (`daek-s`, `ifnet`, ...). */
  model: string;
  /** The network with its weights loaded (exported in memory unless a matching `.onnx` is given or shipped). */
  network: DAEK | IFNet;
  /** An `.onnx` to run instead: bytes, a path (Node) or a URL. */
  onnx?: Uint8Array | string | URL;
  /** Intra-op threads (default: the physical cores). */
  threads?: number;
  /** ONNX Runtime execution provider (default `auto`). */
  executionProvider?: 'auto' | 'cpu' | 'wasm' | 'webgpu';
  /**
   * Flow search refinement after each network pass ({@link refinedMiddleFrame}'s semantics, run as an ONNX graph),
   * already checked by {@link resolveFlowSearchOptions}; absent: off.
   */
  refine?: ResolvedFlowSearchOptions;
}

/** What `@daek/onnx` provides to this package. */
export interface OnnxEngineModule {
  /** Build the onnxruntime executor. */
  createOnnxExecutor(request: OnnxExecutorRequest): Promise<FrameExecutor>;
}

// A variable, not a literal: @daek/onnx depends on this package, and a literal import would make the build graph
// (and bundlers) see a cycle. Browser bundles that want the ONNX engine pass `onnxEngine` explicitly instead.
const ONNX_PACKAGE: string = '@daek/onnx';

/** Load @daek/onnx (the onnxruntime engine) with a clear error when it is not installed. */
export async function loadOnnxEngine(): Promise<OnnxEngineModule> {
  let mod: Partial<OnnxEngineModule>;
  try {
    mod = await import(/* @vite-ignore */ ONNX_PACKAGE) as Partial<OnnxEngineModule>;
  } catch (error) {
    throw new Error("engine 'onnxruntime' needs @daek/onnx and an ONNX Runtime: npm install @daek/onnx onnxruntime-node " +
      "(browsers: onnxruntime-web, and pass onnxEngine: await import('@daek/onnx')). Or use engine: 'tfjs'.", {cause: error});
  }
  if (typeof mod.createOnnxExecutor !== 'function') throw new Error('@daek/onnx does not export createOnnxExecutor (a version mismatch?).');
  return mod as OnnxEngineModule;
}
