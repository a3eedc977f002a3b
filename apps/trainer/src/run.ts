// The training run: data, model, AdamW with the cosine schedule, logging, validation, plots, checkpoints,
// exact resume, a clean stop on request, and the export of the student without its teacher.
import {existsSync} from 'node:fs';
import {mkdir, readdir, rename, rm, rmdir} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {AdamW, learningRate} from '@daek/distill';
import {clearResizeCache, useBackend, type BackendName} from '@daek/flow-ops';
import {lockFolder, writing} from '@daek/cli-support';
import type {RawTriplet} from '@daek/datasets';
import {
  listCheckpoints, loadCheckpoint, readState, removeStaleTemporaries, STATE_FORMAT, STATE_VERSION, writeCheckpoint,
  type ScheduleState, type TrainerState,
} from './checkpoint.js';
import {
  describeSource, disposeFrames, holdoutRanges, openSource, openTrainSet, parseDataSource, parseDataSources, readAll, TrainData,
  type DataSource,
} from './data.js';
import {JsonlLog} from './log.js';
import {estimateStepBytes, formatGiB, measureStepMemory, memoryBudget, planMicroBatch} from './memory.js';
import {DEFAULT_RUNTIME, readRunFile, RUN_FILE, RUNTIME_FLAGS, writeRunFile, type RuntimeSettings} from './run_file.js';
import {buildTrainModel, disposeModel, exportStudent, type ModelSpec, type ParameterCount} from './model.js';
import {writeRunPlots} from './plot.js';
import {formatDuration, StepProgress, type ProgressStream} from './progress.js';
import {trainStep, type StepLoss} from './step.js';
import {frameAveragePsnr, modelPsnr} from './validation.js';

/** Everything that decides a run's numbers. Fixed for the life of a run: `--resume` refuses to change any of it. */
export interface RunSettings {
  /** Training data: `synthetic`, `vimeo:DIR`, `ucf101:DIR`, `video:FILE` or `frames:DIR`, or several joined by commas. */
  data: string;
  /** A manifest of evaluation triplets whose frames (± `holdoutMargin`) video sources never train on ('' = none). */
  holdout: string;
  /** Frames around each held-out triplet that are left out too (2). */
  holdoutMargin: number;
  /** Validation data (same forms), `auto` or `none`. */
  val: string;
  /** Validation triplets. */
  valCount: number;
  /** Validate every this many steps (and at the end); 0 = 5 epochs (RIFE). */
  valEvery: number;
  /** Synthetic triplets (training set). */
  syntheticCount: number;
  /** Synthetic frame size `[width, height]`. */
  syntheticSize: [number, number];
  /** Video / frame folder: frame gap of a triplet. */
  gap: number;
  /** Video / frame folder: stride between triplets. */
  stride: number;
  /** Bad samples: `throw` or `skip`. */
  onError: 'throw' | 'skip';
  /** The network. */
  model: ModelSpec;
  /** Epochs (used when `steps` is 0). */
  epochs: number;
  /** Optimiser steps of the run (0: `epochs` × steps per epoch). */
  steps: number;
  /** Batch size (spec: 32). */
  batch: number;
  /** Square crop side (spec: 224). */
  crop: number;
  /**
   * Samples per forward/backward pass; gradients of the batch's chunks are averaged (0: the whole batch; -1: the
   * whole batch if the step fits the backend's memory, else the largest divisor that fits, decided when the run
   * starts and stored as that number).
   */
  microBatch: number;
  /** Peak learning rate (1e-4). */
  lr: number;
  /** Final learning rate (1e-6). */
  lrMin: number;
  /** Warmup steps; -1 = min(2000, 10% of the run). */
  warmup: number;
  /** AdamW weight decay (1e-3). */
  weightDecay: number;
  /** Seed of the weights' initialisation order, data order, augmentation and synthetic scenes. */
  seed: number;
  /** Log every this many steps (the last step is always logged). */
  logEvery: number;
}

/**
 * The spec's recipe (§3.1, §3.2) on the synthetic set, with one deviation: the model is `daek-s` (every DAEK
 * mechanism at a tenth of the compute), whose step fits a CPU backend's memory (wasm: micro-batches of 2 at crop
 * 224), where full DAEK's one-sample step needs about 4.2 GiB by the estimate (issue 13: safe defaults).
 * `--preset daek` selects the paper's network.
 */
export const DEFAULT_SETTINGS: Readonly<RunSettings> = Object.freeze({
  data: 'synthetic', holdout: '', holdoutMargin: 2, val: 'auto', valCount: 16, valEvery: 0, syntheticCount: 1000, syntheticSize: [448, 256],
  gap: 1, stride: 1, onError: 'throw', model: {model: 'daek', preset: 'daek-s', overrides: {}},
  epochs: 300, steps: 0, batch: 32, crop: 224, microBatch: -1, lr: 1e-4, lrMin: 1e-6, warmup: -1, weightDecay: 1e-3, seed: 1234, logEvery: 10,
}) as Readonly<RunSettings>;

/** Options of {@link train}. */
export interface TrainOptions {
  /** What to train. */
  settings: RunSettings;
  /** Settings the user gave explicitly (checked against the checkpoint on resume). */
  given?: readonly (keyof RunSettings)[];
  /** Output folder: log.jsonl, loss.png, val_psnr.png, checkpoints/, student/. */
  out: string;
  /**
   * Continue the run in `out` from its newest checkpoint, with its stored settings (run.json); a run stopped before
   * its first checkpoint starts again from step 0 with them.
   */
  resume?: boolean;
  /** Discard the run in `out` (its log, plots, run.json, checkpoints and student) and start this one. */
  restart?: boolean;
  /** tfjs backend (default wasm; on resume, the run's). */
  backend?: BackendName;
  /** Checkpoint every this many steps (and at the end, and on a stop); default 1000, on resume the run's. */
  checkpointEvery?: number;
  /** Keep this many newest checkpoints (default 3; on resume the run's). */
  keep?: number;
  /** wasm: threads (default: the logical cores, os.availableParallelism(); on resume the run's). */
  threads?: number;
  /** Run even where the memory estimate says a step does not fit (a warning instead of an error). */
  skipMemoryCheck?: boolean;
  /** How the run was started, for the folder lock (another process trying `out` is told this). */
  command?: string;
  /** No progress bar (messages still print). */
  quiet?: boolean;
  /** Where the bar and messages go (default stderr). */
  stream?: ProgressStream;
  /** Polled after every step: a reason to stop (a signal name) checkpoints and returns. */
  shouldStop?: () => string | null;
  /** Called after every step with the step count and its loss (tests). */
  onStep?: (step: number, loss: StepLoss) => void;
  /** Passed to the checkpoint writer (tests inject failures). */
  beforeCheckpointRename?: (temporary: string) => void | Promise<void>;
}

/** What a run did. */
export interface TrainResult {
  /** Steps done in total (including a resumed part). */
  step: number;
  /** Steps of the whole run. */
  totalSteps: number;
  /** `done`, or the reason it stopped early. */
  stopped: string;
  /** The newest checkpoint. */
  checkpoint: string | null;
  /** The exported student (when the run finished). */
  student: string | null;
  /** Last logged loss. */
  loss: number | null;
  /** Last validation PSNR (dB), when validating. */
  valPsnr: number | null;
  /** Frame averaging's PSNR on the validation set, when validating. */
  baselinePsnr: number | null;
  /** Trainable parameters. */
  parameters: ParameterCount;
}

/** Throw unless the active backend can differentiate a convolution with respect to its filter. */
export function checkTrainableBackend(): void {
  const backend = tf.getBackend();
  if (!tf.getKernel('Conv2DBackpropFilter', backend)) {
    throw new Error(`The ${backend} backend has no Conv2DBackpropFilter kernel, so no convolution can train on it. ` +
      "Use --backend cpu, or a @daek/flow-ops whose useBackend('wasm') registers the wasm convolution gradients.");
  }
}

function schedule(settings: RunSettings, totalSteps: number): ScheduleState {
  const warmup = settings.warmup >= 0 ? settings.warmup : Math.min(2000, Math.floor(totalSteps / 10));
  if (warmup >= totalSteps) {
    throw new Error(`--warmup ${warmup} must be smaller than the run's ${totalSteps} steps.`);
  }
  return {peak: settings.lr, floor: settings.lrMin, warmup, totalSteps};
}

function validationSource(settings: RunSettings, train: readonly DataSource[]): DataSource | null {
  if (settings.val === 'none') return null;
  if (settings.val !== 'auto') return parseDataSource(settings.val, '--val');
  // RIFE validates on the held-out 5% of Vimeo's train list; synthetic scenes of another seed are held out too.
  return train.find((s) => s.kind === 'vimeo') ?? train.find((s) => s.kind === 'synthetic') ?? null;
}

function sameSetting(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Refuse a resume whose explicit flags contradict the run's settings. */
function checkResumeSettings(saved: RunSettings, settings: RunSettings, given: readonly (keyof RunSettings)[]): void {
  const clashes = given.filter((key) => !sameSetting(saved[key], settings[key]))
    .map((key) => `${key}: this run ${JSON.stringify(saved[key])}, flags ${JSON.stringify(settings[key])}`);
  if (clashes.length > 0) {
    throw new Error(`--resume continues a run with its own settings, and these flags differ (${clashes.join('; ')}). ` +
      'Drop them to resume, or use another --out to start a new run.');
  }
}

/**
 * Train (or resume) a run. See the README for the output folder's layout. Leaves no tensors behind: the model and
 * optimiser are disposed before it returns, and so are @daek/flow-ops' cached resize matrices (`clearResizeCache`).
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const out = path.resolve(options.out);
  const stream = options.stream ?? process.stderr;
  let progress: StepProgress | null = null;
  const say = (text: string) => progress ? progress.message(text) : stream.write(`${text}\n`);

  // One writer per run folder: a second daek-train (or a resume while the first still runs) is refused, naming it.
  const created = !existsSync(out);
  const lock = await writing(out, () => lockFolder(out, {command: options.command ?? `daek-train --out ${out}`}));
  try {
    return await trainLocked(options, out, stream, say, (p) => { progress = p; });
  } finally {
    lock.release();
    // a run that failed before writing anything leaves no empty folder behind
    if (created) await rmdir(out).catch(() => {});
  }
}

/** The files of a run in its folder (what --restart removes; anything else there is left alone). */
const RUN_ENTRIES = ['log.jsonl', 'loss.png', 'val_psnr.png', RUN_FILE, 'checkpoints', 'student'];

/** The last step in a run's log (-1 without a log). */
async function lastLoggedStep(out: string): Promise<number> {
  const records = await new JsonlLog(path.join(out, 'log.jsonl')).read();
  return records.length ? Math.max(...records.map((r) => r.step)) : -1;
}

async function trainLocked(options: TrainOptions, out: string, stream: ProgressStream, say: (text: string) => void,
    setProgress: (progress: StepProgress) => void): Promise<TrainResult> {
  const checkpoints = path.join(out, 'checkpoints');
  let progress: StepProgress | null = null;

  if (options.restart) {
    if (options.resume) throw new Error('Give --restart or --resume, not both.');
    const logged = await lastLoggedStep(out);
    const names = await readdir(out);
    const old = names.filter((n) => RUN_ENTRIES.includes(n) || n.startsWith('.tmp-student-'));
    for (const name of old) await writing(path.join(out, name), () => rm(path.join(out, name), {recursive: true, force: true}));
    if (old.length > 0) say(`--restart: discarded the run in ${out}${logged >= 0 ? ` (it logged up to step ${logged})` : ''}`);
  }

  // Resume: the run's stored settings rule; a fresh run refuses a folder that already holds one.
  const existing = await listCheckpoints(checkpoints);
  const runFile = readRunFile(out);
  const hasLog = existsSync(path.join(out, 'log.jsonl'));
  let resumeFrom: {dir: string; state: TrainerState} | null = null;
  let settings = options.settings;
  const requested: Partial<RuntimeSettings> = Object.fromEntries(Object.entries(
    {backend: options.backend, checkpointEvery: options.checkpointEvery, keep: options.keep, threads: options.threads}).filter(([, v]) => v !== undefined));
  let runtime: RuntimeSettings = {...DEFAULT_RUNTIME, ...requested};
  let restartedFrom: number | null = null;
  if (options.resume) {
    const last = existing[existing.length - 1];
    if (last) {
      const state = await readState(last.dir);
      checkResumeSettings(state.run as unknown as RunSettings, settings, options.given ?? []);
      settings = state.run as unknown as RunSettings;
      resumeFrom = {dir: last.dir, state};
    } else if (runFile) {
      // Killed before its first checkpoint: nothing was saved but the settings; the run is deterministic, so
      // starting it again from step 0 gives exactly the run it would have been.
      checkResumeSettings(runFile.settings, settings, options.given ?? []);
      settings = runFile.settings;
      restartedFrom = await lastLoggedStep(out);
    } else if (hasLog) {
      throw new Error(`--resume: ${out} holds the log of a run that stopped before its first checkpoint, and no ${RUN_FILE} ` +
        '(an older daek-train wrote it), so its settings are unknown. Pass --restart to discard it and start again ' +
        'with your flags, or choose another --out.');
    } else {
      throw new Error(`--resume: no checkpoint in ${checkpoints} and no run in ${out}; start without --resume.`);
    }
    if (runFile) {
      runtime = {...DEFAULT_RUNTIME, ...runFile.runtime};
      for (const [key, value] of Object.entries(requested) as [keyof RuntimeSettings, never][]) {
        if (runtime[key] === value) continue;
        say(`${RUNTIME_FLAGS[key]} changed: ${runtime[key]} in this run, ${value} now` +
          (key === 'backend' ? ' (the losses will differ from an uninterrupted run\'s in the last digits)' : ''));
        runtime[key] = value;
      }
    } else {
      say(`--resume: ${out} has no ${RUN_FILE} (an older daek-train wrote it), so the run-time settings are: ${Object.entries(RUNTIME_FLAGS)
        .map(([key, flag]) => `${flag} ${runtime[key as keyof RuntimeSettings]}`).join(', ')}`);
    }
  } else if (existing.length > 0) {
    throw new Error(`${out} already holds checkpoints of a run (the newest: step ${existing[existing.length - 1]!.step}). ` +
      'Pass --resume to continue it, --restart to discard it and start this run, or choose another --out.');
  } else if (runFile || hasLog) {
    const logged = await lastLoggedStep(out);
    throw new Error(`${out} already holds a run that stopped before its first checkpoint` +
      `${logged >= 0 ? ` (it logged up to step ${logged})` : ''}. Pass --resume to start it again from step 0 with its ` +
      'stored settings, --restart to discard it and start this run, or choose another --out.');
  }
  const backend = runtime.backend;
  if (runtime.threads !== null && backend !== 'wasm') {
    throw new Error(`--threads ${runtime.threads} applies to the wasm backend only, and this run uses ${backend}.`);
  }
  // Unset --threads: every core (flow-ops' own default is 1 thread in Node; 2 threads measured 1.2-1.6x faster),
  // unless the wasm backend already runs in this process (a script or a test started it): its threads are fixed then.
  const wasmRunning = Boolean((tf.engine() as unknown as {registry: Record<string, unknown>}).registry['wasm']);
  const threads = runtime.threads ?? (backend === 'wasm' && !wasmRunning ? os.availableParallelism() : null);
  const backendInfo = await useBackend(backend, threads !== null ? {threads} : {});
  checkTrainableBackend();

  // Data first: a missing or empty folder fails before any model is built.
  const sources = parseDataSources(settings.data, '--data');
  const open = {
    syntheticSeed: settings.seed, syntheticCount: settings.syntheticCount, syntheticSize: settings.syntheticSize,
    gap: settings.gap, stride: settings.stride, onError: settings.onError,
  };
  const holdout = settings.holdout ? holdoutRanges(settings.holdout, settings.holdoutMargin) : null;
  const trainSet = await openTrainSet(sources, (source) => {
    const exclude = source.path ? holdout?.get(path.basename(source.path)) : undefined;
    if (holdout && source.kind === 'video' && !exclude) {
      throw new Error(`--holdout ${settings.holdout} names no triplets of ${path.basename(source.path!)}; ` +
        'every video trained on must be listed there (or drop --holdout).');
    }
    if (exclude) say(`${describeSource(source)}: leaving out frames ${exclude.map(([a, b]) => `${a}-${b}`).join(', ')} (--holdout)`);
    return openSource(source, {...open, role: 'train', exclude});
  }, (part) => say(`${describeSource(part.source)}: ${part.length} triplets`));
  const data = await TrainData.create(trainSet,
    {seed: settings.seed, crop: settings.crop, batch: settings.batch,
      shuffle: !(sources.length === 1 && sources[0]!.kind === 'video'), onError: settings.onError,
      warn: (m) => say(`warning: ${m}`)});
  const totalSteps = settings.steps > 0 ? settings.steps : settings.epochs * data.stepsPerEpoch;
  const lrSchedule = schedule(settings, totalSteps);
  const valEvery = settings.valEvery > 0 ? settings.valEvery : 5 * data.stepsPerEpoch;
  if (!resumeFrom && restartedFrom === null) {
    // Memory, before validation or any step: switch to micro-batches, or stop saying what to change.
    const describeModel = `${settings.model.model === 'daek' ? 'DAEK' : 'IFNet'} (${settings.model.preset}` +
      `${Object.keys(settings.model.overrides).length ? ' + --config' : ''})`;
    const budget = memoryBudget(backend);
    if (budget) {
      const memory = await measureStepMemory(settings.model);
      const input = {crop: settings.crop, batch: settings.batch, microBatch: settings.microBatch, backend, model: describeModel};
      let plan;
      try {
        plan = planMicroBatch(memory, input);
      } catch (error) {
        if (!options.skipMemoryCheck) throw error;
        plan = {microBatch: settings.microBatch > 0 ? settings.microBatch : settings.batch > 1 ? 1 : 0,
          message: `warning: ${(error as Error).message} --skip-memory-check: running anyway`};
      }
      if (plan.message) say(plan.message);
      settings = {...settings, microBatch: plan.microBatch};
      const chunk = plan.microBatch || settings.batch;
      say(`memory: about ${formatGiB(estimateStepBytes(memory, settings.crop, chunk, chunk < settings.batch))} a step ` +
        `(${chunk < settings.batch ? `micro-batches of ${chunk}` : `batch ${settings.batch}`} at crop ${settings.crop}) of ${budget.name}`);
    } else {
      say(`memory: not estimated on ${backend} (its memory size is not known here); use --micro-batch if a step runs out`);
      settings = {...settings, microBatch: Math.max(0, settings.microBatch)};
    }
  }
  if (restartedFrom !== null) {
    say(`--resume: the run in ${out} stopped before its first checkpoint${restartedFrom >= 0 ? ` (it logged up to step ${restartedFrom})` : ''}; ` +
      'nothing but its settings was saved, so it starts again from step 0 with them');
  }
  await writing(out, () => mkdir(out, {recursive: true}));
  await writeRunFile(out, {settings, runtime, created: runFile?.created ?? new Date().toISOString()});
  const valSource = validationSource(settings, sources);
  let valSamples: RawTriplet[] | null = null;
  if (valSource) {
    // Synthetic validation scenes come from another seed, so they never appear in training.
    valSamples = await readAll(openSource(valSource, {...open, role: 'validation', syntheticSeed: settings.seed + 1,
      syntheticCount: settings.valCount, limit: settings.valCount}), settings.valCount);
  }

  await removeStaleTemporaries(checkpoints);
  for (const name of await readdir(out)) {
    if (name.startsWith('.tmp-student-')) await rm(path.join(out, name), {recursive: true, force: true}); // a kill during an export
  }
  const model = buildTrainModel(settings.model);
  const optimizer = new AdamW({learningRate: lrSchedule.peak, weightDecay: settings.weightDecay});
  const log = new JsonlLog(path.join(out, 'log.jsonl'));
  let lastCheckpoint: string | null = null;
  try {
    let state: TrainerState;
    if (resumeFrom) {
      await loadCheckpoint(resumeFrom.dir, model, optimizer);
      state = resumeFrom.state;
      lastCheckpoint = resumeFrom.dir;
      await log.truncateAfter(state.step);
    } else {
      if (restartedFrom !== null) await log.truncateAfter(-1);
      state = {
        format: STATE_FORMAT, version: STATE_VERSION, step: 0, epoch: 0, position: 0, stepsPerEpoch: data.stepsPerEpoch,
        totalSteps, schedule: lrSchedule, rng: {seed: settings.seed, epoch: 0, position: 0},
        run: settings as unknown as Record<string, unknown>, history: {loss: [], val: []},
        baselinePsnr: valSamples ? frameAveragePsnr(valSamples) : null, elapsedSeconds: 0,
      };
    }
    const now = () => new Date().toISOString();
    const describe = `${settings.model.model} (${settings.model.preset}${Object.keys(settings.model.overrides).length ? ' + --config' : ''}, ` +
      `teacher ${model.teacher}, ${(model.parameters.total / 1e6).toFixed(2)}M parameters, student ${(model.parameters.student / 1e6).toFixed(2)}M)`;
    say(`${resumeFrom ? `resuming at step ${state.step} from ${resumeFrom.dir}` : 'training'}: ${describe} on ${data.name} ` +
      `(${data.length} triplets, ${data.stepsPerEpoch} steps/epoch), batch ${settings.batch}, crop ${settings.crop}, ` +
      `${totalSteps} steps, backend ${tf.getBackend()}${backendInfo.adapter ? ` (adapter: ${backendInfo.adapter})` : ''}` +
      `${backendInfo.threads ? ` (${backendInfo.threads} thread${backendInfo.threads > 1 ? 's' : ''})` : ''}`);
    if (state.baselinePsnr !== null) say(`validation: ${valSamples!.length} triplets from ${describeSource(valSource!)}, frame averaging ` +
      `${state.baselinePsnr.toFixed(3)} dB; every ${valEvery} steps`);
    await log.write({type: 'event', step: state.step, event: resumeFrom ? 'resume' : 'start', time: now(),
      detail: {settings, totalSteps, stepsPerEpoch: data.stepsPerEpoch, backend: tf.getBackend(), threads: backendInfo.threads ?? null, parameters: model.parameters,
        frameAveragePsnr: state.baselinePsnr}});

    let lastPlot = 0;
    let valPsnr0: number | null = null;
    const plots = async (force: boolean) => {
      if (!force && performance.now() - lastPlot < 15000) return;
      lastPlot = performance.now();
      await writing(out, () => writeRunPlots(out, state.history, state.baselinePsnr, `${settings.model.model} ${settings.model.preset}`));
    };
    const checkpoint = async () => {
      state.rng = {seed: settings.seed, epoch: state.epoch, position: state.position};
      lastCheckpoint = await writeCheckpoint(checkpoints, {model, optimizer, state},
        {keep: runtime.keep, beforeRename: options.beforeCheckpointRename});
      await log.write({type: 'event', step: state.step, event: 'checkpoint', detail: {dir: lastCheckpoint}, time: now()});
    };
    const validate = async () => {
      if (!valSamples) return null;
      const t0 = performance.now();
      const psnr = await modelPsnr(model, valSamples);
      const seconds = (performance.now() - t0) / 1000;
      state.history.val.push([state.step, psnr]);
      await log.write({type: 'val', step: state.step, psnr, frameAveragePsnr: state.baselinePsnr!, seconds, time: now()});
      say(`step ${state.step}: validation PSNR ${psnr.toFixed(3)} dB (frame averaging ${state.baselinePsnr!.toFixed(3)} dB, ` +
        `${psnr > state.baselinePsnr! ? 'above' : 'below'}) in ${formatDuration(seconds)}`);
      return psnr;
    };

    // A fresh run validates its initial weights too, so the curve starts where training started.
    if (!resumeFrom && valSamples) valPsnr0 = await validate();
    progress = new StepProgress(totalSteps, settings.batch, state.step, {stream, quiet: options.quiet});
    setProgress(progress);
    const logEvery = settings.logEvery;
    const checkpointEvery = runtime.checkpointEvery;
    let stopped: string | null = null;
    let lastLoss: number | null = state.history.loss.length ? state.history.loss[state.history.loss.length - 1]![1] : null;
    let valPsnr: number | null = valPsnr0 ?? (state.history.val.length ? state.history.val[state.history.val.length - 1]![1] : null);
    let checkpointedAt = resumeFrom ? state.step : -1;
    while (state.step < totalSteps && !stopped) {
      let batches = 0;
      let t0 = performance.now();
      const epoch = state.epoch;
      for await (const batch of data.batches(epoch, state.position)) {
        batches++;
        const lr = learningRate(state.step, {peak: lrSchedule.peak, floor: lrSchedule.floor, warmup: lrSchedule.warmup,
          totalSteps: lrSchedule.totalSteps});
        let loss: StepLoss;
        try {
          loss = await trainStep(model, optimizer, batch, lr, settings.microBatch || undefined);
        } finally {
          disposeFrames(batch);
        }
        const seconds = (performance.now() - t0) / 1000;
        state.elapsedSeconds += seconds;
        state.step++;
        state.position = batch.position;
        // drop_last: the epoch ends when no full batch is left.
        const epochDone = state.position + settings.batch > data.length;
        if (epochDone) {
          state.epoch++;
          state.position = 0;
        }
        lastLoss = loss.loss;
        if (state.step % logEvery === 0 || state.step === totalSteps) {
          state.history.loss.push([state.step, loss.loss]);
          await log.write({type: 'train', step: state.step, epoch, ...loss, lr, seconds,
            samplesPerSecond: settings.batch / seconds, time: now()});
        }
        progress.update(state.step, loss, lr);
        options.onStep?.(state.step, loss);
        if (valSamples && (state.step % valEvery === 0 || state.step === totalSteps)) {
          valPsnr = await validate();
          await plots(true);
        } else {
          await plots(false);
        }
        // A stop request on the last step is moot: the run finishes (checkpoint and export) anyway.
        stopped = state.step < totalSteps ? options.shouldStop?.() ?? null : null;
        if (state.step < totalSteps && (state.step % checkpointEvery === 0 || stopped)) {
          await checkpoint();
          checkpointedAt = state.step;
        }
        if (stopped || state.step >= totalSteps || epochDone) break;
        t0 = performance.now();
      }
      if (batches === 0) {
        throw new Error(`${data.name}: epoch ${epoch} gave no full batch (every sample failed?); stopping rather than train on nothing.`);
      }
    }
    progress.end();
    if (stopped) {
      await log.write({type: 'event', step: state.step, event: 'stop', detail: {reason: stopped}, time: now()});
      await plots(true);
      say(`stopped by ${stopped} after step ${state.step}; checkpoint ${lastCheckpoint}. Resume with --resume --out ${out}`);
      return {step: state.step, totalSteps, stopped, checkpoint: lastCheckpoint, student: null, loss: lastLoss, valPsnr,
        baselinePsnr: state.baselinePsnr, parameters: model.parameters};
    }
    if (checkpointedAt !== state.step) await checkpoint();
    await plots(true);
    const student = path.join(out, 'student');
    const temporary = path.join(out, `.tmp-student-${process.pid}`);
    await writing(temporary, async () => {
      await rm(temporary, {recursive: true, force: true});
      await mkdir(temporary);
      await exportStudent(model, temporary);
      await rm(student, {recursive: true, force: true});
      await rename(temporary, student);
    });
    await log.write({type: 'event', step: state.step, event: 'end', detail: {student, loss: lastLoss, valPsnr}, time: now()});
    say(`done: ${state.step} steps, last loss ${lastLoss?.toPrecision(4)}` +
      `${valPsnr !== null ? `, validation PSNR ${valPsnr.toFixed(3)} dB (frame averaging ${state.baselinePsnr!.toFixed(3)} dB)` : ''}; ` +
      `student (no teacher) in ${student}`);
    return {step: state.step, totalSteps, stopped: 'done', checkpoint: lastCheckpoint, student, loss: lastLoss, valPsnr,
      baselinePsnr: state.baselinePsnr, parameters: model.parameters};
  } finally {
    optimizer.dispose();
    disposeModel(model);
    clearResizeCache(); // flow-ops' per-shape resize matrices: rebuilt on demand, released with the run
  }
}

