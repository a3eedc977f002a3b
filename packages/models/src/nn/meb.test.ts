import {afterAll, beforeAll, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectClose, expectNoLeaks} from '@daek/testing';
import {ParamStore} from '../params.js';
import {Meb} from './meb.js';
import {caseTensor, fixtureCase, listing, setFormulaWeights} from '../../test/fixture.js';

describeWithBackends('MEB parity with the `meb` fixture (DAEK().block1, S = 2, feat_up = 4)', () => {
  const c = fixtureCase('daek', 'meb');
  const tol = c.suggested_tolerance_abs as Record<string, number>;
  let store: ParamStore;
  let meb: Meb;
  beforeAll(() => {
    store = new ParamStore();
    meb = new Meb({store, prefix: ''}, {inPlanes: 81, width: 150, featChannels: 64});
    expect(setFormulaWeights(store, listing('daek', 'meb/state_dict.json'))).toEqual([]);
  });
  afterAll(() => store.dispose());

  it('flow_d, mask_d and feat_out within the case tolerances, and the lastconv head', async () => {
    const [x, flow, feat] = ['x', 'flow', 'feat'].map((n) => caseTensor('daek', c, n));
    let head: tf.Tensor | null = null;
    const out = meb.apply({x: x!, flow: flow!, scale: 2, feat: feat!, featUp: 4,
      debug: (name, t) => { if (name === 'lastconv_out_flow_mask') head = tf.keep(t.clone()); }});
    await expectClose(out.flow, caseTensor('daek', c, 'flow_d'), tol.flow_d!, 'flow_d');
    await expectClose(out.mask, caseTensor('daek', c, 'mask_d'), tol.mask_d!, 'mask_d');
    await expectClose(out.feat!, caseTensor('daek', c, 'feat_out'), tol.feat_out!, 'feat_out');
    await expectClose(head!, caseTensor('daek', c, 'lastconv_out_flow_mask'), tol.flow_d!, 'lastconv_out_flow_mask');
  });

  it('rejects an input with the wrong channel count, naming both counts', () => {
    const x = tf.zeros([1, 32, 32, 12]) as tf.Tensor4D;
    expect(() => meb.apply({x, flow: null, scale: 2})).toThrow(/expected 81 input channels .* got 12/);
  });

  it('leaks no tensors', async () => {
    const x = tf.randomUniform([1, 32, 32, 13]) as tf.Tensor4D;
    const flow = tf.randomNormal([1, 32, 32, 4]) as tf.Tensor4D;
    const feat = tf.randomNormal([1, 4, 4, 64]) as tf.Tensor4D;
    await expectNoLeaks(() => {
      const o = meb.apply({x, flow, scale: 2, feat, featUp: 4});
      return [o.flow, o.mask, o.feat];
    });
  });
}, {only: ['cpu', 'wasm']});
