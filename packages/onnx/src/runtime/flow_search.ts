// The flow search refinement on ONNX Runtime: flowSearchGraph() in a session of its own, run on a network
// session's outputs (flow, mask, merged) with the same runtime, execution provider and threads.
import {describeFlowSearch, resolveFlowSearchOptions, type FlowSearchOptions, type ResolvedFlowSearchOptions} from '@daek/models';
import {flowSearchGraph, FLOW_SEARCH_OUTPUTS} from '../export/flow_search.js';
import {isOutOfMemory, OnnxModelError, OnnxOutOfMemoryError} from './errors.js';
import {loadRuntime, ortSessionOptions, type OnnxExecutionProvider, type OnnxRuntimeName, type OnnxRunOutputs, type OrtSession}
  from './session.js';

/** Where a {@link FlowSearchSession} runs: take them from the network's {@link OnnxSession}. */
export interface FlowSearchSessionOptions {
  /** The runtime package (the network session's `runtime`). */
  runtime: OnnxRuntimeName;
  /** The execution provider (the network session's `executionProvider`). */
  executionProvider: OnnxExecutionProvider;
  /** Intra-op threads (the network session's `threads`). */
  threads: number;
  /** onnxruntime-node: keep ONNX Runtime's memory arena (default true); off for the engine's low-memory frames. */
  memoryArena?: boolean;
}

/** What a {@link FlowSearchSession} returns, NCHW float32. */
export interface FlowSearchOutputs {
  /** `[B,3,H,W]` refined frame. */
  refined: Float32Array;
  /** `[B,4,H,W]` searched flow; only when asked for (`withFlow`). */
  refinedFlow?: Float32Array;
}

/** The flow search graph loaded in ONNX Runtime. */
export interface FlowSearchSession {
  /** The search settings in force. */
  readonly search: ResolvedFlowSearchOptions;
  /** One line for logs: `describeFlowSearch` of @daek/models, as the tfjs engine words it. */
  readonly description: string;
  /**
   * Refine one network run: `img0`, `img1` `[B,3,H,W]` (the frames the network saw) and the network's outputs for
   * them. With `withFlow`, the searched flow comes back too (tests; the engine fetches the frame only).
   */
  run(img0: Float32Array, img1: Float32Array, network: OnnxRunOutputs, size: {batch: number; height: number; width: number},
    withFlow?: boolean): Promise<FlowSearchOutputs>;
  /** Release the session. */
  release(): Promise<void>;
}

/**
 * Build {@link flowSearchGraph} for `options` and load it into ONNX Runtime with the network session's runtime,
 * provider and threads.
 *
 * @throws Error naming the option when `options` is invalid; {@link OnnxModelError} when ONNX Runtime cannot load the
 * graph; {@link OnnxOutOfMemoryError} when a run exhausts memory.
 */
export async function createFlowSearchSession(options: FlowSearchOptions, where: FlowSearchSessionOptions): Promise<FlowSearchSession> {
  const search = resolveFlowSearchOptions(options, 'createFlowSearchSession');
  const bytes = flowSearchGraph(search);
  const ort = await loadRuntime(where.runtime);
  let session: OrtSession;
  try {
    session = await ort.InferenceSession.create(bytes, ortSessionOptions(where.runtime, where.executionProvider, where.threads,
      where.memoryArena ?? true));
  } catch (error) {
    if (isOutOfMemory(error)) throw new OnnxOutOfMemoryError({batch: 0, height: 0, width: 0}, error);
    throw new OnnxModelError('corrupt', `ONNX Runtime could not load the flow search graph (${describeFlowSearch(search)}) on ` +
      `${where.runtime} ${where.executionProvider}: ${(error as Error).message}`, {cause: error});
  }
  let released = false;
  return {
    search,
    description: describeFlowSearch(search),
    async run(img0, img1, network, size, withFlow = false) {
      if (released) throw new Error('FlowSearchSession.run: the session was released.');
      const {batch, height, width} = size;
      const expect = (name: string, data: Float32Array, channels: number) => {
        const count = batch * channels * height * width;
        if (data.length !== count) {
          throw new Error(`FlowSearchSession.run: ${name} must hold ${count} values ([${[batch, channels, height, width]}]), ` +
            `got ${data.length}; pass the frames the network ran on and that run's outputs.`);
        }
        return new ort.Tensor('float32', data, [batch, channels, height, width]);
      };
      const feeds = {img0: expect('img0', img0, 3), img1: expect('img1', img1, 3), flow: expect('flow', network.flow, 4),
        mask: expect('mask', network.mask, 1), merged: expect('merged', network.merged, 3)};
      let out;
      try {
        out = await session.run(feeds, withFlow ? FLOW_SEARCH_OUTPUTS : [FLOW_SEARCH_OUTPUTS[0]]);
      } catch (error) {
        if (isOutOfMemory(error)) throw new OnnxOutOfMemoryError(size, error);
        throw error;
      }
      return {refined: out.refined!.data as Float32Array, ...(withFlow ? {refinedFlow: out.refinedFlow!.data as Float32Array} : {})};
    },
    async release() {
      if (released) return;
      released = true;
      await session.release();
    },
  };
}
