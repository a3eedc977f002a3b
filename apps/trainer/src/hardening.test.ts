// Issue 13's hardening of daek-train: a bare --resume continues with every stored run setting (and says which one
// a flag changed); a run killed before its first checkpoint can be resumed or restarted; a run folder is locked
// against a second writer; the trainer dies with its launcher, even after a SIGKILL; a read-only folder and a full
// disk are named as such; the memory of a step is estimated up front and a run that cannot fit switches to
// micro-batches or refuses with what to change.
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {spawnSync} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {clearResizeCache, useBackend} from '@daek/flow-ops';
import {lockFolder, LOCK_FILE, readLock} from '@daek/cli-support';
import {parseCommandLine, FLAG_NAMES} from './args.js';
import {listCheckpoints} from './checkpoint.js';
import {JsonlLog} from './log.js';
import {estimateStepBytes, measureStepMemory, planMicroBatch, type StepMemoryModel} from './memory.js';
import {readRunFile} from './run_file.js';
import {train} from './run.js';
import {
  APP_ROOT, QUIET, readLog, removeFolder, runCli, startCli, stepRecords, temporaryFolder, tinySettings, TINY_FLAGS, waitFor,
} from '../test/helpers.js';

let root: string;
beforeAll(async () => {
  await useBackend('wasm');
  root = temporaryFolder('daek-train-hardening-');
}, 60_000);
afterAll(() => removeFolder(root));

/** A stream that keeps what is written. */
function recorder(): {write: (t: string) => boolean; text: () => string} {
  let text = '';
  return {write: (t: string) => { text += t; return true; }, text: () => text};
}

/** The tiny run without validation (validation is tested in train.test.ts). */
const tiny = (overrides: Parameters<typeof tinySettings>[0] = {}) => tinySettings({val: 'none', ...overrides});

const checkpointSteps = async (out: string) => (await listCheckpoints(path.join(out, 'checkpoints'))).map((c) => c.step);

describe('bare --resume', () => {
  it('keeps the checkpoint interval, keep count and backend of the run, and says which one a flag changed', async () => {
    const out = path.join(root, 'bare');
    let stopAt = 2;
    const stopper = {shouldStop: () => null as string | null, onStep: (step: number) => { stopper.shouldStop = () => step === stopAt ? 'SIGTERM' : null; }};
    const first = await train({settings: tiny({steps: 5}), out, ...QUIET, checkpointEvery: 1, keep: 2, threads: 1,
      onStep: (s) => stopper.onStep(s), shouldStop: () => stopper.shouldStop()});
    expect(first.step).toBe(2);
    expect(readRunFile(out)).toMatchObject({runtime: {checkpointEvery: 1, keep: 2, backend: 'wasm', threads: 1}});
    // Bare resume: no settings, no interval, no backend given. It must checkpoint every step and keep 2.
    stopAt = 3;
    const stream = recorder();
    const second = await train({settings: tiny({data: 'ignored-on-resume'}), given: [], out, resume: true, quiet: true, stream,
      onStep: (s) => stopper.onStep(s), shouldStop: () => stopper.shouldStop()});
    expect(second.step).toBe(3);
    expect(await checkpointSteps(out)).toEqual([2, 3]);
    expect(stream.text()).not.toMatch(/changed/);
    const resumeEvent = readLog(out).filter((r) => r.type === 'event' && r.event === 'resume').pop()!;
    expect(((resumeEvent as {detail?: {backend?: string}}).detail)!.backend).toBe('wasm');
    // A flag that differs is taken, said, and stored for the next bare resume.
    stopAt = -1; // to the end (step 5): with --checkpoint-every 3, step 4 gets no checkpoint
    const third = recorder();
    await train({settings: tiny(), given: [], out, resume: true, quiet: true, stream: third, checkpointEvery: 3,
      onStep: (s) => stopper.onStep(s), shouldStop: () => stopper.shouldStop()});
    expect(third.text()).toMatch(/--checkpoint-every changed: 1 in this run, 3 now/);
    expect(readRunFile(out)!.runtime).toMatchObject({checkpointEvery: 3, keep: 2, threads: 1});
    expect(await checkpointSteps(out)).toEqual([3, 5]);
  }, 120_000);

  it('refuses a changed run setting, naming it', async () => {
    const out = path.join(root, 'bare');
    await expect(train({settings: tiny({batch: 4}), given: ['batch'], out, resume: true, ...QUIET}))
      .rejects.toThrow(/batch: this run 2, flags 4/);
  });
});

describe('a run killed before its first checkpoint', () => {
  it('is named as such, and both --resume and --restart get out of it', async () => {
    const out = path.join(root, 'early');
    await expect(train({settings: tiny(), out, ...QUIET, checkpointEvery: 1000,
      onStep: (step) => { if (step === 1) throw new Error('killed (simulated)'); }})).rejects.toThrow('killed (simulated)');
    expect(existsSync(path.join(out, 'log.jsonl'))).toBe(true);
    expect(await checkpointSteps(out)).toEqual([]);
    // A fresh start names what happened and both ways out.
    await expect(train({settings: tiny(), out, ...QUIET}))
      .rejects.toThrow(/stopped before its first checkpoint.*--resume.*--restart/s);
    // --resume starts it again from step 0 with its stored settings: the losses of an uninterrupted run.
    const stream = recorder();
    const resumed = await train({settings: tiny({batch: 4}), given: [], out, resume: true, quiet: true, stream});
    expect(resumed).toMatchObject({step: 4, stopped: 'done'});
    expect(stream.text()).toMatch(/before its first checkpoint.*from step 0/);
    const reference = path.join(root, 'early-reference');
    await train({settings: tiny(), out: reference, ...QUIET});
    expect(stepRecords(out).map((r) => [r.step, r.loss])).toEqual(stepRecords(reference).map((r) => [r.step, r.loss]));
    // --restart discards the old run (here a finished one) and starts the new one.
    const restarted = await train({settings: tiny({steps: 2}), out, ...QUIET, restart: true});
    expect(restarted.step).toBe(2);
    expect(stepRecords(out).map((r) => r.step)).toEqual([1, 2]);
    expect(await checkpointSteps(out)).toEqual([2]);
  }, 120_000);

  it('--restart is a flag, and cannot be combined with --resume', () => {
    expect(FLAG_NAMES).toContain('restart');
    expect(parseCommandLine(['--threads', '2'])).toMatchObject({options: {threads: 2}});
    expect(parseCommandLine(['--skip-memory-check'])).toMatchObject({options: {skipMemoryCheck: true}});
    expect(() => parseCommandLine(['--threads', '2', '--backend', 'cpu'])).toThrow(/--threads applies to --backend wasm only/);
    expect(() => parseCommandLine(['--restart', '--resume'])).toThrow(/--restart or --resume, not both/);
  });
});

describe('the run folder lock', () => {
  it('a second writer is refused with the holder named; a stale lock is taken over', async () => {
    const out = path.join(root, 'locked');
    const lock = await lockFolder(out, {command: 'daek-train --out locked (test holder)'});
    try {
      await expect(train({settings: tiny(), out, ...QUIET}))
        .rejects.toThrow(new RegExp(`in use by another process: pid ${process.pid} on host ${os.hostname()} \\(started .*: daek-train --out locked \\(test holder\\)\\)`));
    } finally {
      lock.release();
    }
    // a lock left by a process that is gone (a SIGKILL) does not block
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(path.join(out, LOCK_FILE), JSON.stringify({...lock.holder, pid: dead, startTicks: null}));
    const result = await train({settings: tiny({steps: 1}), out, ...QUIET});
    expect(result.step).toBe(1);
    expect(readLock(out)).toBeNull();
  }, 60_000);
});

describe('the launcher', () => {
  it('SIGKILL of the launcher stops the trainer within seconds; --resume then works', async () => {
    const out = path.join(root, 'orphan');
    const flags = TINY_FLAGS.map((f, i, a) => a[i - 1] === '--steps' ? '1000' : f);
    const run = startCli([...flags, '--checkpoint-every', '1', '--out', out, '--quiet']);
    let trainer = 0;
    try {
      await waitFor(() => existsSync(path.join(out, 'log.jsonl')) && stepRecords(out).length >= 1, 120_000, 'the first step');
      trainer = readLock(out)!.pid;
      expect(trainer).not.toBe(run.child.pid);
      run.child.kill('SIGKILL');
      const killedAt = Date.now();
      await waitFor(() => { try { process.kill(trainer, 0); return false; } catch { return true; } }, 15_000, 'the trainer to exit');
      expect(Date.now() - killedAt).toBeLessThan(8_000);
    } finally {
      if (trainer) try { process.kill(trainer, 'SIGKILL'); } catch { /* gone */ }
      run.child.kill('SIGKILL');
    }
    // The lock it left is stale now: a resume gets past it (to the settings check, which this one fails on purpose).
    const resumed = runCli(['--resume', '--out', out, '--batch', '4']);
    expect(resumed.stderr).toMatch(/batch: this run 2, flags 4/);
    expect(resumed.status).toBe(2);
  }, 180_000);
});

describe('write errors', () => {
  it('a read-only output folder says "read-only" (exit status 2)', () => {
    const parent = path.join(root, 'readonly');
    mkdirSync(parent);
    chmodSync(parent, 0o555);
    const asRoot = process.getuid?.() === 0;
    // root writes anywhere: run the CLI as nobody there
    const result = spawnSync(process.execPath, [path.join(APP_ROOT, 'bin/daek-train.mjs'), ...TINY_FLAGS, '--out', path.join(parent, 'a', 'b'), '--quiet'], {
      cwd: APP_ROOT, encoding: 'utf8', env: {...process.env, NODE_OPTIONS: ''}, timeout: 120_000, ...(asRoot ? {uid: 65534, gid: 65534} : {}),
    });
    expect(result.stderr).toMatch(/read-only/);
    expect(result.stderr).toContain(parent);
    expect(result.status).toBe(2);
  }, 120_000);

  it('ENOSPC names the file being written', async () => {
    if (!existsSync('/dev/full')) return; // Linux only
    const out = path.join(root, 'full');
    mkdirSync(out);
    symlinkSync('/dev/full', path.join(out, 'log.jsonl'));
    const log = new JsonlLog(path.join(out, 'log.jsonl'));
    await expect(log.write({type: 'event', step: 0, event: 'start', time: ''}))
      .rejects.toThrow(/no space left on the device while writing .*log\.jsonl/);
  });
});

describe('memory', () => {
  const daek: StepMemoryModel = {weightBytes: 90e6, trainable: 22.5e6, probes: [], constantBytes: 337e6, bytesPerPixel: 64788};
  const GiB = 2 ** 30;

  it('a model needing 3.7 GiB a sample at crop 224 runs in micro-batches of 1 on wasm, and says so', () => {
    const plan = planMicroBatch(daek, {crop: 224, batch: 32, microBatch: -1, backend: 'wasm', model: 'DAEK (daek)'});
    expect(plan.microBatch).toBe(1);
    expect(plan.message).toMatch(/micro-batches of 1.*--micro-batch/);
    expect(estimateStepBytes(daek, 224, 1, true)).toBeLessThan(4 * GiB);
    expect(estimateStepBytes(daek, 224, 2, true)).toBeGreaterThan(4 * GiB);
  });

  it('refuses what cannot fit, saying what to change', () => {
    expect(() => planMicroBatch(daek, {crop: 448, batch: 32, microBatch: -1, backend: 'wasm', model: 'DAEK (daek)'}))
      .toThrow(/one sample .* crop 448 needs about .* GiB.*4 GiB.*--crop 224.*--preset daek-s/);
    expect(() => planMicroBatch(daek, {crop: 224, batch: 32, microBatch: 8, backend: 'wasm', model: 'DAEK (daek)'}))
      .toThrow(/--micro-batch 8.*--micro-batch 1/);
    expect(planMicroBatch(daek, {crop: 64, batch: 2, microBatch: -1, backend: 'wasm', model: 'x'})).toEqual({microBatch: 0, message: null});
  });

  it('daek-train with no flags: the automatic micro-batch, and a model whose step fits the wasm heap (measured)', async () => {
    const parsed = parseCommandLine([]);
    if (parsed.help) throw new Error('unexpected help');
    const s = parsed.options.settings;
    expect(s.microBatch).toBe(-1);
    const before = tf.memory().numTensors;
    const memory = await measureStepMemory(s.model);
    clearResizeCache(); // flow-ops' cached resize matrices, rebuilt on demand
    expect(tf.memory().numTensors).toBe(before);
    const plan = planMicroBatch(memory, {crop: s.crop, batch: s.batch, microBatch: s.microBatch, backend: 'wasm', model: 'default'});
    expect(plan.microBatch).toBeGreaterThan(0);
    expect(estimateStepBytes(memory, s.crop, plan.microBatch, true)).toBeLessThan(4 * GiB);
    expect(parseCommandLine(['--micro-batch', 'auto'])).toMatchObject({options: {settings: {microBatch: -1}}});
  });

  it('a run resolves the automatic micro-batch before any step and stores it', async () => {
    const out = path.join(root, 'memory');
    const stream = recorder();
    const before = tf.memory().numTensors;
    await train({settings: tiny({steps: 1}), out, quiet: true, backend: 'wasm', stream});
    expect(tf.memory().numTensors).toBe(before);
    expect(stream.text()).toMatch(/memory: about [\d.]+ GiB a step .* of the wasm heap's 4 GiB/);
    expect(readRunFile(out)!.settings.microBatch).toBe(0);
    expect(JSON.parse(readFileSync(path.join(out, 'checkpoints', 'step-000000001', 'state.json'), 'utf8')).run.microBatch).toBe(0);
  }, 60_000);
});
