// Checkpoints: one folder per step with the weights (tfjs format, config included), the AdamW state and the
// trainer state. Each is written in full under a temporary name and then renamed, so a crash or a kill never
// leaves a partial checkpoint under a real name; the last K are kept.
import {mkdir, readdir, readFile, rename, rm, stat, writeFile} from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {loadWeights, saveWeights} from '@daek/models';
import type {AdamW, NamedTensor} from '@daek/distill';
import type {TrainModel} from './model.js';
import {variableNames} from './model.js';
import {explainWriteError} from '@daek/cli-support';

/** `format` of `state.json`. */
export const STATE_FORMAT = 'daek-train-state';

/** Version of the checkpoint layout. */
export const STATE_VERSION = 1;

/** The learning-rate schedule of a run (spec §3.1 with RIFE's warmup, A13). */
export interface ScheduleState {
  /** Peak learning rate (1e-4). */
  peak: number;
  /** Final learning rate (1e-6). */
  floor: number;
  /** Linear warmup steps. */
  warmup: number;
  /** T: the step at which the cosine reaches `floor`. */
  totalSteps: number;
}

/**
 * The random state of a run. The trainer draws nothing sequentially: the sample order is a function of (seed, epoch)
 * and each sample's augmentation of (seed, epoch, position), so these three numbers are the whole state.
 */
export interface RngState {
  /** The run's seed. */
  seed: number;
  /** Epoch of the next step. */
  epoch: number;
  /** Order entries of that epoch already consumed. */
  position: number;
}

/** What the plots are drawn from. */
export interface RunHistory {
  /** `[step, loss]` of every logged step. */
  loss: [number, number][];
  /** `[step, PSNR]` of every validation. */
  val: [number, number][];
}

/** A checkpoint folder found by {@link listCheckpoints}. */
export interface CheckpointEntry {
  /** Its step. */
  step: number;
  /** Its folder. */
  dir: string;
}

/** Everything besides weights and optimiser moments that a resumed run needs, as saved in `state.json`. */
export interface TrainerState {
  /** {@link STATE_FORMAT}. */
  format: string;
  /** {@link STATE_VERSION}. */
  version: number;
  /** Optimiser steps done. */
  step: number;
  /** Epoch of the next step. */
  epoch: number;
  /** Entries of that epoch's sample order already consumed. */
  position: number;
  /** Steps per epoch (⌊samples / batch⌋). */
  stepsPerEpoch: number;
  /** Steps of the whole run. */
  totalSteps: number;
  /** The learning-rate schedule. */
  schedule: ScheduleState;
  /** The random state (see {@link RngState}). */
  rng: RngState;
  /** The run's settings (see `RunSettings` in run.ts), checked against the flags of a resume. */
  run: Record<string, unknown>;
  /** Loss of every logged step and PSNR of every validation, for the plots. */
  history: RunHistory;
  /** PSNR of frame averaging on the validation set (null without one). */
  baselinePsnr: number | null;
  /** Training seconds so far (for samples/s and the log). */
  elapsedSeconds: number;
}

/** What {@link writeCheckpoint} writes. */
export interface CheckpointContents {
  /** The model. */
  model: TrainModel;
  /** Its optimiser. */
  optimizer: AdamW;
  /** The trainer state. */
  state: TrainerState;
}

/** Options of {@link writeCheckpoint}. */
export interface WriteCheckpointOptions {
  /** Keep this many newest checkpoints, delete older ones (default 3). */
  keep?: number;
  /** Called with the temporary folder once everything is written, before the rename (tests inject failures here). */
  beforeRename?: (temporary: string) => void | Promise<void>;
}

/** `step-000001234`: folder names sort by step. */
export function checkpointName(step: number): string {
  return `step-${String(step).padStart(9, '0')}`;
}

const NAME = /^step-(\d{9,})$/;

/** Completed checkpoints under `folder`, oldest first. */
export async function listCheckpoints(folder: string): Promise<CheckpointEntry[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if ((error as {code?: string}).code === 'ENOENT') return [];
    throw error;
  }
  const found: CheckpointEntry[] = [];
  for (const name of names) {
    const match = NAME.exec(name);
    if (!match) continue;
    const dir = path.join(folder, name);
    try {
      await stat(path.join(dir, 'state.json'));
    } catch {
      continue; // not a checkpoint this trainer wrote
    }
    found.push({step: Number(match[1]), dir});
  }
  return found.sort((a, b) => a.step - b.step);
}

/** Remove temporary folders left by a run that crashed while writing a checkpoint. */
export async function removeStaleTemporaries(folder: string): Promise<void> {
  let names: string[] = [];
  try {
    names = await readdir(folder);
  } catch {
    return;
  }
  await Promise.all(names.filter((n) => n.startsWith('.tmp-') || n.startsWith('.old-'))
    .map((n) => rm(path.join(folder, n), {recursive: true, force: true})));
}

/** The optimiser state, with variables named by their PyTorch names (tfjs' variable names change between runs). */
async function optimizerFiles(model: TrainModel, optimizer: AdamW): Promise<{json: string; bin: Uint8Array}> {
  const names = variableNames(model);
  const weights = await optimizer.getWeights();
  try {
    const renamed = weights.map(({name, tensor}) => {
      if (name === 'iter') return {name, tensor};
      const cut = name.lastIndexOf('/');
      const param = names.get(name.slice(0, cut));
      if (!param) throw new Error(`checkpoint: the optimiser has state for ${name.slice(0, cut)}, which is not a model tensor.`);
      return {name: `${param}${name.slice(cut)}`, tensor};
    });
    const {data, specs} = await tf.io.encodeWeights(renamed);
    return {json: JSON.stringify({format: 'daek-adamw-state', specs}), bin: new Uint8Array(data)};
  } finally {
    tf.dispose(weights.map((w) => w.tensor));
  }
}

/**
 * Write a checkpoint of `contents.state.step` under `folder` (usually `<out>/checkpoints`): everything goes into
 * `.tmp-<name>-<pid>` first, which is renamed to `step-<step>` only when complete; then old checkpoints beyond
 * `keep` are deleted. Returns the checkpoint folder.
 */
export async function writeCheckpoint(folder: string, contents: CheckpointContents, options: WriteCheckpointOptions = {}):
    Promise<string> {
  const keep = options.keep ?? 3;
  const name = checkpointName(contents.state.step);
  const finalDir = path.join(folder, name);
  const temporary = path.join(folder, `.tmp-${name}-${process.pid}`);
  try {
    await mkdir(folder, {recursive: true});
    await rm(temporary, {recursive: true, force: true});
    await mkdir(temporary);
    await saveWeights(contents.model.network.store, temporary, {config: contents.model.storedConfig});
    const optimizer = await optimizerFiles(contents.model, contents.optimizer);
    await writeFile(path.join(temporary, 'optimizer.bin'), optimizer.bin);
    await writeFile(path.join(temporary, 'optimizer.json'), optimizer.json);
    await writeFile(path.join(temporary, 'state.json'), `${JSON.stringify(contents.state)}\n`);
    await options.beforeRename?.(temporary);
    // A checkpoint of the same step (a resume stopped at once) is replaced without a moment with neither.
    const old = path.join(folder, `.old-${name}-${process.pid}`);
    let replaced = false;
    try {
      await rename(finalDir, old);
      replaced = true;
    } catch (error) {
      if ((error as {code?: string}).code !== 'ENOENT') throw error;
    }
    await rename(temporary, finalDir);
    if (replaced) await rm(old, {recursive: true, force: true});
  } catch (error) {
    await rm(temporary, {recursive: true, force: true});
    throw explainWriteError(error, temporary);
  }
  const all = await listCheckpoints(folder);
  for (const stale of all.slice(0, Math.max(0, all.length - Math.max(1, keep)))) {
    await rm(stale.dir, {recursive: true, force: true});
  }
  return finalDir;
}

/** Read a checkpoint's `state.json`. */
export async function readState(dir: string): Promise<TrainerState> {
  const file = path.join(dir, 'state.json');
  let state: TrainerState;
  try {
    state = JSON.parse(await readFile(file, 'utf8')) as TrainerState;
  } catch (error) {
    throw new Error(`Cannot read ${file}: ${(error as Error).message}. The checkpoint is damaged; delete it to resume from an older one.`);
  }
  if (state.format !== STATE_FORMAT || state.version !== STATE_VERSION) {
    throw new Error(`${file} is not a daek-train state of version ${STATE_VERSION} (format ${state.format}, version ${state.version}).`);
  }
  return state;
}

/** Load a checkpoint's weights (all tensors, BatchNorm statistics included) and optimiser state into a built model. */
export async function loadCheckpoint(dir: string, model: TrainModel, optimizer: AdamW): Promise<void> {
  await loadWeights(model.network.store, dir);
  const specs = (JSON.parse(await readFile(path.join(dir, 'optimizer.json'), 'utf8')) as {specs: tf.io.WeightsManifestEntry[]}).specs;
  const bytes = await readFile(path.join(dir, 'optimizer.bin'));
  const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const decoded = tf.io.decodeWeights(data, specs);
  try {
    const byParam = new Map<string, string>();
    for (const [variable, param] of variableNames(model)) byParam.set(param, variable);
    const list: NamedTensor[] = specs.map(({name}) => {
      if (name === 'iter') return {name, tensor: decoded[name]!};
      const cut = name.lastIndexOf('/');
      const variable = byParam.get(name.slice(0, cut));
      if (!variable) throw new Error(`${dir}: the optimiser state names ${name.slice(0, cut)}, which this model does not have.`);
      return {name: `${variable}${name.slice(cut)}`, tensor: decoded[name]!};
    });
    await optimizer.setWeights(list);
  } finally {
    tf.dispose(Object.values(decoded));
  }
}
