import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectClose, expectNoLeaks} from '@daek/testing';
import {distillLoss, errorMask} from './distill-loss.js';
import {manifest, nhwc, stageTwoBlend} from '../test/fixture-data.js';

const value = async (x: tf.Tensor) => (await x.data())[0]!;
const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

/** A small random problem; `grid` = [B,H,W]. */
function problem(grid: [number, number, number] = [2, 5, 6], seed = 1) {
  const flow = (s: number) => tf.randomNormal([...grid, 4], 0, 2, 'float32', seed * 100 + s) as tf.Tensor4D;
  const image = (s: number) => tf.randomUniform([...grid, 3], 0, 1, 'float32', seed * 100 + s) as tf.Tensor4D;
  return {
    teacherFlow: flow(1), studentFlows: [flow(2), flow(3), flow(4)], blends: [image(5), image(6), image(7)],
    teacherMerged: image(8), gt: image(9),
  };
}

describeWithBackends('distillLoss, RIFE form, parity with IFNet\'s loss_distill (fixture `ifnet`)', () => {
  it('from the stored flows and blends (stage-2 blend rebuilt before the Unet), within 1e-3 relative', async () => {
    const {ifnet} = manifest();
    const dir = 'parity/ifnet';
    const blend2 = stageTwoBlend(nhwc(`${dir}/img0`), nhwc(`${dir}/img1`), nhwc(`${dir}/flow2`), nhwc(`${dir}/mask`));
    const {stages, total} = distillLoss({
      teacherFlow: nhwc(`${dir}/flow_teacher`),
      studentFlows: [nhwc(`${dir}/flow0`), nhwc(`${dir}/flow1`), nhwc(`${dir}/flow2`)],
      blends: [nhwc(`${dir}/merged0`), nhwc(`${dir}/merged1`), blend2],
      teacherMerged: nhwc(`${dir}/merged_teacher`), gt: nhwc(`${dir}/gt`),
    }, {form: 'rife-l2'});
    const loss = await value(total);
    const expected = ifnet.scalar_outputs.loss_distill;
    const parts = await Promise.all(stages.map(value));
    expect(parts.reduce((a, b) => a + b)).toBeCloseTo(loss, 6);
    if (!(relative(loss, expected) <= ifnet.tolerance_rel_loss_distill)) {
      throw new Error(`loss_distill ${loss} (stages ${parts}) vs RIFE ${expected}: relative ${relative(loss, expected)}`);
    }
  });
});

describeWithBackends('DAEK losses on the `daek_train` fixture (what is stored; the full check needs @daek/models)', () => {
  const dir = 'daek/daek_train';

  it('L_rec = lapLoss(merged2, gt) and L_rec_tea = lapLoss(merged_teacher, gt) within 1e-5 relative', async () => {
    const {daek_train: train} = manifest();
    const {lapLoss} = await import('./laplacian.js');
    const gt = nhwc(`${dir}/gt`);
    const rec = await value(lapLoss(nhwc(`${dir}/merged2`), gt));
    const recTeacher = await value(lapLoss(nhwc(`${dir}/merged_teacher`), gt));
    expect(relative(rec, train.scalar_outputs.L_rec)).toBeLessThanOrEqual(train.suggested_tolerance_rel_scalars.L_rec!);
    expect(relative(recTeacher, train.scalar_outputs.L_rec_tea)).toBeLessThanOrEqual(train.suggested_tolerance_rel_scalars.L_rec_tea!);
  });

  it('the rebuilt stage-2 blend matches blend2_before_unet\'s checksums, and L_dis_stage2 (l1) within 1e-2 relative', async () => {
    const {daek_train: train} = manifest();
    const blend2 = stageTwoBlend(nhwc('daek/daek_student/img0'), nhwc('daek/daek_student/img1'), nhwc(`${dir}/flow2`),
        nhwc(`${dir}/mask`));
    const stats = train.checksum_outputs.blend2_before_unet;
    const values = await blend2.data();
    let sum = 0, sumAbs = 0;
    for (const v of values) { sum += v; sumAbs += Math.abs(v); }
    expect(relative(sumAbs, stats.sum_abs)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(sum - stats.sum)).toBeLessThanOrEqual(train.suggested_tolerance_abs.merged2 * Math.sqrt(values.length));

    // Only stage 2 can be checked here: flow0/flow1 and their blends are stored as checksums only.
    const {stages} = distillLoss({
      teacherFlow: nhwc(`${dir}/flow_teacher`), studentFlows: [nhwc(`${dir}/flow2`)], blends: [blend2],
      teacherMerged: nhwc(`${dir}/merged_teacher`), gt: nhwc(`${dir}/gt`),
    });
    const stage2 = await value(stages[0]!);
    expect(relative(stage2, train.scalar_outputs.L_dis_stage2)).toBeLessThanOrEqual(train.suggested_tolerance_rel_scalars.L_dis_stage2!);
  });
});

describeWithBackends('distillLoss semantics', () => {
  it('per stage: mean over pixels of mean_c|Δ| (or sqrt(mean_c Δ²)) times the mask; total = Σ stages', async () => {
    const input = problem();
    const threshold = 0.05;
    for (const form of ['l1', 'rife-l2'] as const) {
      const {stages, total} = distillLoss(input, {form, threshold});
      const tf0 = await input.teacherFlow.data();
      const gt = await input.gt.data();
      const tm = await input.teacherMerged.data();
      let sum = 0;
      for (let k = 0; k < 3; k++) {
        const flow = await input.studentFlows[k]!.data();
        const blend = await input.blends[k]!.data();
        let term = 0;
        const pixels = gt.length / 3;
        for (let p = 0; p < pixels; p++) {
          let studentError = 0, teacherError = 0, l1 = 0, l2 = 0;
          for (let c = 0; c < 3; c++) {
            studentError += Math.abs(blend[p * 3 + c]! - gt[p * 3 + c]!) / 3;
            teacherError += Math.abs(tm[p * 3 + c]! - gt[p * 3 + c]!) / 3;
          }
          for (let c = 0; c < 4; c++) {
            const d = tf0[p * 4 + c]! - flow[p * 4 + c]!;
            l1 += Math.abs(d) / 4;
            l2 += d * d / 4;
          }
          if (studentError > teacherError + threshold) term += (form === 'l1' ? l1 : Math.sqrt(l2)) / pixels;
        }
        expect(await value(stages[k]!)).toBeCloseTo(term, 5);
        sum += term;
      }
      expect(await value(total)).toBeCloseTo(sum, 5);
    }
  });

  it('errorMask is 1 exactly where the stage blend is worse than the teacher\'s by more than the threshold', async () => {
    const gt = tf.zeros([1, 1, 3, 3]) as tf.Tensor4D;
    const teacher = tf.fill([1, 1, 3, 3], 0.1) as tf.Tensor4D;
    const blend = tf.tensor4d([0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.105, 0.105, 0.105], [1, 1, 3, 3]);
    expect(Array.from(await errorMask(blend, teacher, gt, 0.01).data())).toEqual([0, 1, 0]);
    expect(Array.from(await errorMask(blend, teacher, gt, -0.001).data())).toEqual([1, 1, 1]);
  });

  it('gradient reaches only the student flows: −sign(Δ)·M/(4·B·H·W) (l1), zero for teacher, blends and frames', async () => {
    const input = problem([1, 4, 5], 2);
    const f = (teacherFlow: tf.Tensor, flow0: tf.Tensor, blend0: tf.Tensor, teacherMerged: tf.Tensor, gt: tf.Tensor) =>
      distillLoss({
        ...input, teacherFlow: teacherFlow as tf.Tensor4D, studentFlows: [flow0 as tf.Tensor4D, ...input.studentFlows.slice(1)],
        blends: [blend0 as tf.Tensor4D, ...input.blends.slice(1)], teacherMerged: teacherMerged as tf.Tensor4D, gt: gt as tf.Tensor4D,
      }).total;
    const grads = tf.grads(f)([input.teacherFlow, input.studentFlows[0]!, input.blends[0]!, input.teacherMerged, input.gt]);
    for (const i of [0, 2, 3, 4]) expect(await value(tf.abs(grads[i]!).max())).toBe(0);
    const mask = errorMask(input.blends[0]!, input.teacherMerged, input.gt);
    const expected = tf.div(tf.mul(tf.neg(tf.sign(tf.sub(input.teacherFlow, input.studentFlows[0]!))), mask), 4 * 20);
    await expectClose(grads[1]!, expected, 1e-9, 'd L_dis / d flow0');
    expect(await value(mask.sum())).toBeGreaterThan(0);
  });

  it('RIFE form: gradient matches finite differences, and is 0 (not NaN) where the flows coincide', async () => {
    const input = problem([1, 3, 4], 3);
    const options = {form: 'rife-l2' as const, threshold: -1};   // every pixel masked in
    const loss = (flow: tf.Tensor) => distillLoss({...input, studentFlows: [flow as tf.Tensor4D]  , blends: [input.blends[0]!]}, options).total;
    const grad = await tf.grad(loss)(input.studentFlows[0]!).data();
    const base = await input.studentFlows[0]!.data();
    const eps = 1e-2;
    for (const index of [0, 7, 19, 33, 47]) {
      const plus = Float32Array.from(base), minus = Float32Array.from(base);
      plus[index]! += eps;
      minus[index]! -= eps;
      const numeric = (await value(loss(tf.tensor4d(plus, [1, 3, 4, 4]))) - await value(loss(tf.tensor4d(minus, [1, 3, 4, 4])))) / (2 * eps);
      expect(Math.abs(numeric - grad[index]!)).toBeLessThanOrEqual(2e-3 * Math.max(1, Math.abs(numeric)));
    }
    const same = await tf.grad(loss)(input.teacherFlow).data();
    expect(Array.from(same).every((g) => g === 0)).toBe(true);
  });

  it('trains a variable through both the flow and the masked blend without a missing-gradient error', async () => {
    const input = problem([1, 4, 4], 4);
    const scale = tf.variable(tf.scalar(1.5), true, `distill-scale-${Math.random()}`);
    const {value: loss, grads} = tf.variableGrads(() => distillLoss({
      ...input,
      studentFlows: input.studentFlows.map((flow) => tf.mul(flow, scale) as tf.Tensor4D),
      blends: input.blends.map((blend) => tf.mul(blend, scale) as tf.Tensor4D),
    }, {threshold: -1}).total, [scale]);
    expect(Number.isFinite(await value(loss))).toBe(true);
    expect(Number.isFinite(await value(grads[scale.name]!))).toBe(true);
    scale.dispose();
  });

  it('does not leak (loss, mask, gradient)', async () => {
    const input = problem();
    await expectNoLeaks(() => distillLoss(input));
    await expectNoLeaks(() => distillLoss(input, {form: 'rife-l2'}));
    await expectNoLeaks(() => distillLoss({...input, studentFlows: [input.studentFlows[0]!], blends: [input.blends[0]!]}));
    await expectNoLeaks(() => errorMask(input.blends[0]!, input.teacherMerged, input.gt));
    await expectNoLeaks(() => tf.grad((flow: tf.Tensor) => distillLoss({...input, studentFlows: [flow as tf.Tensor4D],
      blends: [input.blends[0]!]}).total)(input.studentFlows[0]!));
  });
});

describe('distillLoss input checks', () => {
  it('name the problem and the fix', () => {
    const input = problem([1, 2, 2]);
    expect(() => distillLoss({...input, blends: input.blends.slice(1)})).toThrow(/same length/);
    expect(() => distillLoss({...input, studentFlows: []})).toThrow(/non-empty/);
    expect(() => distillLoss({...input, teacherFlow: tf.zeros([1, 3, 2, 4]) as tf.Tensor4D})).toThrow(/batch, height and width/);
    expect(() => distillLoss({...input, studentFlows: [tf.zeros([1, 2, 2, 2]) as tf.Tensor4D, ...input.studentFlows.slice(1)]}))
        .toThrow(/studentFlows\[0\].*same shape/);
    expect(() => distillLoss({...input, gt: tf.zeros([1, 2, 2, 3]).toInt() as tf.Tensor4D})).toThrow(/float32/);
    expect(() => distillLoss(input, {form: 'l2' as 'l1'})).toThrow(/'l1'.*'rife-l2'/);
    expect(() => distillLoss(input, {threshold: NaN})).toThrow(/threshold/);
    expect(() => distillLoss(undefined as unknown as Parameters<typeof distillLoss>[0])).toThrow(/teacherFlow/);
  });
});
