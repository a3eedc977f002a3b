// Test-only access to the fixture excerpts copied from shared/fixtures (parity: laplacian, ifnet; daek: daek_train
// and the two frames it shares with daek_student). Tensors come back NHWC.
import {readFileSync} from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {npyNHWC, npyTensor} from '@daek/testing';
import {backwardWarp} from '@daek/flow-ops';

/** Folder of the copied fixtures. */
export const FIXTURES = path.resolve(import.meta.dirname, 'fixtures');

interface Checksum {shape: number[]; sum: number; sum_abs: number; sum_sq: number; min: number; max: number}

/** The numbers the tests use, excerpted from the two manifests. */
export interface FixtureManifest {
  laplacian: {scalar_outputs: {loss: number}; tolerance_abs_loss: number};
  ifnet: {scalar_outputs: {loss_distill: number}; tolerance_rel_loss_distill: number; tolerance_abs_merged: number};
  daek_train: {
    scalar_outputs: Record<'L_rec' | 'L_rec_tea' | 'L_dis' | 'L' | 'lambda' | 'L_dis_stage0' | 'L_dis_stage1' |
      'L_dis_stage2', number>;
    suggested_tolerance_rel_scalars: Record<string, number>;
    checksum_outputs: {blend2_before_unet: Checksum};
    suggested_tolerance_abs: {merged2: number};
  };
}

/** The manifest excerpt. */
export function manifest(): FixtureManifest {
  return JSON.parse(readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8')) as FixtureManifest;
}

/** An NCHW fixture tensor as NHWC, e.g. `nhwc('parity/ifnet/flow0')`. */
export function nhwc(name: string): tf.Tensor4D {
  return npyNHWC(path.join(FIXTURES, `${name}.npy`));
}

/** A fixture tensor exactly as stored. */
export function raw(name: string): tf.Tensor {
  return npyTensor(path.join(FIXTURES, `${name}.npy`));
}

/**
 * The stage-2 blend BEFORE the synthesis residual, rebuilt from the stored frames, final flow and mask:
 * `warp(img0, flow[..., 0:2])·mask + warp(img1, flow[..., 2:4])·(1 − mask)` (RIFE IFNet.py L84-85, L99). Neither
 * fixture stores it (their `merged2` has the Unet residual added and is clamped).
 */
export function stageTwoBlend(img0: tf.Tensor4D, img1: tf.Tensor4D, flow: tf.Tensor4D, mask: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const warped0 = backwardWarp(img0, tf.slice(flow, [0, 0, 0, 0], [-1, -1, -1, 2]));
    const warped1 = backwardWarp(img1, tf.slice(flow, [0, 0, 0, 2], [-1, -1, -1, 2]));
    return tf.add(tf.mul(warped0, mask), tf.mul(warped1, tf.sub(1, mask)));
  });
}

/** sum, sum |x| and sum x² in float64 of a tensor's values (the fixtures' checksum statistics). */
export async function checksum(x: tf.Tensor): Promise<{sum: number; sumAbs: number; sumSq: number}> {
  const values = await x.data();
  let sum = 0, sumAbs = 0, sumSq = 0;
  for (const v of values) { sum += v; sumAbs += Math.abs(v); sumSq += v * v; }
  return {sum, sumAbs, sumSq};
}
