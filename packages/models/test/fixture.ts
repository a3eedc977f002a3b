// Test-only: read a copied fixture case (test/fixtures/<set>/) and set a model's weights from the listing by
// the fixtures' closed-form formula (README rule 1: take p from the listing, never recompute it).
import {readFileSync} from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {formulaFor, npyNHWC, readNpy, type StateDictEntry} from '@daek/testing';
import type {ParamStore} from '../src/params.js';

/** Folder of a copied fixture set: `parity` or `daek`. */
export function setDir(set: 'parity' | 'daek'): string {
  return path.resolve(import.meta.dirname, 'fixtures', set);
}

interface TensorEntry {
  file: string;
  /** Absent in the parity set, where the file's base name is the tensor's name. */
  name?: string;
  shape: number[];
}

/** One case of a set's manifest.json. */
export interface FixtureCase {
  name: string;
  inputs: TensorEntry[];
  outputs: TensorEntry[];
  scalar_outputs?: Record<string, number>;
  checksum_outputs?: Record<string, {shape: number[]; sum: number; sum_abs: number}> | {name: string; shape: number[]; sum: number; sum_abs: number}[];
  params?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The named case of a set. */
export function fixtureCase(set: 'parity' | 'daek', name: string): FixtureCase {
  const manifest = JSON.parse(readFileSync(path.join(setDir(set), 'manifest.json'), 'utf8')) as {cases: FixtureCase[]};
  const found = manifest.cases.find((c) => c.name === name);
  if (!found) throw new Error(`fixture case ${name} not in ${set}/manifest.json`);
  return found;
}

/** A tensor of the case (input or output) by name, NHWC (4-D) or as stored. */
export function caseTensor(set: 'parity' | 'daek', c: FixtureCase, name: string): tf.Tensor4D {
  const debug = (c.debug_intermediates ?? []) as TensorEntry[];
  const entry = [...c.inputs, ...c.outputs, ...debug].find((e) => (e.name ?? path.basename(e.file, '.npy')) === name);
  if (!entry) throw new Error(`tensor ${name} not in case ${c.name}`);
  return npyNHWC(path.join(setDir(set), entry.file));
}

/** A tensor of the case as its raw stored values (any rank, e.g. the [1320] BatchNorm statistics). */
export function caseArray(set: 'parity' | 'daek', c: FixtureCase, name: string): ArrayLike<number> {
  const entry = [...c.inputs, ...c.outputs].find((e) => (e.name ?? path.basename(e.file, '.npy')) === name);
  if (!entry) throw new Error(`tensor ${name} not in case ${c.name}`);
  return readNpy(path.join(setDir(set), entry.file)).data as ArrayLike<number>;
}

/** The listing entries of a state_dict.json (relative to the set folder). */
export function listing(set: 'parity' | 'daek', file: string): (StateDictEntry & {numel: number})[] {
  const parsed = JSON.parse(readFileSync(path.join(setDir(set), file), 'utf8')) as {tensors: (StateDictEntry & {numel: number})[]};
  return parsed.tensors;
}

/**
 * Set every tensor of `store` from the listing's formula. Entries the store does not hold (e.g.
 * num_batches_tracked) are returned so that a test can check they are the expected ones; aliases are skipped.
 */
export function setFormulaWeights(store: ParamStore, entries: (StateDictEntry & {numel: number})[],
    useFullName = false): string[] {
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const name = useFullName && entry.full_name ? entry.full_name : entry.name;
    if (entry.alias_of) continue;
    if (!store.has(name)) { skipped.push(name); continue; }
    store.assignTorch(name, formulaFor(entry));
    seen.add(store.canonicalName(name));
  }
  const unset = store.names().filter((n) => !seen.has(n));
  if (unset.length > 0) throw new Error(`formula weights: the listing does not set ${unset.length} tensors, e.g. ${unset.slice(0, 5).join(', ')}`);
  return skipped;
}
