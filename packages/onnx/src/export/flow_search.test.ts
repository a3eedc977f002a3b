// flowSearchGraph() on onnxruntime-node: parity with the Python reference's refined flows (@daek/models
// test/fixtures/flow_search, refine_probe.py `refine`, one start and prior 0, or a coarse start and a prior) and with
// the tfjs engine's refinedMiddleFrame; the graph's inputs and ops by options; the checker.
import {beforeAll, describe, expect, it} from '@jest/globals';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {backwardWarp} from '@daek/flow-ops';
import {readNpy} from '@daek/testing';
import {refinedMiddleFrame, type FlowSearchOptions, type NetworkOutputs} from '@daek/models';
import {createFlowSearchSession} from '../runtime/flow_search.js';
import {checkWithOnnx, maxAbs, nchw, onnxCheckerAvailable} from '../../test/helpers.js';
import {onnx} from '../proto.js';
import {FLOW_SEARCH_INPUTS, flowSearchGraph, flowSearchInputs} from './flow_search.js';

const FIXTURE = path.resolve(import.meta.dirname, '../../../models/test/fixtures/flow_search');
const c = JSON.parse(readFileSync(path.join(FIXTURE, 'case.json'), 'utf8')) as {params: {B: number; H: number; W: number; steps: number[]; windows: number[]; prior: number}};
const {B: batch, H: height, W: width, steps} = c.params;
const size = {batch, height, width};

/** An NCHW float32 fixture array. */
function npy(name: string): Float32Array {
  const {data} = readNpy(path.join(FIXTURE, `${name}.npy`));
  return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
}

/** `[B,C,H,W]` host data -> NHWC tensor. */
function nhwc(data: Float32Array, channels: number): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(data, [batch, channels, height, width]), [0, 2, 3, 1]) as tf.Tensor4D);
}

/** Deterministic values in [0, 1) (a fixed LCG), so that the test does not depend on tfjs's random kernels. */
function pseudoRandom(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32;
  }
  return out;
}

const [img0, img1] = [npy('img0'), npy('img1')];
const plane = batch * height * width;
// A mask and a network frame for the refined frame (the fixture has only frames and flows): any values in [0, 1].
const mask = pseudoRandom(plane, 7);
const merged = pseudoRandom(plane * 3, 11);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** One parity case: the graph's options, the fixture's start flows and the reference's refined flow. */
interface ParityCase {
  label: string;
  options: FlowSearchOptions;
  /** What describeFlowSearch says for `options`. */
  description: string;
  /** The fixture array fed as `flow` (the network's full-scale flow). */
  flow: string;
  /** The fixture array fed as `coarseFlow` (the coarse pass's flow), when the graph has a coarse start. */
  coarseFlow?: string;
  /** The reference's refined flow. */
  want: string;
}

// The defaults changed (prior 0.02, coarse start 0.5): the one-start references were made with prior 0 and one start.
const cases: ParityCase[] = [
  ...c.params.windows.map((window) => ({label: `window ${window}, steps ${steps.join(', ')}, prior 0, one pass`,
    options: {steps, window, prior: 0, coarseStart: false as const},
    description: `flow search refinement (steps ${steps.join(', ')}; window ${window}; prior 0; one pass)`,
    flow: 'flow', want: `refined_w${window}`})),
  // refined_w9_starts = refine(img0, img1, flow_far, steps, 9, [flow2], prior): the coarse start's value is the
  // caller's (the scale of the second network pass); the graph takes its flow as coarseFlow.
  {label: `window 9, steps ${steps.join(', ')}, prior ${c.params.prior}, coarse start`,
    options: {steps, window: 9, prior: c.params.prior, coarseStart: 0.5},
    description: `flow search refinement (steps ${steps.join(', ')}; window 9; prior ${c.params.prior}; coarse start 0.5)`,
    flow: 'flow_far', coarseFlow: 'flow2', want: 'refined_w9_starts'},
];

describe('flowSearchGraph on onnxruntime-node', () => {
  for (const parity of cases) {
    describe(parity.label, () => {
      const flow = npy(parity.flow);
      const coarseFlow = parity.coarseFlow === undefined ? undefined : npy(parity.coarseFlow);
      let refinedFlow: Float32Array;
      let refined: Float32Array;

      beforeAll(async () => {
        const session = await createFlowSearchSession(parity.options, {runtime: 'onnxruntime-node', executionProvider: 'cpu', threads: 1});
        try {
          expect(session.description).toBe(parity.description);
          expect(session.inputs).toEqual(coarseFlow ? [...FLOW_SEARCH_INPUTS, 'coarseFlow'] : FLOW_SEARCH_INPUTS);
          const out = await session.run(img0, img1, {merged, flow, mask}, size, {withFlow: true, ...(coarseFlow ? {coarseFlow} : {})});
          refinedFlow = out.refinedFlow!;
          refined = out.refined;
        } finally {
          await session.release();
        }
      });

      it(`refinedFlow: the Python reference's refined flow (${parity.want}.npy)`, () => {
        const want = npy(parity.want);
        expect(refinedFlow.length).toBe(want.length);
        // 1e-5 px, the tfjs parity test's tolerance: where both pick the same offsets the flows are the same float32
        // sums (start flow + offsets), so they agree to float32 rounding; a pixel differs only where the argmin flips.
        const tolerance = 1e-5;
        let flipped = 0;
        for (let p = 0; p < plane; p++) {
          // NCHW: the 4 channels of pixel p are plane apart.
          if ([0, 1, 2, 3].some((k) => !(Math.abs(refinedFlow[k * plane + p]! - want[k * plane + p]!) <= tolerance))) flipped++;
        }
        // ORT's GridSample differs from torch's by ~1e-7, which can flip a near-tie of two candidates' window
        // costs (or of the two starts'): the same bound as the tfjs engine's parity test, 0.5% of the pixels (11 of
        // 2240). Measured: 0 pixels, max |diff| 0 (onnxruntime-node 1.30: windows 5 and 9 one pass, and window 9 with the
        // coarse start and prior 0.02).
        console.log(`flowSearchGraph ${parity.label}: ${flipped} of ${plane} flow pixels differ from the Python reference by more ` +
          `than ${tolerance} px; max |diff| ${maxAbs(refinedFlow, want).toExponential(2)} px`);
        expect(flipped / plane).toBeLessThanOrEqual(0.005);
      });

      it('refined: the tfjs engine\'s refinedMiddleFrame for the same inputs', async () => {
        const logit = Float32Array.from(mask, (m) => Math.log(m / (1 - m)));
        const [t0, t1, tf0, tLogit, tMerged] = [nhwc(img0, 3), nhwc(img1, 3), nhwc(flow, 4), nhwc(logit, 1), nhwc(merged, 3)];
        const tCoarse = coarseFlow ? [nhwc(coarseFlow, 4)] : [];
        // lastBlend: the blend with the unrefined flow and the same mask, as the network computes it.
        const blend = warpAndBlend(t0, t1, tf0, tLogit);
        const outputs = {flows: [tf0], blends: [blend], output: tMerged, maskLogit: tLogit, masks: [], teacher: null,
          distillTerms: null} as unknown as NetworkOutputs;
        const frame = refinedMiddleFrame(t0, t1, outputs, parity.options, tCoarse);
        const want = nchw(frame);
        tf.dispose([t0, t1, tf0, tLogit, tMerged, blend, frame, ...tCoarse]);
        // 1e-5: the warps differ by ~1e-7 and the mask by the logit round trip (~1e-7); a flipped argmin pixel would
        // differ by more, and is counted.
        let differing = 0;
        for (let i = 0; i < want.length; i++) if (!(Math.abs(refined[i]! - want[i]!) <= 1e-5)) differing++;
        console.log(`flowSearchGraph ${parity.label}: ${differing} of ${want.length} refined frame values differ from tfjs ` +
          `refinedMiddleFrame by more than 1e-5; max |diff| ${maxAbs(refined, want).toExponential(2)}`);
        expect(differing / want.length).toBeLessThanOrEqual(0.005);
      });
    });
  }

  it('the coarse start matters on the fixture: without coarseFlow the far start gives another flow', async () => {
    // Guards the case above against a graph that ignores coarseFlow: one pass from flow_far is not the reference.
    const session = await createFlowSearchSession({steps, window: 9, prior: c.params.prior, coarseStart: false},
      {runtime: 'onnxruntime-node', executionProvider: 'cpu', threads: 1});
    try {
      const {refinedFlow} = await session.run(img0, img1, {merged, flow: npy('flow_far'), mask}, size, {withFlow: true});
      expect(maxAbs(refinedFlow!, npy('refined_w9_starts'))).toBeGreaterThan(0.1);
    } finally {
      await session.release();
    }
  });
});

describe('FlowSearchSession.run: the coarse flow', () => {
  const where = {runtime: 'onnxruntime-node', executionProvider: 'cpu', threads: 1} as const;
  const network = {merged, flow: npy('flow'), mask};

  it('is required by a graph with a coarse start, and says how to make it', async () => {
    const session = await createFlowSearchSession({steps: [1], window: 1}, where);
    try {
      expect(session.inputs).toEqual(['img0', 'img1', 'flow', 'mask', 'merged', 'coarseFlow']);
      await expect(session.run(img0, img1, network, size)).rejects.toThrow(/^FlowSearchSession\.run: coarseFlow is missing: .*coarse start 0\.5\).* Pass \{coarseFlow\}: .*coarseStartFlow of @daek\/models.*coarseStart: false/);
      await expect(session.run(img0, img1, network, size, {coarseFlow: new Float32Array(7)}))
        .rejects.toThrow(/^FlowSearchSession\.run: coarseFlow must hold 8960 values \(\[1,4,40,56\], a Float32Array\), got 7/);
    } finally {
      await session.release();
    }
  });

  it('is refused by a graph without one, and says what to do', async () => {
    const session = await createFlowSearchSession({steps: [1], window: 1, coarseStart: false}, where);
    try {
      expect(session.inputs).toEqual(FLOW_SEARCH_INPUTS);
      await expect(session.run(img0, img1, network, size, {coarseFlow: npy('flow2')}))
        .rejects.toThrow(/^FlowSearchSession\.run: coarseFlow was given, but this graph .* has no coarseFlow input: .*coarseStart: false\. Drop coarseFlow, or create the session with a coarse start/);
      const out = await session.run(img0, img1, network, size, {withFlow: true});
      expect(out.refinedFlow?.length).toBe(plane * 4);
    } finally {
      await session.release();
    }
  });
});

/** The tfjs network's blend (@daek/models outputs.ts warpAndBlend): warp(a, f0)·m + warp(b, f1)·(1 − m), m = sigmoid(logit). */
function warpAndBlend(a: tf.Tensor4D, b: tf.Tensor4D, f: tf.Tensor4D, logit: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const m = tf.sigmoid(logit);
    const [f0, f1] = tf.split(f, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
    const w0 = backwardWarp(a, f0, {checkFinite: false});
    const w1 = backwardWarp(b, f1, {checkFinite: false});
    return tf.add(tf.mul(w0, m), tf.mul(w1, tf.sub(1, m))) as tf.Tensor4D;
  });
}

describe('flowSearchGraph: options, inputs and the ONNX checker', () => {
  it('refuses invalid options by name, as refineFlowBySearch', () => {
    expect(() => flowSearchGraph({window: 4})).toThrow(/^flowSearchGraph: window: expected an odd integer >= 1/);
    expect(() => flowSearchGraph({steps: [1, -1]})).toThrow(/^flowSearchGraph: steps: every step must be a positive finite number/);
    expect(() => flowSearchGraph({prior: -1})).toThrow(/^flowSearchGraph: prior: expected a finite number >= 0/);
    expect(() => flowSearchGraph({coarseStart: 1})).toThrow(/^flowSearchGraph: coarseStart: expected a scale between 0 and 1/);
    expect(() => flowSearchInputs({coarseStart: 0})).toThrow(/^flowSearchInputs: coarseStart: /);
  });

  /** The decoded graph: input names, op counts, doc string. */
  function inspect(options: FlowSearchOptions) {
    const model = onnx.ModelProto.decode(flowSearchGraph(options));
    const ops = new Map<string, number>();
    for (const node of model.graph!.node!) ops.set(node.opType!, (ops.get(node.opType!) ?? 0) + 1);
    return {inputs: model.graph!.input!.map((i) => i.name), ops, doc: model.docString};
  }

  it('has the coarseFlow input exactly with a coarse start, the prior ops only with a prior', () => {
    // Defaults: prior 0.02, coarse start 0.5.
    expect(flowSearchInputs()).toEqual([...FLOW_SEARCH_INPUTS, 'coarseFlow']);
    expect(flowSearchInputs({coarseStart: false})).toEqual(FLOW_SEARCH_INPUTS);
    const plain = inspect({steps: [1, 0.5], window: 9, prior: 0, coarseStart: false});
    const full = inspect({steps: [1, 0.5], window: 9});
    expect(plain.inputs).toEqual([...FLOW_SEARCH_INPUTS]);
    expect(full.inputs).toEqual([...flowSearchInputs({})]);
    // One pass, prior 0: 9 candidates a step, 2 steps; no ReduceMean, no start pick.
    expect(plain.ops.get('ReduceMean')).toBeUndefined();
    expect(plain.ops.get('Less')).toBe(2 * 8);
    expect(plain.ops.get('AveragePool')).toBe(2 * 9);
    // The prior: one ReduceMean per candidate; the coarse start: one more Less and two more window costs.
    expect(full.ops.get('ReduceMean')).toBe(2 * 9);
    expect(full.ops.get('Less')).toBe(2 * 8 + 1);
    expect(full.ops.get('AveragePool')).toBe(2 * 9 + 2);
    expect(inspect({steps: [1], window: 1, prior: 0.5, coarseStart: false}).ops.get('ReduceMean')).toBe(9);
    expect(plain.doc).toMatch(/^DAEK\.js flow search refinement \(steps 1, 0\.5; window 9; prior 0; one pass\), /);
    expect(full.doc).toMatch(/^DAEK\.js flow search refinement \(steps 1, 0\.5; window 9; prior 0\.02; coarse start 0\.5\), .*coarseFlow \[B,4,H,W\]/);
  });

  const available = onnxCheckerAvailable();
  (available ? it : it.skip)(`passes onnx.checker.check_model(full_check=True)${available ? '' : ' [skipped: no python3-onnx]'}`, () => {
    expect(checkWithOnnx(flowSearchGraph({steps: [1, 0.5], window: 9}))).toMatch(/^ok \S+ 8 17$/);
    expect(checkWithOnnx(flowSearchGraph({steps: [1], window: 1, prior: 0, coarseStart: false}))).toMatch(/^ok \S+ 8 17$/);
    expect(checkWithOnnx(flowSearchGraph({steps: [1], window: 1, prior: 0.1, coarseStart: false}))).toMatch(/^ok \S+ 8 17$/);
  });
});
