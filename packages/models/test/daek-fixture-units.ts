// Test-only: cases of the DAEK golden set (shared/fixtures/daek) for the unit modules, following the set
// README's rules so a harness written here also runs on the hidden set: take p from the listing (never
// recompute it), read every `file` relative to the set folder, assume nothing about B, H or W.
//
// The set folder is test/fixtures, which holds copies of the needed files and, per case, `<case>/case.json`
// (the case's manifest.json entry verbatim). Point DAEK_FIXTURE_SET at a full set folder (one with a
// manifest.json, for example the hidden set) to run the same tests on it.
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {formulaFor, npyTensor, type StateDictEntry} from '@daek/testing';
import type {ParamStore} from '../src/params.js';

/** The set folder every `file` is relative to. */
export const FIXTURE_SET_DIR = process.env.DAEK_FIXTURE_SET
  ? path.resolve(process.env.DAEK_FIXTURE_SET)
  : path.resolve(import.meta.dirname, 'fixtures');

/** One tensor of a case (manifest `inputs` / `outputs` / `debug_intermediates`). */
export interface FixtureTensor {
  file: string;
  name: string;
  shape: number[];
  layout: string;
}

/** Summary statistics of a tensor (`debug_stats`, `checksum_outputs`). */
export interface FixtureStats {
  shape: number[];
  mean: number;
  std: number;
  min: number;
  max: number;
  sum: number;
  sum_abs: number;
  sum_sq: number;
}

/** The fields of a manifest case these tests read. */
export interface FixtureCase {
  name: string;
  params: Record<string, unknown>;
  weights: {state_dict_listing: string | Record<string, string>};
  inputs: FixtureTensor[];
  outputs: FixtureTensor[];
  debug_intermediates?: FixtureTensor[];
  debug_stats?: Record<string, FixtureStats>;
  suggested_tolerance_abs: Record<string, number>;
}

/** A module's state_dict listing (`<case>/state_dict*.json`). */
export interface FixtureListing {
  prefix_in_DAEK_state_dict: string;
  num_parameters: number;
  tensors: (StateDictEntry & {full_name: string; numel: number})[];
}

/** The module's scope prefix in the DAEK state dict (`cnet`, `mrb.1`): the listing's prefix without its dot. */
export function modulePrefix(listing: FixtureListing): string {
  return listing.prefix_in_DAEK_state_dict.replace(/\.$/, '');
}

/** The manifest entry of case `name`. */
export function fixtureCase(name: string): FixtureCase {
  const manifest = path.join(FIXTURE_SET_DIR, 'manifest.json');
  if (existsSync(manifest)) {
    const cases = (JSON.parse(readFileSync(manifest, 'utf8')) as {cases: FixtureCase[]}).cases;
    const found = cases.find((c) => c.name === name);
    if (!found) throw new Error(`${manifest} has no case ${name}`);
    return found;
  }
  return JSON.parse(readFileSync(path.join(FIXTURE_SET_DIR, name, 'case.json'), 'utf8')) as FixtureCase;
}

/** A listing, by its path relative to the set folder. */
export function fixtureListing(file: string): FixtureListing {
  return JSON.parse(readFileSync(path.join(FIXTURE_SET_DIR, file), 'utf8')) as FixtureListing;
}

function entryOf(c: FixtureCase, name: string): FixtureTensor {
  const all = [...c.inputs, ...c.outputs, ...(c.debug_intermediates ?? [])];
  const found = all.find((t) => t.name === name);
  if (!found) throw new Error(`case ${c.name} has no tensor ${name}`);
  return found;
}

/** Tensor `name` of a case: NCHW rank-4 arrays come back NHWC, anything else as stored. */
export function caseTensor(c: FixtureCase, name: string): tf.Tensor {
  const entry = entryOf(c, name);
  return tf.tidy(() => {
    const t = npyTensor(path.join(FIXTURE_SET_DIR, entry.file));
    return entry.layout === 'NCHW' && t.rank === 4 ? t.transpose([0, 2, 3, 1]) : t;
  });
}

/** The suggested abs tolerance of output `name`. */
export function tolerance(c: FixtureCase, name: string): number {
  const tol = c.suggested_tolerance_abs[name];
  if (typeof tol !== 'number') throw new Error(`case ${c.name} has no tolerance for ${name}`);
  return tol;
}

/**
 * Set every tensor of `listing` in `store` from the weight formula, by full DAEK name (the module must be
 * built with the listing's prefix). `num_batches_tracked` buffers are skipped: the port does not store them.
 * Returns the full names assigned (aliases included).
 */
export function assignListing(store: ParamStore, listing: FixtureListing): string[] {
  const assigned: string[] = [];
  for (const entry of listing.tensors) {
    if (entry.kind === 'bn_num_batches_tracked') continue;
    store.assignTorch(entry.full_name, formulaFor(entry));
    assigned.push(entry.full_name);
  }
  return assigned;
}

/** Statistics of a tensor in float64, as the set's `debug_stats`. */
export async function stats(t: tf.Tensor): Promise<Omit<FixtureStats, 'shape' | 'std'>> {
  const data = await t.data();
  let sum = 0, sumAbs = 0, sumSq = 0, min = Infinity, max = -Infinity;
  for (const v of data) {
    sum += v; sumAbs += Math.abs(v); sumSq += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return {mean: sum / data.length, min, max, sum, sum_abs: sumAbs, sum_sq: sumSq};
}
