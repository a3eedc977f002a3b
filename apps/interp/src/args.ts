// Command-line flags -> jobs.
import {parseArgs} from 'node:util';
import {DEFAULT_SCENE_CUT_THRESHOLD} from '@daek/datasets';
import type {EngineName, EngineOptions} from './engine.js';
import {InterpError} from './errors.js';
import type {FolderJob, FramesJob} from './images.js';
import type {PairSettings, SceneCutMode} from './pair.js';
import {parseRational} from './rational.js';
import type {TileOptions} from './tiles.js';
import type {VideoJob} from './video.js';

/** The engine used when `--engine` is not given. */
export const DEFAULT_ENGINE: EngineName = 'onnxruntime';

/** Default bisection depth (t on a 1/16 grid: at most 1/32 of a frame interval off). */
export const DEFAULT_DEPTH = 4;

/** `--help` text. */
export const USAGE = `daek-interp: smoother video and in-between frames with the DAEK network

  daek-interp video IN -o OUT (--multi N | --fps F) [options]
  daek-interp frames A B -o OUT.png [--t 0.3]         one frame at t
  daek-interp frames A B -o DIR/ --n 7                 n evenly spaced frames, t = i/(n+1)
  daek-interp folder DIR -o DIR2 --multi N             numbered frames: (N-1)*multi + 1 frames out

Rate (video)
  --multi N             N times the frame rate (N >= 2); N input frames give N*frames, the last frame held
  --fps F               a target rate, e.g. 60, 59.94 or 60000/1001; round(duration*F) frames at a constant step
  --depth D             bisection depth for t other than 0.5 (default ${DEFAULT_DEPTH}: t on a 1/16 grid, at most
                        1/32 of an input frame interval off)

Video encoding
  --codec NAME          ffmpeg encoder (default: the input's codec family, visually lossless)
  --pix-fmt NAME        ffmpeg pixel format (default: the input's)
  --crf N               quality for crf encoders (libx264 default 16, libx265 18, vp9 18, svt-av1 20)
  --segment-frames N    input frames per resumable segment (default 60)

Scene cuts
  --scene-threshold X   thumbnail histogram distance in (0, 1] above which two frames are a cut (default
                        ${DEFAULT_SCENE_CUT_THRESHOLD}; 1 turns detection off)
  --scene-cut MODE      duplicate (default: the gap is filled with the nearest input frame of the same shot)
                        or blend (a cross-fade)

Model
  --engine E            onnxruntime or tfjs (default ${DEFAULT_ENGINE})
  --threads N           threads: ONNX Runtime's intra-op threads (default: the physical cores), or tfjs-wasm's
  --model NAME          a model name (default: the shipped model)
  --weights FILE        tfjs model.json, PyTorch .pth, or .onnx (--engine onnxruntime)
  --scale S             estimate motion at S times the resolution, warp at full resolution (--engine tfjs;
                        default: 1 up to 1080p, the largest of 1/2, 1/4, ... that brings larger frames to 1080p)
  --ensemble            average the frames made from (a, b) and from (b, a): better frames (+0.02-0.15 dB),
                        twice the time
  --refine              flow search refinement, on by default: after each network pass every pixel's flow is searched
                        on a 3x3 grid (1, 0.5, 0.25 px), from the better of the network's flow and that of a second
                        pass at half size, and the frame blended again (a test-time extension, not in the DAEK paper;
                        chosen on held-out clips), about 3x the time of one pass on onnxruntime; either engine. It needs the network's full resolution: by default it is off (with a note) when
                        --scale < 1 is given or chosen automatically; an explicit --refine refuses --scale < 1 and
                        turns the automatic --scale off
  --no-refine           the network alone, no flow search refinement: faster
  --tile N              interpolate frames larger than N pixels in N x N tiles with feathered seams
  --tile-overlap N      overlap of the tiles (default 32)

Run
  -o, --output PATH     output file or folder (never the input)
  --overwrite           replace an existing output
  --resume              continue an interrupted run (video: from its last complete segment)
  --json                print the summary as JSON on stdout
  --quiet               no progress line
  -h, --help            this text

Exit status: 0 done, 2 bad input or usage (one line says what and how to fix it), 130 stopped with Ctrl-C
(video: resumable with --resume), 1 anything else.`;

/** `--help`, or no command. */
export interface HelpCommand {
  /** Print the usage. */
  command: 'help';
}

/** A command that runs a job. */
export interface JobCommand<Name extends string, Job> {
  /** Which command. */
  command: Name;
  /** Its settings. */
  job: Job;
  /** Print the summary as JSON on stdout. */
  json: boolean;
  /** No progress line. */
  quiet: boolean;
}

/** A parsed command line. */
export type Command = HelpCommand | JobCommand<'video', VideoJob> | JobCommand<'frames', FramesJob> | JobCommand<'folder', FolderJob>;

function usage(message: string): InterpError {
  return new InterpError('usage', `${message} (daek-interp --help)`);
}

function integer(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw usage(`${flag}: expected an integer >= ${min}, got '${text}'`);
  return n;
}

function number(text: string | undefined, flag: string, check: (n: number) => boolean, expected: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || !check(n)) throw usage(`${flag}: expected ${expected}, got '${text}'`);
  return n;
}

/** Parse `argv` (without node and the script). @throws InterpError (usage). */
export function parseCommandLine(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv], allowPositionals: true, strict: true,
      options: {
        output: {type: 'string', short: 'o'}, multi: {type: 'string'}, fps: {type: 'string'}, depth: {type: 'string'},
        codec: {type: 'string'}, 'pix-fmt': {type: 'string'}, crf: {type: 'string'}, 'segment-frames': {type: 'string'},
        'scene-threshold': {type: 'string'}, 'scene-cut': {type: 'string'}, engine: {type: 'string'}, threads: {type: 'string'},
        model: {type: 'string'}, weights: {type: 'string'}, scale: {type: 'string'}, tile: {type: 'string'},
        'tile-overlap': {type: 'string'}, ensemble: {type: 'boolean'}, refine: {type: 'boolean'}, 'no-refine': {type: 'boolean'}, overwrite: {type: 'boolean'}, resume: {type: 'boolean'}, json: {type: 'boolean'},
        quiet: {type: 'boolean'}, help: {type: 'boolean', short: 'h'}, t: {type: 'string'}, n: {type: 'string'},
      },
    });
  } catch (error) {
    throw usage((error as Error).message);
  }
  const {values: v, positionals} = parsed;
  if (v.help || positionals.length === 0) return {command: 'help'};
  const [command, ...rest] = positionals;
  const engineName = v.engine ?? DEFAULT_ENGINE;
  if (engineName !== 'onnxruntime' && engineName !== 'tfjs') throw usage(`--engine: expected onnxruntime or tfjs, got '${engineName}'`);
  const scale = number(v.scale, '--scale', (s) => s > 0 && s <= 1, 'a number in (0, 1]');
  if (v.refine && v['no-refine']) throw usage('--refine and --no-refine contradict each other; give one of them (refinement is on by default)');
  if (v.refine && scale !== undefined && scale !== 1) {
    throw usage(`--refine searches the network's full-resolution flow and does not combine with --scale ${scale}; drop --scale ` +
      '(or pass --scale 1), or use --tile N for large frames');
  }
  const engine: EngineOptions = {
    engine: engineName,
    ...(v.threads !== undefined ? {threads: integer(v.threads, '--threads', 1)} : {}),
    ...(v.model !== undefined ? {model: v.model} : {}),
    ...(v.weights !== undefined ? {weights: v.weights} : {}),
    ...(scale !== undefined ? {scale} : {}),
    ...(v.ensemble ? {ensemble: true} : {}),
    // Neither flag: refine stays undefined, the default, which autoScale resolves (on at full resolution, off with a note
    // at a reduced --scale).
    ...(v.refine ? {refine: true} : v['no-refine'] ? {refine: false} : {}),
  };
  const sceneCut = (v['scene-cut'] ?? 'duplicate') as SceneCutMode;
  if (sceneCut !== 'duplicate' && sceneCut !== 'blend') throw usage(`--scene-cut: expected duplicate or blend, got '${sceneCut}'`);
  const threshold = number(v['scene-threshold'], '--scene-threshold', (x) => x > 0 && x <= 1, 'a number in (0, 1]') ?? DEFAULT_SCENE_CUT_THRESHOLD;
  const depth = integer(v.depth, '--depth', 1) ?? DEFAULT_DEPTH;
  if (depth > 10) throw usage(`--depth: expected 1..10, got ${depth}`);
  const pairs: PairSettings = {depth, sceneThreshold: threshold >= 1 ? null : threshold, sceneCut};
  const tileSize = integer(v.tile, '--tile', 64);
  const tile: TileOptions | undefined = tileSize !== undefined
    ? {size: tileSize, overlap: integer(v['tile-overlap'], '--tile-overlap', 0) ?? 32} : undefined;
  if (tile && tile.overlap * 2 >= tile.size) throw usage(`--tile-overlap: must be less than half of --tile (${tile.size})`);
  const output = v.output;
  if (!output) throw usage(`${command}: -o OUTPUT is required`);
  const common = {json: v.json ?? false, quiet: v.quiet ?? false};
  const multi = integer(v.multi, '--multi', 2);
  if (command === 'video') {
    if (rest.length !== 1) throw usage(`video: expected one input file, got ${rest.length}`);
    if ((multi === undefined) === (v.fps === undefined)) throw usage('video: give exactly one of --multi N or --fps F');
    const crf = number(v.crf, '--crf', (x) => x >= 0 && x <= 63, 'a number in 0..63');
    return {command: 'video', ...common, job: {
      input: rest[0]!, output, rate: multi !== undefined ? {multi} : {fps: parseRational(v.fps!, '--fps')},
      pairs, engine, ...(tile ? {tile} : {}),
      ...(v.codec ? {codec: v.codec} : {}), ...(v['pix-fmt'] ? {pixFmt: v['pix-fmt']} : {}), ...(crf !== undefined ? {crf} : {}),
      resume: v.resume ?? false, overwrite: v.overwrite ?? false,
      segmentFrames: integer(v['segment-frames'], '--segment-frames', 1) ?? 60,
    }};
  }
  if (command === 'frames') {
    if (rest.length !== 2) throw usage(`frames: expected two images A B, got ${rest.length}`);
    if (v.t !== undefined && v.n !== undefined) throw usage('frames: give --t or --n, not both');
    const t = number(v.t, '--t', (x) => x > 0 && x < 1, 'a number in (0, 1)');
    const n = integer(v.n, '--n', 1);
    return {command: 'frames', ...common, job: {
      a: rest[0]!, b: rest[1]!, output, ...(t !== undefined ? {t} : {}), ...(n !== undefined ? {n} : {}),
      pairs, engine, ...(tile ? {tile} : {}), overwrite: v.overwrite ?? false,
    }};
  }
  if (command === 'folder') {
    if (rest.length !== 1) throw usage(`folder: expected one input folder, got ${rest.length}`);
    if (multi === undefined) throw usage('folder: --multi N is required');
    return {command: 'folder', ...common, job: {
      input: rest[0]!, output, multi, pairs, engine, ...(tile ? {tile} : {}), overwrite: v.overwrite ?? false, resume: v.resume ?? false,
    }};
  }
  throw usage(`unknown command '${command}': expected video, frames or folder`);
}
