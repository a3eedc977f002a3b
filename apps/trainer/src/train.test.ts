// Training end to end on the wasm backend (the cpu backend's convolution gradients take minutes per step even for
// the tiny models): a run writes its log, plots, checkpoints and a teacher-free student; the tensor count is flat
// across steps; a run stopped (in-process, or by SIGTERM to the real CLI) and resumed gives the uninterrupted
// run's losses bit for bit; a tiny run lowers the loss; DAEK with its own teacher trains and exports too.
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import {useBackend} from '@daek/flow-ops';
import {createInterpolator} from '@daek/models';
import {listCheckpoints} from './checkpoint.js';
import {train, type TrainResult} from './run.js';
import {
  QUIET, readLog, removeFolder, runCli, startCli, stepRecords, temporaryFolder, tinySettings, TINY_FLAGS, waitFor,
} from '../test/helpers.js';

let root: string;
const reference = {out: '', result: null as TrainResult | null, counts: [] as number[], before: 0, after: 0};

beforeAll(async () => {
  await useBackend('wasm');
  root = temporaryFolder();
  reference.out = path.join(root, 'uninterrupted');
  reference.before = tf.memory().numTensors;
  reference.result = await train({settings: tinySettings(), out: reference.out, ...QUIET,
    checkpointEvery: 2, onStep: () => reference.counts.push(tf.memory().numTensors)});
  reference.after = tf.memory().numTensors;
}, 300_000);
afterAll(() => removeFolder(root));

function modelJsonNames(file: string): string[] {
  const json = JSON.parse(readFileSync(file, 'utf8')) as {weightsManifest: {weights: {name: string}[]}[]};
  return json.weightsManifest.flatMap((g) => g.weights.map((w) => w.name));
}

describe('a run', () => {
  it('writes a JSONL log of every logged step, loss.png, val_psnr.png, checkpoints and the student', async () => {
    const {out, result} = reference;
    expect(result).toMatchObject({step: 4, totalSteps: 4, stopped: 'done'});
    const steps = stepRecords(out);
    expect(steps.map((r) => r.step)).toEqual([1, 2, 3, 4]);
    for (const r of steps) {
      expect(r.loss).toBeCloseTo(r.rec + r.recTeacher! + 0.01 * r.distill!, 6);
      expect(r.samplesPerSecond).toBeGreaterThan(0);
    }
    const val = readLog(out).filter((r) => r.type === 'val');
    expect(val.map((r) => r.step)).toEqual([0, 2, 4]);
    expect(result!.baselinePsnr).toBeGreaterThan(10);
    for (const png of ['loss.png', 'val_psnr.png']) {
      expect(await sharp(path.join(out, png)).metadata()).toMatchObject({format: 'png', width: 800, height: 450});
    }
    expect((await listCheckpoints(path.join(out, 'checkpoints'))).map((c) => c.step)).toEqual([2, 4]);
  });

  it('is leak-free: the tensor count is flat across steps and back to its start afterwards', () => {
    expect(reference.counts).toHaveLength(4);
    expect(new Set(reference.counts).size).toBe(1);
    expect(reference.after).toBe(reference.before);
  });

  it('exports a student with no teacher weights that createInterpolator loads', async () => {
    const file = path.join(reference.out, 'student', 'model.json');
    const names = modelJsonNames(file);
    expect(names.some((n) => n.startsWith('block_tea'))).toBe(false);
    const checkpointNames = modelJsonNames(path.join(reference.out, 'checkpoints', 'step-000000004', 'model.json'));
    expect(checkpointNames.filter((n) => !n.startsWith('block_tea')).sort()).toEqual([...names].sort());
    const interpolator = await createInterpolator({weights: file});
    try {
      expect(interpolator.model).toBe('ifnet');
      const out = await interpolator.interpolate(tf.zeros([64, 64, 3]) as tf.Tensor3D, tf.ones([64, 64, 3]) as tf.Tensor3D);
      expect(out.shape).toEqual([64, 64, 3]);
      out.dispose();
    } finally {
      interpolator.dispose();
    }
  });
});

describe('resume', () => {
  it('a run stopped after step 2 and resumed gives the same losses as the uninterrupted run, bit for bit', async () => {
    const out = path.join(root, 'stopped');
    let stop = false;
    const first = await train({settings: tinySettings(), out, ...QUIET, checkpointEvery: 1000,
      onStep: (step) => { stop = step === 2; }, shouldStop: () => stop ? 'SIGTERM' : null});
    expect(first).toMatchObject({step: 2, stopped: 'SIGTERM', student: null});
    expect((await listCheckpoints(path.join(out, 'checkpoints'))).map((c) => c.step)).toEqual([2]);
    const second = await train({settings: tinySettings(), out, ...QUIET, resume: true});
    expect(second).toMatchObject({step: 4, stopped: 'done'});
    expect(stepRecords(out).map((r) => [r.step, r.loss, r.lr])).toEqual(stepRecords(reference.out).map((r) => [r.step, r.loss, r.lr]));
    expect(second.valPsnr).toBe(reference.result!.valPsnr);
  });

  it('SIGTERM to the real CLI checkpoints and exits 143; --resume finishes with the uninterrupted losses', async () => {
    const out = path.join(root, 'cli');
    const run = startCli([...TINY_FLAGS, '--out', out, '--quiet']);
    await waitFor(() => existsSync(path.join(out, 'log.jsonl')) && stepRecords(out).length >= 1, 120_000, 'the first step');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(143);
    expect(run.stderr()).toMatch(/SIGTERM: finishing this step/);
    const stoppedAt = stepRecords(out).length;
    expect(stoppedAt).toBeLessThan(4);
    expect((await listCheckpoints(path.join(out, 'checkpoints'))).map((c) => c.step)).toEqual([stoppedAt]);
    expect(readLog(out).some((r) => r.type === 'event' && r.event === 'stop')).toBe(true);
    const resumed = runCli(['--resume', '--out', out, '--backend', 'wasm', '--quiet']);
    expect(resumed.stderr).toContain(`resuming at step ${stoppedAt}`);
    expect(resumed.status).toBe(0);
    expect(stepRecords(out).map((r) => [r.step, r.loss])).toEqual(stepRecords(reference.out).map((r) => [r.step, r.loss]));
    expect(runCli(['--resume', '--out', out, '--batch', '4']).stderr).toMatch(/--resume continues a run with its own settings.*batch/);
  }, 300_000);

  it('a new run refuses a folder that holds a run', async () => {
    await expect(train({settings: tinySettings(), out: reference.out, backend: 'wasm'})).rejects.toThrow(/already holds checkpoints/);
  });
});

describe('learning', () => {
  it('a tiny run learns: the loss falls and validation PSNR on held-out scenes rises towards frame averaging', async () => {
    // The README's synthetic run in small: the tiny IFNet on 4 scenes (all in every batch, crops the size of the
    // frames), 16 steps, validated on 8 other scenes (seed + 1). Passing frame averaging takes the tiny DAEK about
    // 100 steps of a larger set (README), too long for a test.
    const out = path.join(root, 'learn');
    const result = await train({settings: tinySettings({syntheticCount: 4, syntheticSize: [64, 64], batch: 4, steps: 16,
      lr: 2e-3, warmup: 1, valCount: 8, valEvery: 8}), out, ...QUIET});
    const losses = stepRecords(out).map((r) => r.loss);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(result.step).toBe(16);
    expect(mean(losses.slice(-3))).toBeLessThan(0.85 * mean(losses.slice(0, 2)));
    const val = readLog(out).filter((r) => r.type === 'val').map((r) => r.psnr as number);
    expect(val).toHaveLength(3);
    expect(val[2]!).toBeGreaterThan(val[0]! + 0.5);
    expect(result.baselinePsnr! - val[2]!).toBeLessThan(result.baselinePsnr! - val[0]!);
  }, 300_000);

  it('DAEK with its own teacher (OT) trains on all three loss terms and exports a teacher-free student', async () => {
    const out = path.join(root, 'daek');
    const result = await train({settings: tinySettings({model: {model: 'daek', preset: 'tiny', overrides: {}}, syntheticCount: 4,
      syntheticSize: [64, 64], steps: 2, val: 'none'}), out, ...QUIET});
    expect(result.parameters.total).toBeGreaterThan(result.parameters.student);
    for (const r of stepRecords(out)) {
      expect(r.distill).toBeGreaterThanOrEqual(0);
      expect(r.loss).toBeCloseTo(r.rec + r.recTeacher! + 0.01 * r.distill!, 6);
    }
    const file = path.join(out, 'student', 'model.json');
    const names = modelJsonNames(file);
    expect(names.some((n) => n.startsWith('block_tea') || n.startsWith('mrb_tea'))).toBe(false);
    const config = (JSON.parse(readFileSync(file, 'utf8')) as {userDefinedMetadata: {daek: {config: {daekConfig: {teacher: string}}}}})
      .userDefinedMetadata.daek.config;
    expect(config.daekConfig.teacher).toBe('none');
    const interpolator = await createInterpolator({weights: file});
    try {
      expect(interpolator.network.store.names().some((n) => n.includes('_tea'))).toBe(false);
    } finally {
      interpolator.dispose();
    }
  }, 300_000);
});
