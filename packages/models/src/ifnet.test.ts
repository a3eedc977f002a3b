import {afterAll, beforeAll, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectClose} from '@daek/testing';
import {IFNet} from './ifnet.js';
import {disposeOutputs, type NetworkOutputs} from './outputs.js';
import {caseTensor, fixtureCase, listing, setFormulaWeights} from '../test/fixture.js';

const FLOW_TOL = 1e-3;
const IMAGE_TOL = 2e-4;
const LOSS_REL = 1e-3;

it('IFNet has RIFE\'s 10,708,215 parameters (10,071,550 without the teacher)', () => {
  const net = new IFNet();
  expect(net.parameterCount()).toEqual({total: 10_708_215, student: 10_071_550, teacher: 636_665});
  expect(net.store.names()).toEqual(listing('parity', 'ifnet/state_dict.json').map((e) => e.name));
  net.dispose();
});

describeWithBackends('IFNet parity with the `ifnet` fixture (RIFE ECCV2022 IFNet.forward)', () => {
  const c = fixtureCase('parity', 'ifnet');
  let net: IFNet;
  let out: NetworkOutputs;
  let inputs: tf.Tensor4D[];
  beforeAll(() => {
    net = new IFNet();
    expect(setFormulaWeights(net.store, listing('parity', 'ifnet/state_dict.json'))).toEqual([]);
    inputs = ['img0', 'img1', 'gt'].map((n) => caseTensor('parity', c, n));
    out = net.forward(inputs[0]!, inputs[1]!, {gt: inputs[2]!});
  });
  afterAll(() => {
    disposeOutputs(out);
    tf.dispose(inputs);
    net.dispose();
  });
  it('flows of every stage and the teacher within 1e-3 px', async () => {
    for (let k = 0; k < 3; k++) await expectClose(out.flows[k]!, caseTensor('parity', c, `flow${k}`), FLOW_TOL, `flow${k}`);
    await expectClose(out.teacher!.flow, caseTensor('parity', c, 'flow_teacher'), FLOW_TOL, 'flow_teacher');
  });
  it('mask, merged0/1/2 and merged_teacher within 2e-4', async () => {
    await expectClose(out.masks[2]!, caseTensor('parity', c, 'mask'), IMAGE_TOL, 'mask');
    await expectClose(out.blends[0]!, caseTensor('parity', c, 'merged0'), IMAGE_TOL, 'merged0');
    await expectClose(out.blends[1]!, caseTensor('parity', c, 'merged1'), IMAGE_TOL, 'merged1');
    await expectClose(out.output, caseTensor('parity', c, 'merged2'), IMAGE_TOL, 'merged2');
    await expectClose(out.teacher!.merged, caseTensor('parity', c, 'merged_teacher'), IMAGE_TOL, 'merged_teacher');
  });
  it('loss_distill within 1e-3 relative', async () => {
    const total = (await tf.addN(out.distillTerms!).data())[0]!;
    const expected = c.scalar_outputs!.loss_distill!;
    expect(Math.abs(total - expected) / expected).toBeLessThan(LOSS_REL);
  });
  it('the inference call (no gt) gives the same student outputs and no teacher', async () => {
    const inference = net.forward(inputs[0]!, inputs[1]!);
    expect(inference.teacher).toBeNull();
    await expectClose(inference.output, out.output, 0, 'merged2 without gt');
    disposeOutputs(inference);
  });
}, {only: ['cpu', 'wasm']});
