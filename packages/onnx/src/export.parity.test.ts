// Parity: the exported graph on onnxruntime-node against the tfjs network on wasm, fixture-style weights, every
// preset's switches (each distinct student graph is run at daek-s widths; presets with the same student are checked
// to export the same graph), full-width DAEK, both correlation modes, IFNet. Sizes are multiples of 32, not square. Tolerances: frames 1e-4, flows 1e-3 px.
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {useBackend} from '@daek/flow-ops';
import {DAEK, DAEK_PRESETS, DAEK_S_OVERRIDES, IFNet, resolveDaekConfig} from '@daek/models';
import {exportOnnx} from './export_onnx.js';
import {onnx} from './proto.js';
import {maxAbs, runOnnx, setFixtureWeights, testFrames, tfjsReference} from '../test/helpers.js';

const FRAME_TOLERANCE = 1e-4;
const FLOW_TOLERANCE = 1e-3;
const [H, W] = [64, 96];
/** Timeout of the larger cases (a few CPU seconds each; generous for a busy machine). */
const HEAVY = 600_000;

/** Presets whose student (inference) network equals another preset's: the teacher alone differs. */
const SAME_STUDENT: Record<string, string> = {
  'daek-f-da': 'daek', 'daek-ot': 'daek', 'daek-no-distill': 'daek', 'daek-rt': 'daek', 'rife-ot': 'baseline',
};

let frames: [tf.Tensor4D, tf.Tensor4D];

beforeAll(async () => {
  await useBackend('wasm');
  frames = testFrames(1, H, W);
});

afterAll(() => tf.dispose(frames));

async function parity(network: DAEK | IFNet, options: Parameters<typeof exportOnnx>[1] = {}, batch = 1) {
  const [a, b] = batch === 1 ? frames : testFrames(batch, H, W);
  try {
    const ref = tfjsReference(network, a, b, options.correlation);
    const got = await runOnnx(await exportOnnx(network, options), a, b);
    return {frame: maxAbs(got.merged, ref.merged), flow: maxAbs(got.flow, ref.flow), mask: maxAbs(got.mask, ref.mask),
      flowRange: Math.max(...Array.from(ref.flow, Math.abs))};
  } finally {
    if (batch !== 1) tf.dispose([a, b]);
  }
}

function expectWithin(d: Awaited<ReturnType<typeof parity>>): void {
  expect(d.frame).toBeLessThanOrEqual(FRAME_TOLERANCE);
  expect(d.mask).toBeLessThanOrEqual(FRAME_TOLERANCE);
  expect(d.flow).toBeLessThanOrEqual(FLOW_TOLERANCE);
  // The fixture weights move pixels: a zero flow would make the flow check vacuous.
  expect(d.flowRange).toBeGreaterThan(0.1);
}

/** Presets with a distinct student graph (daek-s has its own tests above). */
const presets = DAEK_PRESETS.map((p) => p.name).filter((name) => !(name in SAME_STUDENT) && name !== 'daek-s');
/** daek-s's widths, for testing every preset's switches cheaply. */
const narrow = {...DAEK_S_OVERRIDES};

describe('exportOnnx parity, ONNX Runtime vs tfjs-wasm', () => {
  it.each(['all-pairs', 'memory-light'] as const)('daek-s, %s correlation', async (correlation) => {
    const net = new DAEK(resolveDaekConfig('daek-s'));
    setFixtureWeights(net);
    try {
      expectWithin(await parity(net, {correlation}));
    } finally {
      net.dispose();
    }
  });

  it('daek-s, batch 2, phase-conv ConvTranspose, memory-light', async () => {
    const net = new DAEK(resolveDaekConfig('daek-s'));
    setFixtureWeights(net);
    try {
      expectWithin(await parity(net, {convTranspose: 'phase', correlation: 'memory-light'}, 2));
    } finally {
      net.dispose();
    }
  }, HEAVY);

  it('IFNet (RIFE widths)', async () => {
    const net = new IFNet();
    setFixtureWeights(net);
    try {
      expectWithin(await parity(net));
    } finally {
      net.dispose();
    }
  });

  // Every preset's switches, at daek-s widths (the widths do not change the graph's structure; full DAEK is below).
  it.each(presets)('preset %s (daek-s widths)', async (name) => {
    const net = new DAEK(resolveDaekConfig(name, narrow));
    setFixtureWeights(net);
    try {
      expectWithin(await parity(net));
    } finally {
      net.dispose();
    }
  });

  it('full-width DAEK, memory-light correlation', async () => {
    const net = new DAEK(resolveDaekConfig('daek', {teacher: 'none'}));
    setFixtureWeights(net);
    try {
      expectWithin(await parity(net, {correlation: 'memory-light'}));
    } finally {
      net.dispose();
    }
  }, HEAVY);

  it.each(Object.entries(SAME_STUDENT))('preset %s exports the same inference graph as %s', async (name, twin) => {
    const graphOf = async (preset: string) => {
      const net = new DAEK(resolveDaekConfig(preset, narrow));
      try {
        const model = onnx.ModelProto.decode(await exportOnnx(net));
        return {
          nodes: model.graph!.node!.map((n) => `${n.opType}(${n.input!.join()})`),
          weights: model.graph!.initializer!.map((t) => `${t.name}[${t.dims!.join()}]`),
        };
      } finally {
        net.dispose();
      }
    };
    expect(await graphOf(name)).toEqual(await graphOf(twin));
  });
});
