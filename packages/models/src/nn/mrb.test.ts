import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {createBidirCorrelation, type BidirCorrelation} from '@daek/correlation';
import {describeWithBackends, expectClose, expectNoLeaks} from '@daek/testing';
import {ParamStore} from '../params.js';
import {MRB, type MrbConfig, type MrbDebugName} from './mrb.js';
import {assignListing, caseTensor, fixtureCase, fixtureListing, modulePrefix, stats, tolerance} from '../../test/daek-fixture-units.js';

const golden = fixtureCase('mrb');
const listing = fixtureListing(golden.weights.state_dict_listing as string);
const prefix = modulePrefix(listing);
const featDown = golden.params.feat_down as number;

/** The fixture's MRB (DAEK().mrb[1]) with the formula weights; a configuration without some tensors takes the rest. */
function build(config: MrbConfig = {}): {store: ParamStore; mrb: MRB} {
  const store = new ParamStore();
  const mrb = new MRB({store, prefix}, config);
  assignListing(store, {...listing, tensors: listing.tensors.filter((t) => store.has(t.full_name))});
  return {store, mrb};
}

/** The case's inputs, NHWC, with the correlation AMT's BidirCorrBlock(fmap0, fmap1, 4 levels, radius 3) is. */
function inputs(): {flow: tf.Tensor4D; feat: tf.Tensor4D; ctx: tf.Tensor4D; corr: BidirCorrelation} {
  const read = (name: string) => caseTensor(golden, name) as tf.Tensor4D;
  const corr = createBidirCorrelation(read('fmap0'), read('fmap1'), {levels: 4, radius: 3});
  return {flow: read('flow'), feat: read('feat'), ctx: read('ctx'), corr};
}

describeWithBackends('MRB parity with the `mrb` fixture (DAEK().mrb[1], feat_down 2, spec §1.7)', () => {
  it('flow_out and feat_out within their tolerances; flow8, dflow8 and the debug statistics agree', async () => {
    const {store, mrb} = build();
    const {flow, feat, ctx, corr} = inputs();
    const seen: Partial<Record<MrbDebugName, tf.Tensor>> = {};
    const out = mrb.apply({flow, feat, corr, ctx, featDown, debug: (name, t) => { seen[name] = tf.keep(t); }});
    const flowTolerance = tolerance(golden, 'flow_out');
    await expectClose(out.flow, caseTensor(golden, 'flow_out'), flowTolerance, 'flow_out');
    await expectClose(out.feat!, caseTensor(golden, 'feat_out'), tolerance(golden, 'feat_out'), 'feat_out');
    // flow_out = flow + 8·resize(dflow8, 8): an error e at 1/8 is 8e at full resolution.
    await expectClose(seen.flow8!, caseTensor(golden, 'flow8'), flowTolerance / 8, 'flow8');
    await expectClose(seen.dflow8!, caseTensor(golden, 'dflow8'), flowTolerance / 8, 'dflow8');
    for (const [name, expected] of Object.entries(golden.debug_stats ?? {})) {
      const actual = seen[name as MrbDebugName];
      expect(actual).toBeDefined();
      const [b, c, h, w] = expected.shape;
      expect(actual!.shape).toEqual([b, h, w, c]);
      const got = await stats(actual!);
      expect(Math.abs(got.sum_abs - expected.sum_abs)).toBeLessThanOrEqual(1e-4 * expected.sum_abs);
      expect(Math.abs(got.max - expected.max)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(expected.max)));
      expect(Math.abs(got.min - expected.min)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(expected.min)));
    }
    tf.dispose(Object.values(seen));
    corr.dispose();
    store.dispose();
  });

}, {});

// Wiring checks on the same data: backend independent, so wasm only (the cpu backend takes ~50 s per MRB call here).
describeWithBackends('MRB variants on the `mrb` fixture', () => {
  it('the teacher MRB (no feat_head, A11) still reads the feature: same flow, feature returned unchanged', async () => {
    const {store, mrb} = build({featHead: false});
    const {flow, feat, ctx, corr} = inputs();
    const out = mrb.apply({flow, feat, corr, ctx, featDown});
    await expectClose(out.flow, caseTensor(golden, 'flow_out'), tolerance(golden, 'flow_out'), 'teacher flow_out');
    expect(out.feat).not.toBe(feat);
    expect(Array.from(await out.feat!.data())).toEqual(Array.from(await feat.data()));
    corr.dispose();
    store.dispose();
  });

  it('is sensitive to the CFCM softmax axis (A9-alt moves the flow far beyond the tolerance)', async () => {
    const {store, mrb} = build({softmax: 'spatial'});
    const {flow, feat, ctx, corr} = inputs();
    const out = mrb.apply({flow, feat, corr, ctx, featDown});
    const moved = tf.max(tf.abs(tf.sub(out.flow, caseTensor(golden, 'flow_out'))));
    expect((await moved.data())[0]).toBeGreaterThan(10 * tolerance(golden, 'flow_out'));
    corr.dispose();
    store.dispose();
  });
}, {only: ['wasm']});

/** A small MRB problem with random data (no fixture), `h8 = w8 = 8`. */
function smallProblem(config: MrbConfig, withFeat = true) {
  const c = {hidden: 16, flowDim: 8, corrDim: 16, corrDim2: 8, fcDim: 12, featChannels: 4, ctxChannels: 8, ...config};
  const store = new ParamStore(7);
  const mrb = new MRB({store, prefix: 'mrb.0'}, c);
  if (store.has('mrb.0.cfcm.para')) store.assignTorch('mrb.0.cfcm.para', new Float32Array([0.5]));
  const flow = tf.mul(tf.randomNormal([1, 64, 64, 4], 0, 1, 'float32', 1), 3) as tf.Tensor4D;
  const feat = withFeat && c.featChannels > 0 ? tf.randomNormal([1, 16, 16, c.featChannels], 0, 1, 'float32', 2) as tf.Tensor4D : null;
  const ctx = c.useSfa === false ? null : tf.randomNormal([1, 8, 8, c.ctxChannels], 0, 1.5, 'float32', 3) as tf.Tensor4D;
  const corr = c.useCa === false ? null : createBidirCorrelation(tf.randomNormal([1, 8, 8, 8], 0, 1, 'float32', 4) as tf.Tensor4D,
      tf.randomNormal([1, 8, 8, 8], 0, 1, 'float32', 5) as tf.Tensor4D);
  return {store, mrb, flow, feat, ctx, corr, featDown: 2};
}

describeWithBackends('MRB ablation switches (spec §4) run and keep their shapes', () => {
  const cases: [string, MrbConfig][] = [
    ['DAEK-F-DA (final)', {}],
    ['no CA (CMF = flow feature only)', {useCa: false}],
    ['no SFA (Attn = V)', {useSfa: false}],
    ['no F (featChannels 0)', {featChannels: 0}],
    ['bare (A15-alt: no F, no CA, no SFA)', {featChannels: 0, useCa: false, useSfa: false}],
    ['teacher (no feat_head)', {featHead: false}],
  ];
  for (const [label, config] of cases) {
    it(label, async () => {
      const {store, mrb, flow, feat, ctx, corr, featDown: down} = smallProblem(config);
      const out = mrb.apply({flow, feat, corr, ctx, featDown: down});
      expect(out.flow.shape).toEqual(flow.shape);
      expect(Array.from(await out.flow.data()).every(Number.isFinite)).toBe(true);
      if (feat) expect(out.feat!.shape).toEqual(feat.shape);
      else expect(out.feat).toBeNull();
      corr?.dispose();
      store.dispose();
    });
  }

  it('skipFeatHead (inference MRB_2) gives the same flow and no feature', async () => {
    const {store, mrb, flow, feat, ctx, corr, featDown: down} = smallProblem({});
    const full = mrb.apply({flow, feat, corr, ctx, featDown: down});
    const skipped = mrb.apply({flow, feat, corr, ctx, featDown: down, skipFeatHead: true});
    expect(skipped.feat).toBeNull();
    expect(Array.from(await skipped.flow.data())).toEqual(Array.from(await full.flow.data()));
    corr!.dispose();
    store.dispose();
  });

  it('does not leak (with and without a debug callback)', async () => {
    const {store, mrb, flow, feat, ctx, corr, featDown: down} = smallProblem({});
    await expectNoLeaks(() => mrb.apply({flow, feat, corr, ctx, featDown: down}));
    await expectNoLeaks(() => mrb.apply({flow, feat, corr, ctx, featDown: down, debug: () => undefined}));
    corr!.dispose();
    store.dispose();
  });
});

describe('MRB tensors and parameter counts', () => {
  it('exactly the PyTorch state-dict keys of mrb.1, in order, with its shapes and roles', () => {
    const store = new ParamStore();
    new MRB({store, prefix}, {});
    expect(store.names()).toEqual(listing.tensors.map((t) => t.full_name));
    for (const t of listing.tensors) {
      expect(store.entry(t.full_name)!.spec.torchShape).toEqual(t.shape);
      expect(store.entry(t.full_name)!.spec.role).toBe(t.kind === 'mrb_conv_weight' ? 'conv_weight' : t.kind);
    }
    expect(store.count()).toBe(listing.num_parameters);
    store.dispose();
  });

  it('matches spec §5 and the fixture table for every configuration', () => {
    const store = new ParamStore();
    new MRB({store, prefix: 'mrb.0'}, {});
    expect(store.count()).toBe(2_439_417);
    const breakdown = {'convc1.': 100_608, 'convc2.': 442_560, 'convf1.': 25_216, 'convf2.': 73_792, 'cfcm.': 241_205,
      'gru.': 774_528, 'flow_head.': 338_884, 'feat_head.': 442_624, 'cfcm.v_proj.': 48_316, 'cfcm.q_proj.': 96_444,
      'cfcm.k_proj.': 96_444, 'cfcm.para': 1};
    for (const [part, n] of Object.entries(breakdown)) expect([part, store.count(`mrb.0.${part}`)]).toEqual([part, n]);
    store.dispose();
    const count = (config: MrbConfig) => {
      const other = new ParamStore();
      new MRB({store: other, prefix: 'mrb.0'}, config);
      const n = other.count();
      other.dispose();
      return n;
    };
    // Teacher MRB (no feat_head, still reads the feature) and the ablation rows of the param_counts case.
    expect(count({featHead: false})).toBe(1_996_793);
    expect(count({useSfa: false})).toBe(2_246_528);
    expect(count({useCa: false})).toBe(1_860_153);
    expect(count({featChannels: 0})).toBe(1_886_201);
    expect(count({featChannels: 0, useCa: false, useSfa: false})).toBe(1_114_048);
  });

  it('rejects bad configurations and inputs with a message naming the fix', () => {
    const store = new ParamStore();
    expect(() => new MRB({store, prefix: 'a'}, {featChannels: 0, featHead: true})).toThrow(/featHead needs featChannels > 0/);
    expect(() => new MRB({store, prefix: 'b'}, {hidden: 0})).toThrow(/hidden/);
    expect(() => new MRB({store, prefix: 'c'}, {softmax: 'pixel' as 'channel'})).toThrow(/softmax/);
    store.dispose();
    const {store: s2, mrb, flow, feat, ctx, corr} = smallProblem({});
    expect(() => mrb.apply({flow: tf.zeros([1, 60, 64, 4]) as tf.Tensor4D, feat, corr, ctx, featDown: 2})).toThrow(/multiples of 8/);
    expect(() => mrb.apply({flow, feat, corr, ctx, featDown: 4})).toThrow(/feat must be float32 \[1,32,32,4\]/);
    expect(() => mrb.apply({flow, feat: null, corr, ctx, featDown: 2})).toThrow(/feat must be/);
    expect(() => mrb.apply({flow, feat, corr: null, ctx, featDown: 2})).toThrow(/corr must be a BidirCorrelation/);
    expect(() => mrb.apply({flow, feat, corr, ctx: null, featDown: 2})).toThrow(/ctx must be float32/);
    expect(() => mrb.apply({flow, feat, corr, ctx, featDown: 0})).toThrow(/featDown/);
    corr!.dispose();
    s2.dispose();
    const {store: s3, mrb: noCa, flow: f3, feat: ft3, ctx: c3, corr: corr3} = smallProblem({useCa: false, useSfa: false});
    const stray = createBidirCorrelation(tf.zeros([1, 8, 8, 2]) as tf.Tensor4D, tf.zeros([1, 8, 8, 2]) as tf.Tensor4D);
    expect(corr3).toBeNull();
    expect(c3).toBeNull();
    expect(() => noCa.apply({flow: f3, feat: ft3, corr: stray, ctx: null, featDown: 2})).toThrow(/useCa is false, so corr must be null/);
    expect(() => noCa.apply({flow: f3, feat: ft3, corr: null, ctx: tf.zeros([1, 8, 8, 8]) as tf.Tensor4D, featDown: 2}))
        .toThrow(/useSfa is false, so ctx must be null/);
    stray.dispose();
    s3.dispose();
  });
});

/** Differentiate a weighted sum of both outputs with respect to every trainable tensor: all finite and non-zero. */
async function expectGradientsEverywhere(store: ParamStore, run: () => {flow: tf.Tensor4D; feat: tf.Tensor4D | null}): Promise<void> {
  const {value, grads} = tf.variableGrads(() => {
    const out = run();
    return tf.add(tf.sum(tf.mul(out.flow, tf.randomNormal(out.flow.shape, 0, 1, 'float32', 8))),
        tf.sum(tf.mul(out.feat!, tf.randomNormal(out.feat!.shape, 0, 1, 'float32', 9)))) as tf.Scalar;
  }, store.trainableVariables());
  expect(Number.isFinite((await value.data())[0])).toBe(true);
  const names = new Map(store.entries().map((e) => [e.variable.name, e.spec.name]));
  expect(Object.keys(grads).length).toBe(store.trainableVariables().length);
  for (const [variableName, grad] of Object.entries(grads)) {
    const data = await grad.data();
    const name = names.get(variableName);
    expect([name, data.every(Number.isFinite)]).toEqual([name, true]);
    expect([name, data.some((v) => v !== 0)]).toEqual([name, true]);
  }
  tf.dispose([value, grads]);
}

// tfjs cpu's Conv2DBackpropFilter runs at ~0.02 GFLOP/s (shared/design/backends.md), hence the small widths
// there (the wiring is the full MRB's); wasm (conv gradients from @daek/flow-ops) also runs the full fixture MRB.
describeWithBackends('MRB gradient', (backend) => {
  it('tf.variableGrads reaches every tensor of a small MRB (Para = 0.5): finite and non-zero', async () => {
    const {store, mrb, flow, feat, ctx, corr, featDown: down} = smallProblem({});
    await expectGradientsEverywhere(store, () => mrb.apply({flow, feat, corr, ctx, featDown: down}));
    corr!.dispose();
    store.dispose();
  });

  if (backend === 'wasm') {
    it('tf.variableGrads through the full fixture MRB: finite and non-zero everywhere', async () => {
      const {store, mrb} = build();
      const {flow, feat, ctx, corr} = inputs();
      await expectGradientsEverywhere(store, () => mrb.apply({flow, feat, corr, ctx, featDown}));
      corr.dispose();
      store.dispose();
    });
  }
}, {only: ['cpu', 'wasm']});
