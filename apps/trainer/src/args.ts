// Command-line flags → train options.
import path from 'node:path';
import {parseArgs} from 'node:util';
import type {BackendName} from '@daek/flow-ops';
import type {TeacherKind} from '@daek/distill';
import {parseDataSource, parseDataSources} from './data.js';
import {presetNames, type ModelKind} from './model.js';
import {DEFAULT_SETTINGS, type RunSettings, type TrainOptions} from './run.js';

/** A command-line mistake: the CLI prints it with a pointer to --help and exits with status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The default output folder. */
export const DEFAULT_OUT = 'daek-train-runs/run';

/** `--help` text. */
export const USAGE = `daek-train [options]: train DAEK (or RIFE's IFNet) in TensorFlow.js, with the paper's recipe by default
(on daek-s, whose training step fits a CPU; --preset daek for the paper's network)

Data
  --data SOURCE           training triplets (default synthetic):
                            synthetic        seeded synthetic triplets with exact ground truth (no download)
                            vimeo:DIR        Vimeo-90K vimeo_triplet (tri_trainlist.txt, sequences/): RIFE's first 95%
                            ucf101:DIR       UCF101-DVF layout (<id>/frame_00.png, frame_01_gt.png, frame_02.png)
                            video:FILE       any video ffmpeg decodes: triplets (s, s+gap, s+2·gap)
                            frames:DIR       a folder of numbered frames: same triplets
                          several, joined by commas, are shuffled together as one set (videos are decoded once into
                          memory), e.g. video:a.mp4,video:b.mp4,synthetic
  --holdout FILE          a manifest of evaluation triplets (the layout of video-clips/triplets/manifest.json): video
                          sources never use a frame within --holdout-margin frames of them
  --holdout-margin N      frames left out around each held-out triplet (default ${DEFAULT_SETTINGS.holdoutMargin})
  --val SOURCE            validation set, same forms, or auto (default) or none. auto: Vimeo's last 5% (RIFE's split)
                          for vimeo, synthetic scenes of seed+1 for synthetic, none otherwise
  --val-count N           validation triplets (default ${DEFAULT_SETTINGS.valCount})
  --val-every N           validate every N steps and at the end (default: every 5 epochs, as RIFE)
  --synthetic-count N     synthetic training triplets (default ${DEFAULT_SETTINGS.syntheticCount})
  --synthetic-size WxH    synthetic frame size (default ${DEFAULT_SETTINGS.syntheticSize.join('x')}, Vimeo's)
  --gap N --stride N      video/frames: frames between a triplet's frames, and between triplets (default 1, 1)
  --on-error throw|skip   a bad sample stops the run naming its file (default), or is reported and skipped

Model
  --model daek|ifnet      DAEK (default) or RIFE's IFNet
  --preset NAME           daek: ${presetNames('daek').join(', ')}
                          (default daek-s: every DAEK mechanism at a tenth of the compute, the shipped model; its
                          step fits a CPU. daek = the paper's full DAEK-F-DA w/ OT, which needs a GPU to train)
                          ifnet: rife (default), tiny. tiny = 16-channel blocks, for tests and smoke runs
  --config JSON           fields over the preset, e.g. '{"mebWidths":[120,75,45],"featChannels":32}' (DAEK) or
                          '{"widths":[120,75,45],"teacherWidth":45}' (IFNet)
  --teacher ours|rife|none  overrides the preset's teacher (loss: Lap(out) + Lap(teacher) + 0.01·L_dis; none: Lap(out))

Optimisation (spec §3.1: AdamW, cosine from --lr to --lr-min after a linear warmup)
  --epochs N | --steps N  length of the run (default ${DEFAULT_SETTINGS.epochs} epochs; --steps N overrides)
  --batch N               batch size (default ${DEFAULT_SETTINGS.batch})
  --micro-batch M|auto    run each batch in chunks of M samples and average their gradients (one AdamW step per
                          batch): the memory of a step is that of M samples (full DAEK at 224: about 3.7 GB each).
                          auto (default): the step's memory is measured before the run; the whole batch when it fits
                          the backend (wasm: 4 GiB heap; cpu: 80% of the machine), else the largest M that fits, said
                          in a message; a run that cannot fit stops at once saying what to change
  --skip-memory-check     run even where the estimate says a step does not fit (it is about 4% above a direct
                          measurement: full DAEK at 224 on wasm is refused, though batch 1 may just fit)
  --crop N                random square crop (default ${DEFAULT_SETTINGS.crop}); a multiple of 16, at least 64
  --lr X --lr-min X       peak and final learning rate (default 1e-4, 1e-6)
  --warmup N              linear warmup steps (default min(2000, 10% of the run); RIFE: 2000)
  --weight-decay X        AdamW decoupled weight decay (default 1e-3)
  --seed N                weights, data order, augmentation and synthetic scenes (default ${DEFAULT_SETTINGS.seed})

Run
  --backend B             wasm (default), cpu or webgpu
  --threads N             wasm: threads (default: the logical cores; the start line says how many run)
  --out DIR               output folder (default ${DEFAULT_OUT}): log.jsonl, loss.png, val_psnr.png,
                          checkpoints/step-NNNNNNNNN/, student/model.json (the student without teacher weights)
  --resume                continue the run in --out from its newest checkpoint: weights, optimiser state, step,
                          schedule, data order and augmentation; the loss curve is the uninterrupted one. Every
                          setting comes from the run (<out>/run.json): give no other flag, or only --backend,
                          --checkpoint-every or --keep to change them (each change is said). A run stopped before
                          its first checkpoint starts again from step 0 with its settings
  --restart               discard the run in --out (log, plots, run.json, checkpoints, student) and start anew
  --checkpoint-every N    checkpoint every N steps (default 1000), and always at the end and on Ctrl-C / SIGTERM
  --keep K                keep the K newest checkpoints (default 3)
  --log-every N           write a log line every N steps (default 10)
  --quiet                 no progress bar
  --benchmark N           time N training steps (after 1 warm-up) at --crop and --batch on seeded noise and print
                          samples/s; writes nothing
  --benchmark-warmup N    untimed steps before those (default 1)
  -h, --help              this text

Ctrl-C or SIGTERM finishes the current step, writes a checkpoint and exits (status 130 / 143); a second one
exits at once. If the daek-train command itself is killed (even with SIGKILL), the trainer gets SIGTERM and
stops within 3 s. One process at a time writes a run folder: another is refused, naming it (pid, host, start
time, command). Example, a few minutes on a CPU:
  daek-train --model ifnet --preset tiny --synthetic-size 128x128 --synthetic-count 64 --crop 64 --batch 4 \\
    --steps 200 --lr 1e-3 --val-every 50 --backend wasm --out runs/tiny`;

/** `--help` was given. */
export interface HelpRequest {
  /** True. */
  help: true;
}

/** A training run or a benchmark. */
export interface RunRequest {
  /** False. */
  help: false;
  /** `--benchmark N`: time N steps instead of training (null: train). */
  benchmark: number | null;
  /** `--benchmark-warmup N`: untimed steps first (default 1). */
  benchmarkWarmup: number;
  /** The run. */
  options: TrainOptions;
}

/** What {@link parseCommandLine} returns. */
export type ParsedArgs = HelpRequest | RunRequest;

const FLAGS = {
  data: {type: 'string'}, holdout: {type: 'string'}, 'holdout-margin': {type: 'string'}, val: {type: 'string'}, 'val-count': {type: 'string'}, 'val-every': {type: 'string'},
  'synthetic-count': {type: 'string'}, 'synthetic-size': {type: 'string'}, gap: {type: 'string'}, stride: {type: 'string'},
  'on-error': {type: 'string'}, model: {type: 'string'}, preset: {type: 'string'}, config: {type: 'string'},
  teacher: {type: 'string'}, epochs: {type: 'string'}, steps: {type: 'string'}, batch: {type: 'string'}, 'micro-batch': {type: 'string'}, crop: {type: 'string'},
  lr: {type: 'string'}, 'lr-min': {type: 'string'}, warmup: {type: 'string'}, 'weight-decay': {type: 'string'},
  seed: {type: 'string'}, backend: {type: 'string'}, out: {type: 'string'}, resume: {type: 'boolean'}, restart: {type: 'boolean'}, threads: {type: 'string'}, 'skip-memory-check': {type: 'boolean'},
  'checkpoint-every': {type: 'string'}, keep: {type: 'string'}, 'log-every': {type: 'string'}, quiet: {type: 'boolean'},
  benchmark: {type: 'string'}, 'benchmark-warmup': {type: 'string'}, help: {type: 'boolean', short: 'h'},
} as const;

/** Every flag `daek-train` takes, without the leading `--` (the --help test checks each is documented). */
export const FLAG_NAMES: readonly string[] = Object.freeze(Object.keys(FLAGS));

function integer(flag: string, text: string | undefined, minimum: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < minimum) {
    throw new UsageError(`--${flag}: expected an integer >= ${minimum}, got '${text}'.`);
  }
  return value;
}

function real(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new UsageError(`--${flag}: expected a number >= 0, got '${text}'.`);
  return value;
}

function oneOf<T extends string>(flag: string, text: string | undefined, allowed: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  if (!allowed.includes(text as T)) throw new UsageError(`--${flag}: expected one of ${allowed.join(', ')}, got '${text}'.`);
  return text as T;
}

/** Parse `daek-train` arguments (without `node` and the script). Throws {@link UsageError} on mistakes. */
export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({values} = parseArgs({args: [...argv], options: FLAGS, strict: true, allowPositionals: false}));
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see daek-train --help).`);
  }
  if (values.help) return {help: true};
  const v = values as Record<string, string | undefined>;
  const given: (keyof RunSettings)[] = [];
  const settings: RunSettings = structuredClone({...DEFAULT_SETTINGS}) as RunSettings;
  const set = <K extends keyof RunSettings>(key: K, value: RunSettings[K] | undefined) => {
    if (value === undefined) return;
    settings[key] = value;
    given.push(key);
  };

  if (v.data !== undefined) {
    try {
      parseDataSources(v.data, '--data');
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  set('data', v.data);
  set('holdout', v.holdout === undefined ? undefined : path.resolve(v.holdout));
  set('holdoutMargin', integer('holdout-margin', v['holdout-margin'], 0));
  if (v.val !== undefined && v.val !== 'auto' && v.val !== 'none') {
    try {
      parseDataSource(v.val, '--val');
    } catch (error) {
      throw new UsageError(`${(error as Error).message} Or auto, or none.`);
    }
  }
  set('val', v.val);
  set('valCount', integer('val-count', v['val-count'], 1));
  set('valEvery', integer('val-every', v['val-every'], 1));
  set('syntheticCount', integer('synthetic-count', v['synthetic-count'], 1));
  if (v['synthetic-size'] !== undefined) {
    const match = /^(\d+)x(\d+)$/.exec(v['synthetic-size']);
    if (!match) throw new UsageError(`--synthetic-size: expected WIDTHxHEIGHT such as 448x256, got '${v['synthetic-size']}'.`);
    set('syntheticSize', [Number(match[1]), Number(match[2])]);
  }
  set('gap', integer('gap', v.gap, 1));
  set('stride', integer('stride', v.stride, 1));
  set('onError', oneOf('on-error', v['on-error'], ['throw', 'skip'] as const));

  const modelKind = oneOf('model', v.model, ['daek', 'ifnet'] as const) ?? 'daek';
  const preset = v.preset ?? (modelKind === 'daek' ? DEFAULT_SETTINGS.model.preset : 'rife');
  if (!presetNames(modelKind as ModelKind).includes(preset)) {
    throw new UsageError(`--preset: '${preset}' is not a ${modelKind} preset; expected one of ${presetNames(modelKind).join(', ')}.`);
  }
  let overrides: Record<string, unknown> = {};
  if (v.config !== undefined) {
    try {
      overrides = JSON.parse(v.config) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`--config: not valid JSON (${(error as Error).message}); quote it, e.g. --config '{"featChannels":32}'.`);
    }
    if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
      throw new UsageError('--config: expected a JSON object of configuration fields.');
    }
  }
  const teacher = oneOf('teacher', v.teacher, ['ours', 'rife', 'none'] as const) as TeacherKind | undefined;
  if (v.model !== undefined || v.preset !== undefined || v.config !== undefined || v.teacher !== undefined) {
    set('model', {model: modelKind, preset, overrides, ...(teacher ? {teacher} : {})});
  }

  if (v.epochs !== undefined && v.steps !== undefined) throw new UsageError('Give --epochs or --steps, not both.');
  set('epochs', integer('epochs', v.epochs, 1));
  set('steps', integer('steps', v.steps, 1));
  set('batch', integer('batch', v.batch, 1));
  const micro = v['micro-batch'] === 'auto' ? -1 : integer('micro-batch', v['micro-batch'], 1);
  if (micro !== undefined && micro > 0 && settings.batch % micro !== 0) {
    throw new UsageError(`--micro-batch ${micro} must divide --batch ${settings.batch}.`);
  }
  set('microBatch', micro);
  const crop = integer('crop', v.crop, 64);
  if (crop !== undefined && crop % 16 !== 0) throw new UsageError(`--crop: expected a multiple of 16 (the networks need it), got ${crop}.`);
  set('crop', crop);
  set('lr', real('lr', v.lr));
  set('lrMin', real('lr-min', v['lr-min']));
  if (settings.lrMin > settings.lr) throw new UsageError(`--lr-min ${settings.lrMin} is above --lr ${settings.lr}.`);
  set('warmup', integer('warmup', v.warmup, 0));
  set('weightDecay', real('weight-decay', v['weight-decay']));
  set('seed', integer('seed', v.seed, 0));
  set('logEvery', integer('log-every', v['log-every'], 1));

  if (values.resume && values.restart) throw new UsageError('Give --restart or --resume, not both.');
  // Run-time settings stay undefined unless given: a new run takes the defaults, a resume the run's own.
  const backend = oneOf('backend', v.backend, ['wasm', 'cpu', 'webgpu'] as const) as BackendName | undefined;
  const checkpointEvery = integer('checkpoint-every', v['checkpoint-every'], 1);
  const keep = integer('keep', v.keep, 1);
  const threads = integer('threads', v.threads, 1);
  if (threads !== undefined && backend !== undefined && backend !== 'wasm') throw new UsageError(`--threads applies to --backend wasm only.`);
  const options: TrainOptions = {
    settings, given, out: path.resolve(v.out ?? DEFAULT_OUT), resume: values.resume === true, restart: values.restart === true,
    ...(backend ? {backend} : {}), ...(checkpointEvery ? {checkpointEvery} : {}), ...(keep ? {keep} : {}), ...(threads ? {threads} : {}),
    quiet: values.quiet === true, skipMemoryCheck: values['skip-memory-check'] === true, command: ['daek-train', ...argv].join(' '),
  };
  const benchmark = integer('benchmark', v.benchmark, 1) ?? null;
  if (benchmark !== null && (options.resume || options.restart)) throw new UsageError('--benchmark writes nothing and cannot --resume or --restart.');
  return {help: false, benchmark, benchmarkWarmup: integer('benchmark-warmup', v['benchmark-warmup'], 0) ?? 1, options};
}
