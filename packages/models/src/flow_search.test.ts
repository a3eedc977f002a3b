// Flow search refinement (a test-time extension, not in the DAEK paper): tf.avgPool's border count, parity with
// the Python reference (test/fixtures/flow_search, scripts/flow_search_fixture.py), exact cases, errors and leaks.
import {describe, expect, it} from '@jest/globals';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectClose, expectNoLeaks, npyNHWC} from '@daek/testing';
import {DEFAULT_FLOW_SEARCH, describeFlowSearch, refinedMiddleFrame, refineFlowBySearch, resolveFlowSearchOptions} from './flow_search.js';
import type {NetworkOutputs} from './outputs.js';

const FIXTURE = path.resolve(import.meta.dirname, '../test/fixtures/flow_search');
const fixture = (name: string) => npyNHWC(path.join(FIXTURE, `${name}.npy`));

/** A smooth analytic texture sampled at (x + sx, y + sy), `[1,H,W,3]` in [0.1, 0.9]: no border artefacts when shifted. */
function texture(h: number, w: number, sx = 0, sy = 0): tf.Tensor4D {
  return tf.tidy(() => {
    const y = tf.range(0, h).reshape([h, 1, 1]).add(sy);
    const x = tf.range(0, w).reshape([1, w, 1]).add(sx);
    const r = tf.sin(x.mul(0.31)).mul(tf.cos(y.mul(0.23)));
    const g = tf.cos(x.mul(0.19).add(y.mul(0.29)));
    const b = tf.sin(y.mul(0.37).sub(x.mul(0.13)));
    return tf.concat([r, g, b].map((c) => c.broadcastTo([h, w, 1])), 2).mul(0.4).add(0.5).expandDims(0) as tf.Tensor4D;
  });
}

/** `[1,H,W,4]` filled with one flow pair. */
const constantFlow = (h: number, w: number, pair: number[]) => tf.tidy(() => tf.tensor1d(pair).reshape([1, 1, 1, 4]).tile([1, h, w, 1]) as tf.Tensor4D);

/** The `[y0,y1) x [x0,x1)` inside of a `[1,H,W,C]` tensor. */
const inside = (t: tf.Tensor4D, margin: number) => t.slice([0, margin, margin, 0], [1, t.shape[1] - 2 * margin, t.shape[2] - 2 * margin, -1]);

describeWithBackends('flow search: the window average', () => {
  it("tf.avgPool 'same' counts only pixels inside the image, as avg_pool2d(count_include_pad=False)", async () => {
    const [h, w, k] = [7, 9, 5];
    const values = Array.from({length: h * w}, (_, i) => ((i * 37) % 11) / 7);
    const pooled = await tf.avgPool(tf.tensor4d(values, [1, h, w, 1]), k, 1, 'same').data();
    const expected: number[] = [];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let [sum, count] = [0, 0];
        for (let v = Math.max(0, y - 2); v <= Math.min(h - 1, y + 2); v++) {
          for (let u = Math.max(0, x - 2); u <= Math.min(w - 1, x + 2); u++) { sum += values[v * w + u]!; count++; }
        }
        expected.push(sum / count);
      }
    }
    await expectClose(pooled, expected, 1e-6, 'box mean');
  });
});

describeWithBackends('refineFlowBySearch: parity with the Python reference (refine_probe.py)', () => {
  const c = JSON.parse(readFileSync(path.join(FIXTURE, 'case.json'), 'utf8')) as {params: {steps: number[]; windows: number[]; prior: number}};
  const cases = [
    ...c.params.windows.map((window) => ({name: `window ${window}, steps ${c.params.steps.join(', ')}, one start, no prior`,
      run: () => refineFlowBySearch(fixture('img0'), fixture('img1'), fixture('flow'), {steps: c.params.steps, window, prior: 0}),
      want: `refined_w${window}`})),
    {name: `window 9, two starts (flow_far, flow2), prior ${c.params.prior}`, want: 'refined_w9_starts',
      run: () => refineFlowBySearch(fixture('img0'), fixture('img1'), fixture('flow_far'), {steps: c.params.steps, window: 9,
        prior: c.params.prior}, [fixture('flow2')])},
  ];

  for (const {name, run, want: wanted} of cases) {
    it(name, async () => {
      const refined = run();
      const [got, want] = [await refined.data(), await fixture(wanted).data()];
      expect(got.length).toBe(want.length);
      // 1e-5 px: where both pick the same offsets the flows are the same float32 sums; only warps differ (~1e-6).
      const tolerance = 1e-5;
      let flipped = 0;
      for (let i = 0; i < got.length; i += 4) {
        if ([0, 1, 2, 3].some((k) => !(Math.abs(got[i + k]! - want[i + k]!) <= tolerance))) flipped++;
      }
      // An argmin can flip where two candidates' window costs tie to float32 rounding (the warps differ by ~1e-6):
      // allow 0.5% of the pixels (11 of 2240). Measured: 0.
      expect(flipped / (got.length / 4)).toBeLessThanOrEqual(0.005);
    });
  }
});

describeWithBackends('refineFlowBySearch: exact cases', () => {
  it('identical frames and a zero start flow give the zero flow back', async () => {
    const frame = texture(32, 40);
    const refined = refineFlowBySearch(frame, frame, tf.zeros([1, 32, 40, 4]) as tf.Tensor4D);
    expect(Array.from(await refined.abs().max().data())).toEqual([0]);
  });

  it('an integer translation with a start flow 1 px off is corrected to the true shift', async () => {
    const [h, w, sx, sy] = [40, 48, 2, -1];
    // frame0 = T(p + s), frame1 = T(p - s): the middle is T(p), so the true pair is (-s, +s).
    const [img0, img1] = [texture(h, w, sx, sy), texture(h, w, -sx, -sy)];
    const start = constantFlow(h, w, [-sx + 1, -sy - 1, sx - 1, sy + 1]);
    const refined = refineFlowBySearch(img0, img1, start, {window: 5});
    // Away from the border, where the clamped warp does not reach into the windows, the texture pins the shift.
    const truth = constantFlow(h, w, [-sx, -sy, sx, sy]);
    await expectClose(inside(refined, 8), inside(truth, 8), 0, 'refined flow');
  });

  it('a second start flow is taken where it matches better, beyond the reach of the grid', async () => {
    const [h, w, sx, sy] = [40, 48, 2, -1];
    const [img0, img1] = [texture(h, w, sx, sy), texture(h, w, -sx, -sy)];
    const truth = constantFlow(h, w, [-sx, -sy, sx, sy]);
    // 5 px off in x and 3 in y: the grid (1 + 0.5 + 0.25 px) cannot get back from there on its own.
    const far = constantFlow(h, w, [-sx + 5, -sy + 3, sx - 5, sy - 3]);
    const near = constantFlow(h, w, [-sx + 0.25, -sy, sx - 0.25, sy]);
    const alone = refineFlowBySearch(img0, img1, far, {window: 5, prior: 0});
    expect((await tf.max(tf.abs(tf.sub(inside(alone, 8), inside(truth, 8)))).data())[0]!).toBeGreaterThan(1);
    for (const prior of [0, 0.02]) {
      await expectClose(inside(refineFlowBySearch(img0, img1, far, {window: 5, prior}, [near]), 8), inside(truth, 8), 0, `prior ${prior}`);
    }
  });

  it('the prior keeps the start where the match is flat', async () => {
    // Identical flat frames: every candidate costs 0, so only the prior decides, and it keeps the start.
    const flat = tf.fill([1, 16, 16, 3], 0.5) as tf.Tensor4D;
    const start = constantFlow(16, 16, [0.3, -0.2, -0.3, 0.2]);
    await expectClose(refineFlowBySearch(flat, flat, start, {window: 3, prior: 0.02}), start, 0, 'kept');
  });

  it('refinedMiddleFrame: the network\'s mask and residual over the searched flow of the last stage', async () => {
    const [h, w, sx] = [40, 48, 2];
    const [img0, img1, middle] = [texture(h, w, sx), texture(h, w, -sx), texture(h, w)];
    const last = constantFlow(h, w, [-sx + 1, 0, sx - 1, 0]);
    const maskLogit = tf.randomNormal([1, h, w, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const blend = tf.randomUniform([1, h, w, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const output = tf.randomUniform([1, h, w, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const outputs = {flows: [constantFlow(h, w, [9, 9, 9, 9]), last], blends: [output, blend], masks: [], output, maskLogit,
      teacher: null, distillTerms: null} as unknown as NetworkOutputs;
    const frame = refinedMiddleFrame(img0, img1, outputs, {window: 5});
    // Inside, both frames warp exactly onto the middle, so the frame is clamp(middle + output - blend).
    const expected = tf.clipByValue(tf.add(middle, tf.sub(output, blend)), 0, 1) as tf.Tensor4D;
    await expectClose(inside(frame, 8), inside(expected, 8), 1e-5, 'refined frame');
    expect(frame.shape).toEqual([1, h, w, 3]);
  });

  it('leaks nothing, also when it throws', async () => {
    const [img0, img1] = [texture(24, 32, 1), texture(24, 32, -1)];
    const flow = constantFlow(24, 32, [0.5, 0, -0.5, 0]);
    await expectNoLeaks(() => refineFlowBySearch(img0, img1, flow, {steps: [1, 0.5], window: 3}));
    const other = constantFlow(24, 32, [1, 0, -1, 0]);
    await expectNoLeaks(() => refineFlowBySearch(img0, img1, flow, {steps: [1], window: 3}, [other]), 1);
    const outputs = {flows: [flow], blends: [img0], output: img1, maskLogit: tf.zeros([1, 24, 32, 1]), masks: [], teacher: null,
      distillTerms: null} as unknown as NetworkOutputs;
    await expectNoLeaks(() => refinedMiddleFrame(img0, img1, outputs));
    const before = tf.memory().numTensors;
    expect(() => refineFlowBySearch(img0, img1, flow.slice([0, 0, 0, 0], [-1, -1, -1, 2]) as tf.Tensor4D)).toThrow(/flow/);
    expect(tf.memory().numTensors).toBe(before + 1); // only the slice made for the call
  });
});

describe('flow search options and shapes', () => {
  const [img, flow] = [tf.zeros([1, 8, 8, 3]) as tf.Tensor4D, tf.zeros([1, 8, 8, 4]) as tf.Tensor4D];

  it('fills in the defaults: steps 1, 0.5, 0.25 and window 13', () => {
    expect(resolveFlowSearchOptions()).toEqual({steps: [1, 0.5, 0.25], window: 13, prior: 0.02, coarseStart: 0.5});
    expect(resolveFlowSearchOptions({window: 3, coarseStart: false, prior: 0})).toEqual({steps: [...DEFAULT_FLOW_SEARCH.steps], window: 3,
      prior: 0, coarseStart: false});
    expect(describeFlowSearch(resolveFlowSearchOptions())).toBe('flow search refinement (steps 1, 0.5, 0.25; window 13; prior 0.02; ' +
      'coarse start 0.5)');
    expect(describeFlowSearch(resolveFlowSearchOptions({coarseStart: false}))).toMatch(/; prior 0\.02; one pass\)$/);
  });

  it('names the problem and the fix', () => {
    const bad: [unknown, RegExp][] = [
      [{window: 4}, /window: expected an odd integer >= 1 .*such as 13; got 4/],
      [{window: 0}, /window: expected an odd integer >= 1/],
      [{window: 2.5}, /window: expected an odd integer >= 1/],
      [{window: '9'}, /window: expected an odd integer >= 1/],
      [{steps: []}, /steps: expected a non-empty array .*such as \[1, 0.5, 0.25\]; got \[\]/],
      [{steps: 1}, /steps: expected a non-empty array/],
      [{steps: [1, 0]}, /every step must be a positive finite number of pixels; got 0 in \[1, 0\]/],
      [{steps: [-1]}, /positive finite.*got -1/],
      [{steps: [NaN]}, /positive finite.*got NaN/],
      [{steps: [Infinity]}, /positive finite.*got Infinity/],
      [null, /expected an options object such as \{steps/],
      [{prior: -0.1}, /prior: expected a finite number >= 0 .*got -0.1/],
      [{prior: NaN}, /prior: expected a finite number >= 0/],
      [{coarseStart: 1}, /coarseStart: expected a scale between 0 and 1 \(exclusive\).*or false for one pass; got 1/],
      [{coarseStart: 0}, /coarseStart: .*got 0/],
      [{coarseStart: true}, /coarseStart: .*got true/],
    ];
    for (const [options, message] of bad) {
      expect(() => refineFlowBySearch(img, img, flow, options as object)).toThrow(message);
    }
    expect(() => resolveFlowSearchOptions({window: 4}, 'createInterpolator: refine')).toThrow(/^createInterpolator: refine: window/);
  });

  it('checks the shapes', () => {
    expect(() => refineFlowBySearch(img, tf.zeros([1, 8, 9, 3]) as tf.Tensor4D, flow)).toThrow(/img0 \[1,8,8,3\] and img1 \[1,8,9,3\] differ/);
    expect(() => refineFlowBySearch(img, img, tf.zeros([1, 8, 8, 2]) as tf.Tensor4D)).toThrow(/flow: expected \[1,8,8,4\].*got \[1,8,8,2\]/);
    expect(() => refineFlowBySearch(img, img, tf.zeros([8, 8, 4]) as unknown as tf.Tensor4D)).toThrow(/flow: expected a rank-4 NHWC tensor/);
    expect(() => refineFlowBySearch(img, img, flow, {}, [tf.zeros([1, 4, 4, 4]) as tf.Tensor4D]))
      .toThrow(/otherStarts\[0\]: expected a \[1,8,8,4\] flow like flow .*coarseStartFlow.*got shape \[1,4,4,4\]/);
    const none = {flows: [], blends: []} as unknown as NetworkOutputs;
    expect(() => refinedMiddleFrame(img, img, none)).toThrow(/outputs hold no flows or blends/);
  });
});
