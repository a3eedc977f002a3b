// The flow search refinement on ONNX Runtime: flowSearchGraph() in a session of its own, run on a network
// session's outputs (flow, mask, merged), and with a coarse start on the flow of a second network run on the frames
// scaled down, with the same runtime, execution provider and threads.
import {describeFlowSearch, resolveFlowSearchOptions, type FlowSearchOptions, type ResolvedFlowSearchOptions} from '@daek/models';
import {flowSearchGraph, flowSearchInputs, FLOW_SEARCH_COARSE_INPUT, FLOW_SEARCH_OUTPUTS, type FlowSearchInputName} from '../export/flow_search.js';
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

/** Extra inputs and outputs of {@link FlowSearchSession.run}. */
export interface FlowSearchRunOptions {
  /**
   * `[B,4,H,W]` NCHW: the network's last flow for the frames scaled by the session's `coarseStart`, brought to full
   * size (`coarseStartFlow` of @daek/models). Required when the session has a coarse start (`coarseStart` a number),
   * refused when it has none.
   */
  coarseFlow?: Float32Array;
  /** Fetch the searched flow too (tests; the engine fetches the frame only). Default false. */
  withFlow?: boolean;
}

/** The flow search graph loaded in ONNX Runtime. */
export interface FlowSearchSession {
  /** The search settings in force. */
  readonly search: ResolvedFlowSearchOptions;
  /**
   * The graph's input names ({@link flowSearchInputs}): `coarseFlow` is among them, and {@link FlowSearchSession.run} needs
   * `options.coarseFlow`, exactly when `search.coarseStart` is a number.
   */
  readonly inputs: readonly FlowSearchInputName[];
  /** One line for logs: `describeFlowSearch` of @daek/models, as the tfjs engine words it. */
  readonly description: string;
  /**
   * Refine one network run: `img0`, `img1` `[B,3,H,W]` (the frames the network saw) and the network's outputs for
   * them; with a coarse start, `options.coarseFlow` too.
   *
   * @throws Error naming the input and the fix when an input has the wrong size, or `coarseFlow` is missing for a
   * session with a coarse start or given to one without; {@link OnnxOutOfMemoryError} when the run exhausts memory.
   */
  run(img0: Float32Array, img1: Float32Array, network: OnnxRunOutputs, size: {batch: number; height: number; width: number},
    options?: FlowSearchRunOptions): Promise<FlowSearchOutputs>;
  /** Release the session. */
  release(): Promise<void>;
}

/**
 * Build {@link flowSearchGraph} for `options` and load it into ONNX Runtime with the network session's runtime,
 * provider and threads. With a coarse start (the resolved `coarseStart` a number, the default) every run needs the
 * coarse flow; the caller runs that second network pass (`sessionExecutor` does).
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
  const inputs = flowSearchInputs(search);
  const coarse = search.coarseStart !== false;
  return {
    search,
    inputs,
    description: describeFlowSearch(search),
    async run(img0, img1, network, size, options = {}) {
      if (released) throw new Error('FlowSearchSession.run: the session was released.');
      const {coarseFlow, withFlow = false} = options;
      if (coarse && coarseFlow === undefined) {
        throw new Error(`FlowSearchSession.run: coarseFlow is missing: this graph (${describeFlowSearch(search)}) starts ` +
          `each pixel from the better of the network's flow and the coarse pass's. Pass {coarseFlow}: the network's flow ` +
          `for the frames scaled by ${search.coarseStart}, brought to full size (coarseStartFlow of @daek/models), ` +
          '[B,4,H,W] NCHW; or create the session with coarseStart: false for one pass.');
      }
      if (!coarse && coarseFlow !== undefined) {
        throw new Error(`FlowSearchSession.run: coarseFlow was given, but this graph (${describeFlowSearch(search)}) has no ` +
          `${FLOW_SEARCH_COARSE_INPUT} input: it was created with coarseStart: false. Drop coarseFlow, or create the ` +
          'session with a coarse start (coarseStart: 0.5, the default).');
      }
      const {batch, height, width} = size;
      const expect = (name: string, data: Float32Array, channels: number) => {
        const count = batch * channels * height * width;
        if (!(data instanceof Float32Array) || data.length !== count) {
          throw new Error(`FlowSearchSession.run: ${name} must hold ${count} values ([${[batch, channels, height, width]}], ` +
            `a Float32Array), got ${data instanceof Float32Array ? data.length : String(data)}; ` +
            'pass the frames the network ran on and that run\'s outputs.');
        }
        return new ort.Tensor('float32', data, [batch, channels, height, width]);
      };
      const feeds = {img0: expect('img0', img0, 3), img1: expect('img1', img1, 3), flow: expect('flow', network.flow, 4),
        mask: expect('mask', network.mask, 1), merged: expect('merged', network.merged, 3),
        ...(coarseFlow === undefined ? {} : {[FLOW_SEARCH_COARSE_INPUT]: expect(FLOW_SEARCH_COARSE_INPUT, coarseFlow, 4)})};
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
