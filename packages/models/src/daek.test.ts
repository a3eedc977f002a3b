import {afterAll, beforeAll, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectClose} from '@daek/testing';
import {DAEK} from './daek.js';
import {disposeOutputs, type NetworkOutputs} from './outputs.js';
import {resolveDaekConfig} from './presets.js';
import {caseArray, caseTensor, fixtureCase, listing, type FixtureCase} from '../test/fixture.js';
import {setFormulaWeights} from '../test/fixture.js';

/** A final-configuration DAEK with the fixture's formula weights (a fresh one per case: training mutates BN stats). */
function fixtureModel(): DAEK {
  const model = new DAEK(resolveDaekConfig('daek'));
  const skipped = setFormulaWeights(model.store, listing('daek', 'state_dict.json'));
  // Only PyTorch's int64 BatchNorm counters are not held (never read by the forward pass).
  expect(skipped.every((n) => n.endsWith('.num_batches_tracked'))).toBe(true);
  return model;
}

type Checksum = {shape: number[]; sum: number; sum_abs: number};

/** README rule 3: compare unstored outputs by checksum (sum_abs rel 1e-4, sum abs tol·sqrt(numel)). */
async function expectChecksum(actual: tf.Tensor, want: Checksum, absTol: number, what: string): Promise<void> {
  const data = await actual.data();
  let sum = 0, sumAbs = 0;
  for (let i = 0; i < data.length; i++) { sum += data[i]!; sumAbs += Math.abs(data[i]!); }
  expect([what, actual.size]).toEqual([what, want.shape.reduce((a, b) => a * b, 1)]);
  if (!(Math.abs(sumAbs - want.sum_abs) <= 1e-4 * Math.abs(want.sum_abs))) {
    throw new Error(`${what}: sum_abs ${sumAbs} vs ${want.sum_abs} (rel ${Math.abs(sumAbs - want.sum_abs) / want.sum_abs} > 1e-4)`);
  }
  const sumTol = absTol * Math.sqrt(data.length);
  if (!(Math.abs(sum - want.sum) <= sumTol)) throw new Error(`${what}: sum ${sum} vs ${want.sum} (> ${sumTol})`);
}

function relClose(actual: number, expected: number, rel: number, what: string): void {
  const err = Math.abs(actual - expected) / Math.abs(expected);
  if (!(err <= rel)) throw new Error(`${what}: ${actual} vs ${expected}, relative error ${err} > ${rel}`);
}

/** The listing's BatchNorm layers (params.bn_layers) as one concatenated running-stat vector. */
async function runningStats(model: DAEK, c: FixtureCase, stat: 'running_mean' | 'running_var'): Promise<Float32Array> {
  const layers = (c.params as {bn_layers: {name: string; channels: number; offset: number}[]}).bn_layers;
  const total = layers.reduce((a, l) => Math.max(a, l.offset + l.channels), 0);
  const out = new Float32Array(total);
  for (const layer of layers) out.set(await model.store.readTorch(`cnet.${layer.name}.${stat}`), layer.offset);
  return out;
}

describeWithBackends('DAEK student at inference: the `daek_student` fixture', () => {
  const c = fixtureCase('daek', 'daek_student');
  const tol = c.suggested_tolerance_abs as Record<string, number>;
  let model: DAEK;
  let out: NetworkOutputs;
  beforeAll(() => {
    model = fixtureModel();
    out = model.forward(caseTensor('daek', c, 'img0'), caseTensor('daek', c, 'img1'));
  });
  afterAll(() => { disposeOutputs(out); model.dispose(); });

  it('flow0, flow1, flow2 (post-MRB, full resolution) within 1e-3 px', async () => {
    for (let k = 0; k < 3; k++) await expectClose(out.flows[k]!, caseTensor('daek', c, `flow${k}`), tol[`flow${k}`]!, `flow${k}`);
  });
  it('mask and merged0/1/2 within 2e-4', async () => {
    await expectClose(out.masks[2]!, caseTensor('daek', c, 'mask'), tol.mask!, 'mask');
    await expectClose(out.blends[0]!, caseTensor('daek', c, 'merged0'), tol.merged0!, 'merged0');
    await expectClose(out.blends[1]!, caseTensor('daek', c, 'merged1'), tol.merged1!, 'merged1');
    await expectClose(out.output, caseTensor('daek', c, 'merged2'), tol.merged2!, 'merged2');
  });
  it('inference leaves the BatchNorm running statistics alone and returns no teacher', () => {
    expect(out.teacher).toBeNull();
    expect(out.distillTerms).toBeNull();
  });
}, {only: ['cpu', 'wasm']});

describeWithBackends('DAEK training forward with gt: the `daek_train` fixture', () => {
  const c = fixtureCase('daek', 'daek_train');
  const tol = c.suggested_tolerance_abs as Record<string, number>;
  const rel = c.suggested_tolerance_rel_scalars as Record<string, number>;
  const scalars = c.scalar_outputs as Record<string, number>;
  const checksums = c.checksum_outputs as unknown as Record<string, Checksum>;
  let model: DAEK;
  let out: NetworkOutputs;
  let gt: tf.Tensor4D;
  beforeAll(() => {
    model = fixtureModel();
    gt = caseTensor('daek', c, 'gt');
    out = model.forward(caseTensor('daek', c, 'img0'), caseTensor('daek', c, 'img1'), {gt, training: true});
  });
  afterAll(() => { disposeOutputs(out); gt.dispose(); model.dispose(); });

  it('student flow2, mask, merged2 and the teacher flow and frame within tolerance', async () => {
    await expectClose(out.flows[2]!, caseTensor('daek', c, 'flow2'), tol.flow2!, 'flow2');
    await expectClose(out.masks[2]!, caseTensor('daek', c, 'mask'), tol.mask!, 'mask');
    await expectClose(out.output, caseTensor('daek', c, 'merged2'), tol.merged2!, 'merged2');
    await expectClose(out.teacher!.flow, caseTensor('daek', c, 'flow_teacher'), tol.flow_teacher!, 'flow_teacher');
    await expectClose(out.teacher!.merged, caseTensor('daek', c, 'merged_teacher'), tol.merged_teacher!, 'merged_teacher');
  });
  it('unstored outputs by checksum: flow0, flow1, merged0, merged1 and the stage-2 blend', async () => {
    await expectChecksum(out.flows[0]!, checksums.flow0!, tol.flow0!, 'flow0');
    await expectChecksum(out.flows[1]!, checksums.flow1!, tol.flow1!, 'flow1');
    await expectChecksum(out.blends[0]!, checksums.merged0!, tol.merged0!, 'merged0');
    await expectChecksum(out.blends[1]!, checksums.merged1!, tol.merged1!, 'merged1');
    await expectChecksum(out.blends[2]!, checksums.blend2_before_unet!, tol.merged2!, 'blend2_before_unet');
  });
  it('cnet running statistics after one training forward (unbiased variance, momentum 0.1)', async () => {
    await expectClose(await runningStats(model, c, 'running_mean'), caseArray('daek', c, 'cnet_running_mean_after'),
        tol.cnet_running_mean_after!, 'running_mean');
    await expectClose(await runningStats(model, c, 'running_var'), caseArray('daek', c, 'cnet_running_var_after'),
        tol.cnet_running_var_after!, 'running_var');
  });
  it('L_dis per stage (eq. 6 with the error mask) at the fixture\'s relative tolerances', async () => {
    const terms = await Promise.all(out.distillTerms!.map(async (t) => (await t.data())[0]!));
    for (let k = 0; k < 3; k++) relClose(terms[k]!, scalars[`L_dis_stage${k}`]!, rel[`L_dis_stage${k}`]!, `L_dis_stage${k}`);
    relClose(terms.reduce((a, b) => a + b, 0), scalars.L_dis!, rel.L_dis!, 'L_dis');
  });
}, {only: ['cpu', 'wasm']});

it('DAEK.forward rejects mismatched frames and sizes it cannot run, naming the fix', () => {
  const model = new DAEK(resolveDaekConfig('daek'), undefined);
  const a = tf.zeros([1, 128, 128, 3]) as tf.Tensor4D;
  expect(() => model.forward(a, tf.zeros([1, 128, 160, 3]) as tf.Tensor4D)).toThrow(/differ in shape/);
  expect(() => model.forward(tf.zeros([1, 100, 128, 3]) as tf.Tensor4D, tf.zeros([1, 100, 128, 3]) as tf.Tensor4D))
    .toThrow(/multiples of 16.*Pad first/);
  expect(() => model.forward(tf.zeros([1, 128, 128, 4]) as tf.Tensor4D, tf.zeros([1, 128, 128, 4]) as tf.Tensor4D))
    .toThrow(/\[B,H,W,3\]/);
  model.dispose();
  tf.dispose(a);
});
