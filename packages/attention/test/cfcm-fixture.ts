// Test-only: the `cfcm` case of shared/fixtures/daek (copied into test/fixtures), with its weights rebuilt from
// the listing by the fixtures' closed-form formula (README rule 1: take p from the listing, never recompute it).
import {readFileSync} from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {formulaFor, npyNHWC, type StateDictEntry} from '@daek/testing';
import type {TorchStateDict} from '../src/torch-weights.js';

/** Folder of the copied `cfcm` case. */
export const CFCM_CASE_DIR = path.resolve(import.meta.dirname, 'fixtures/daek/cfcm');

/** The README's abs tolerance on `attn` (observed f32 vs f64: 1.7e-6). */
export const ATTN_TOLERANCE = 5e-5;

interface Listing {
  num_parameters: number;
  prefix_in_DAEK_state_dict: string;
  tensors: (StateDictEntry & {numel: number; first4: number[]})[];
}

/** The case's state_dict.json listing. */
export function cfcmListing(): Listing {
  return JSON.parse(readFileSync(path.join(CFCM_CASE_DIR, 'state_dict.json'), 'utf8')) as Listing;
}

/** The module's weights as a PyTorch state dict, names relative to the module (or with `prefix`). */
export function cfcmTorchStateDict(prefix = ''): TorchStateDict {
  const out: TorchStateDict = {};
  for (const entry of cfcmListing().tensors) out[prefix + entry.name] = {shape: entry.shape, data: formulaFor(entry)};
  return out;
}

/** Inputs and golden outputs, NHWC. */
export interface CfcmCase {
  cmf: tf.Tensor4D;
  ctx: tf.Tensor4D;
  attn: tf.Tensor4D;
  score: tf.Tensor4D;
  v: tf.Tensor4D;
}

/** Read the case's tensors (the caller disposes them, or a test scope does). */
export function loadCfcmCase(): CfcmCase {
  const read = (name: string) => npyNHWC(path.join(CFCM_CASE_DIR, `${name}.npy`));
  return {cmf: read('cmf'), ctx: read('ctx'), attn: read('attn'), score: read('score'), v: read('v')};
}
