// Command-line flags → BenchOptions.
import os from 'node:os';
import path from 'node:path';
import {parseArgs} from 'node:util';
import type {BackendName} from '@daek/flow-ops';
import type {SnuFilmDifficulty} from '@daek/datasets';
import {
  frameFolderSet, middleburySet, SNU_DIFFICULTIES, snuFilmSet, syntheticSet, tripletFolderSet, ucf101Set, vimeoSet, type EvalSet,
} from './eval_sets.js';
import {METHOD_GRAMMAR, parseMethodSpec, parseWeightsFlags} from './methods/parse.js';
import {DEFAULT_REFERENCE_PATTERN} from './methods/reference.js';
import type {Command} from './report/run_data.js';
import {DEFAULT_METHODS, type BenchOptions} from './run.js';

/** Triplets of the embedded default's synthetic set. */
export const DEFAULT_SYNTHETIC_COUNT = 8;

/** The commands. */
export const COMMANDS: readonly Command[] = ['table1', 'table2', 'table3', 'middlebury', 'runtime'];

/** `--help` text. */
export const USAGE = `daek-bench [command] [options]: reproduce the DAEK paper's tables, side by side with the paper

Commands
  (none)        the embedded default: a synthetic set (${DEFAULT_SYNTHETIC_COUNT} triplets, 448x256) with the shipped default
                model (createInterpolator()'s, trained), frame averaging and ffmpeg's minterpolate; Table I layout
  table1        Table I: PSNR/SSIM per dataset, parameters, runtime (s per 448x256 frame)
  table2        Table II: the ablation presets (baseline, daek-f-ca, daek-f-sfa, daek-f-da, daek-da)
  table3        Table III: distillation schemes (daek-no-distill, daek-rt, daek-ot, rife-ot)
  middlebury    IE and PSNR on Middlebury Other (--middlebury DIR)
  runtime       ms per frame by backend and resolution (--backends, --sizes; --engine onnxruntime --threads N)
  decimate FILE drop every other frame of a video, interpolate them back, score against the originals
                (daek-bench decimate --help)

Datasets (table1/2/3 use the synthetic set when none is given)
  --vimeo DIR             Vimeo-90K triplet test set (vimeo_triplet: tri_testlist.txt, sequences/)
  --ucf101 DIR            UCF101-DVF (ucf101_interp_ours: <id>/frame_00.png, frame_01_gt.png, frame_02.png)
  --snu-film DIR          SNU-FILM lists test-{easy,medium,hard,extreme}.txt
  --snu-film-frames DIR   where the listed frame paths resolve (default: --snu-film DIR)
  --snu-difficulties L    comma list (default easy,medium,hard,extreme)
  --middlebury DIR        Middlebury Other (official or flat layout)
  --frames DIR            a folder of numbered frames: triplets (s, s+1, s+2)
  --triplets DIR          folders of ready-made triplets at any depth (frame0.png, gt.png, frame1.png), e.g.
                          ../shared/data/video-clips/triplets
  --synthetic N           N synthetic triplets (@daek/datasets createSyntheticTriplets)
  --synthetic-size WxH    their size (default 448x256)
  --seed N                their seed (default 1)

Methods (default: the command's own list)
  --method SPEC           repeatable: ${METHOD_GRAMMAR}
                          e.g. --method daek:daek-f-ca=weights/f-ca  --method reference=../shared/data/ucf101-dvf-sample
                          (+ensemble: the mean of the frames for both input orders, twice the passes;
                          +refine: flow search refinement after each pass, either --engine, a test-time
                          extension outside the DAEK paper, about 3x the time per frame on onnxruntime;
                          'default' is createInterpolator()'s defaults and refines, +norefine for the network
                          alone; daek[:PRESET] and rife, the paper's, refine only with +refine)
  --weights [NAME=]PATH   weights for preset NAME (or rife); a bare PATH is for daek. Repeatable
  --reference-pattern P   file of a triplet under a reference folder, {id} = triplet id (default ${DEFAULT_REFERENCE_PATTERN})
  --pad-mode M            replicate (default, spec A20) or zero
  --pad-multiple N        pad height and width to a multiple of N (default 32)

Run
  --backend B             wasm (default), cpu or webgpu
  --engine E              tfjs (default: the reference) or onnxruntime (@daek/onnx, onnxruntime-node) for the
                          network methods; frame averaging and minterpolate ignore it
  --threads N             wasm threads, or ONNX Runtime's with --engine onnxruntime (default: the logical cores;
                          tfjs-wasm results are bit-identical for any N)
  --limit N               score only the first N triplets of each set (the output says "subset")
  --resume                reuse the rows of <out>/triplets.csv from an identical earlier run
  --out DIR               output folder (default daek-bench-results/<command>)
  --warmup N --runs N     runtime: warm-up and timed runs (default 1 and 3; --runs 0 skips Table I's runtime column)
  --backends L            runtime: comma list of backends (default: --backend)
  --sizes L               runtime: comma list of WxH (default 256x256,448x256,1280x720)
  --quiet                 no progress bars or status lines (the report still goes to stdout)
  -h, --help              this text

Output: the markdown report on stdout (tables with the paper's numbers beside ours, notes, protocol block), and
<out>/results.md, results.json, chart.png, triplets.csv. Progress with ETA goes to stderr.`;

/** A usage error (exit status 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function positiveInteger(flag: string, text: string | undefined, minimum = 1): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(Number.isInteger(value) && value >= minimum)) throw new UsageError(`${flag}: expected an integer >= ${minimum}, got '${text}'`);
  return value;
}

function parseSize(flag: string, text: string): [number, number] {
  const match = /^(\d+)x(\d+)$/.exec(text.trim());
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) throw new UsageError(`${flag}: expected WIDTHxHEIGHT such as 448x256, got '${text}'`);
  return [Number(match[1]), Number(match[2])];
}

const BACKENDS: readonly BackendName[] = ['wasm', 'cpu', 'webgpu'];

function parseBackend(flag: string, text: string): BackendName {
  if (!BACKENDS.includes(text as BackendName)) throw new UsageError(`${flag}: expected one of ${BACKENDS.join(', ')}, got '${text}'`);
  return text as BackendName;
}

/** `--help` was asked for. */
export interface HelpRequest {
  /** Print {@link USAGE}. */
  help: true;
}

/** Flags parsed into options. */
export interface RunRequest {
  /** Not help. */
  help: false;
  /** The options to run with. */
  options: BenchOptions;
}

/** The result of parsing: options to run, or the help text. */
export type ParsedArgs = HelpRequest | RunRequest;

/** Parse the command line (without `node` and the script). */
export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'vimeo': {type: 'string'}, 'ucf101': {type: 'string'}, 'snu-film': {type: 'string'}, 'snu-film-frames': {type: 'string'},
        'snu-difficulties': {type: 'string'}, 'middlebury': {type: 'string'}, 'frames': {type: 'string'}, 'triplets': {type: 'string'},
        'synthetic': {type: 'string'}, 'synthetic-size': {type: 'string'}, 'seed': {type: 'string'},
        'method': {type: 'string', multiple: true}, 'weights': {type: 'string', multiple: true},
        'reference-pattern': {type: 'string'}, 'pad-mode': {type: 'string'}, 'pad-multiple': {type: 'string'},
        'backend': {type: 'string'}, 'limit': {type: 'string'}, 'resume': {type: 'boolean'}, 'out': {type: 'string'},
        'warmup': {type: 'string'}, 'runs': {type: 'string'}, 'backends': {type: 'string'}, 'sizes': {type: 'string'}, 'threads': {type: 'string'},
        'engine': {type: 'string'},
        'quiet': {type: 'boolean'}, 'help': {type: 'boolean', short: 'h'},
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}. Run daek-bench --help for the flags.`);
  }
  const {values: v, positionals} = parsed;
  if (v.help || positionals[0] === 'help') return {help: true};
  if (positionals[0] === 'decimate') throw new UsageError('decimate: put it first, as in daek-bench decimate FILE [options]');
  if (positionals.length > 1) throw new UsageError(`one command at a time, got: ${positionals.join(' ')}`);
  const commandText = positionals[0];
  if (commandText !== undefined && !COMMANDS.includes(commandText as Command)) {
    throw new UsageError(`unknown command '${commandText}'; commands: ${COMMANDS.join(', ')}, decimate FILE (or none for the embedded default)`);
  }
  let command: Command = (commandText as Command | undefined) ?? 'default';

  const sets: EvalSet[] = [];
  const notes: string[] = [];
  if (v.vimeo) sets.push(vimeoSet(v.vimeo));
  if (v.ucf101) sets.push(ucf101Set(v.ucf101));
  if (v['snu-film-frames'] && !v['snu-film']) throw new UsageError('--snu-film-frames needs --snu-film DIR (the folder of the test-*.txt lists)');
  if (v['snu-difficulties'] && !v['snu-film']) throw new UsageError('--snu-difficulties needs --snu-film DIR');
  if (v['snu-film']) {
    const difficulties = (v['snu-difficulties'] ?? SNU_DIFFICULTIES.join(',')).split(',').map((d) => d.trim()).filter(Boolean);
    for (const d of difficulties) {
      if (!SNU_DIFFICULTIES.includes(d as SnuFilmDifficulty)) {
        throw new UsageError(`--snu-difficulties: unknown '${d}'; expected a comma list of ${SNU_DIFFICULTIES.join(', ')}`);
      }
      sets.push(snuFilmSet(v['snu-film'], d as SnuFilmDifficulty, v['snu-film-frames']));
    }
  }
  if (v.middlebury) sets.push(middleburySet(v.middlebury));
  if (v.frames) sets.push(frameFolderSet(v.frames));
  if (v.triplets) sets.push(tripletFolderSet(v.triplets));
  const syntheticCount = positiveInteger('--synthetic', v.synthetic);
  const [width, height] = v['synthetic-size'] ? parseSize('--synthetic-size', v['synthetic-size']) : [448, 256];
  const seed = positiveInteger('--seed', v.seed, 0) ?? 1;
  if (command === 'middlebury') {
    if (!v.middlebury) throw new UsageError('middlebury: give --middlebury DIR (Middlebury Other: <Seq>/frame10.png, frame10i11.png, frame11.png)');
    if (sets.length > 1 || syntheticCount !== undefined) throw new UsageError('middlebury: only --middlebury DIR is scored; run table1 for the other sets');
  }
  if (command === 'runtime' && sets.length > 0) throw new UsageError('runtime: takes no dataset flags (it times synthetic frames of --sizes)');
  // dataset flags without a command: Table I on those sets (the default is Table I on the synthetic set)
  if (command === 'default' && (sets.length > 0 || syntheticCount !== undefined)) command = 'table1';
  if (syntheticCount !== undefined || (sets.length === 0 && command !== 'runtime' && command !== 'middlebury')) {
    sets.push(syntheticSet({count: syntheticCount ?? DEFAULT_SYNTHETIC_COUNT, width, height, seed}));
    if (command !== 'default' && syntheticCount === undefined) {
      notes.push(`No dataset flags: scored on ${DEFAULT_SYNTHETIC_COUNT} synthetic triplets. Give --vimeo, --ucf101, --snu-film ... for the paper's sets.`);
    }
  }

  const methods = v.method ?? DEFAULT_METHODS[command];
  for (const spec of methods) {
    try {
      parseMethodSpec(spec);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  let weights;
  try {
    weights = parseWeightsFlags(v.weights ?? []);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const padMode = v['pad-mode'] ?? 'replicate';
  if (padMode !== 'replicate' && padMode !== 'zero') throw new UsageError(`--pad-mode: expected replicate or zero, got '${padMode}'`);
  const backend = parseBackend('--backend', v.backend ?? 'wasm');
  const backends = v.backends ? v.backends.split(',').map((b) => parseBackend('--backends', b.trim())) : [backend];
  const sizes = (v.sizes ?? '256x256,448x256,1280x720').split(',').map((s) => parseSize('--sizes', s));
  const limit = positiveInteger('--limit', v.limit);
  const engine = v.engine ?? 'tfjs';
  if (engine !== 'tfjs' && engine !== 'onnxruntime') throw new UsageError(`--engine: expected tfjs or onnxruntime, got '${engine}'`);
  return {
    help: false,
    options: {
      command, argv: [...argv], sets, methods, explicitMethods: v.method !== undefined, weights, backend, backends, sizes, engine,
      limit, threads: positiveInteger('--threads', v.threads) ?? os.availableParallelism(), resume: v.resume ?? false, out: path.resolve(v.out ?? path.join('daek-bench-results', command)),
      warmup: positiveInteger('--warmup', v.warmup, 0) ?? 1, runs: positiveInteger('--runs', v.runs, 0) ?? 3,
      padding: {mode: padMode, multiple: positiveInteger('--pad-multiple', v['pad-multiple']) ?? 32},
      referencePattern: v['reference-pattern'], quiet: v.quiet ?? false, notes,
    },
  };
}
