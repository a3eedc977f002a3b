// Parity with the golden tensors of AMT's BidirCorrBlock (fixtures/parity case `bidir_corr`, AMT-S sizes)
// and of DAEK's correlation call (fixtures/daek case `daek_corr`), both modes, every backend.
// Tolerance 1e-4 abs: the fixture READMEs' suggestion for both cases.
import {expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import {describeWithBackends, expectClose, npyNHWC} from '@daek/testing';
import {bidirCorrelationFeature, correlationPyramid, createBidirCorrelation, CORRELATION_MODES} from './index.js';

const fixtures = path.resolve(import.meta.dirname, '../test/fixtures');
const parity = (name: string) => npyNHWC(path.join(fixtures, 'parity/bidir_corr', `${name}.npy`));
const daek = (name: string) => npyNHWC(path.join(fixtures, 'daek/daek_corr', `${name}.npy`));
const TOLERANCE = 1e-4;

describeWithBackends('parity with AMT and the DAEK sketch', (backend) => {
  for (const mode of CORRELATION_MODES) {
    it(`${mode}: AMT BidirCorrBlock (bidir_corr: C=84, 16x20, levels 4, radius 3) corr0 and corr1`, async () => {
      const corr = createBidirCorrelation(parity('fmap0'), parity('fmap1'), {levels: 4, radius: 3, mode});
      const {corr0, corr1} = corr.lookupSeparate(parity('coords0'), parity('coords1'));
      expect(corr0.shape).toEqual([1, 16, 20, 196]);
      await expectClose(corr0, parity('corr0'), TOLERANCE, `${mode} corr0`);
      await expectClose(corr1, parity('corr1'), TOLERANCE, `${mode} corr1`);
      corr.dispose();
    });

    it(`${mode}: AMT-S _corr_scale_lookup at downsample 2 and 4 (flows at 1/4 and 1/2 resolution)`, async () => {
      const corr = createBidirCorrelation(parity('fmap0'), parity('fmap1'), {levels: 4, radius: 3, mode});
      for (const downsample of [2, 4]) {
        const flow = tf.concat([parity(`ds${downsample}_flow0`), parity(`ds${downsample}_flow1`)], 3) as tf.Tensor4D;
        const bcv = bidirCorrelationFeature(corr, flow, {downsample});
        await expectClose(bcv, parity(`ds${downsample}_corr`), TOLERANCE, `${mode} ds${downsample}_corr`);
      }
      corr.dispose();
    });

    it(`${mode}: DAEK BCV (daek_corr: C=128, 16x20) from flow8, and from the stored coords`, async () => {
      const corr = createBidirCorrelation(daek('fmap0'), daek('fmap1'), {mode});
      const bcv = bidirCorrelationFeature(corr, daek('flow8'));
      expect(bcv.shape).toEqual([1, 16, 20, 392]);
      await expectClose(bcv, daek('bcv'), TOLERANCE, `${mode} bcv from flow8`);
      // Also straight from the stored coords (skipped on the software webgpu, where each lookup takes ~30 s).
      if (backend !== 'webgpu') {
        await expectClose(corr.lookup(daek('coords0'), daek('coords1')), daek('bcv'), TOLERANCE, `${mode} bcv from coords`);
      }
      corr.dispose();
    });
  }

  it('all-pairs pyramid levels 1..3 of corr and corr_T', async () => {
    const pyramid = correlationPyramid(parity('fmap0'), parity('fmap1'), 4);
    expect(pyramid.corr.map((t) => t.shape)).toEqual([[320, 16, 20, 1], [320, 8, 10, 1], [320, 4, 5, 1], [320, 2, 2, 1]]);
    for (const level of [1, 2, 3]) {
      await expectClose(pyramid.corr[level], parity(`pyramid${level}`), TOLERANCE, `corr level ${level}`);
      await expectClose(pyramid.corrTransposed[level], parity(`pyramidT${level}`), TOLERANCE, `corr_T level ${level}`);
    }
    tf.dispose([pyramid.corr, pyramid.corrTransposed]);
  });
});
