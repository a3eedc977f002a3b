// daek-interp frames (two images) and folder (numbered frames): images in, images out, written atomically.
import {existsSync, readdirSync, statSync} from 'node:fs';
import {mkdir} from 'node:fs/promises';
import path from 'node:path';
import {readImage, writeImage, type RgbImage} from '@daek/datasets';
import {autoScale, disposeQuietly, type Engine} from './engine.js';
import {InterpError, StoppedError} from './errors.js';
import {emptyStats, PairFrames, type PairSettings, type PairStats} from './pair.js';
import {checkInput, checkOutput, checkWritableFolder, sameFile} from './paths.js';
import {Progress} from './progress.js';
import {tiledMiddle, type TileOptions} from './tiles.js';
import type {RunContext} from './video.js';
import type {EngineOptions} from './engine.js';
import type {MiddleFn} from './bisection.js';

/** Image extensions read from folders. */
const IMAGE = /\.(png|jpe?g)$/i;

/** Read an image or throw a named error. */
export async function loadImage(file: string): Promise<RgbImage> {
  checkInput(file, 'image');
  try {
    return await readImage(file);
  } catch (error) {
    throw new InterpError('unreadable-image', `cannot read ${file} as an image (${(error as Error).message}); PNG and JPEG are supported`);
  }
}

function checkSameSize(a: RgbImage, b: RgbImage, fa: string, fb: string): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new InterpError('size-mismatch', `${fa} is ${a.width}x${a.height} but ${fb} is ${b.width}x${b.height}; ` +
      'the frames must have the same size (resize one first; nothing is resized silently)');
  }
}

/** Settings of {@link interpolateFrames}. */
export interface FramesJob {
  /** First image. */
  a: string;
  /** Second image. */
  b: string;
  /** Output file (one frame) or folder (`n` frames). */
  output: string;
  /** One frame at t (default 0.5). */
  t?: number;
  /** Or `n` evenly spaced frames, t = i / (n + 1). */
  n?: number;
  /** Pair settings (depth, scene cuts). */
  pairs: PairSettings;
  /** The model. */
  engine: EngineOptions;
  /** Tiles. */
  tile?: TileOptions;
  /** Replace existing files. */
  overwrite?: boolean;
}

/** The summary of an image job. */
export interface ImagesSummary extends PairStats {
  /** Files written. */
  written: string[];
  /** Engine and model. */
  engine: string;
  /** Model name. */
  model: string;
  /** Seconds spent. */
  seconds: number;
}

function engineMiddle(engine: Engine, tile?: TileOptions): MiddleFn {
  const middle: MiddleFn = (a, b) => engine.middle(a, b);
  return tile ? tiledMiddle(middle, tile) : middle;
}

/** Frames between two images. */
export async function interpolateFrames(job: FramesJob, ctx: RunContext): Promise<ImagesSummary> {
  const started = Date.now();
  const [a, b] = [await loadImage(job.a), await loadImage(job.b)];
  checkSameSize(a, b, job.a, job.b);
  const many = job.n !== undefined;
  const times = many ? Array.from({length: job.n!}, (_, i) => (i + 1) / (job.n! + 1)) : [job.t ?? 0.5];
  const digits = String(times.length).length;
  const files = many ? times.map((_, i) => path.join(job.output, `frame_${String(i + 1).padStart(Math.max(2, digits), '0')}.png`)) : [job.output];
  if (!many && !/\.(png|jpe?g)$/i.test(job.output)) {
    throw new InterpError('usage', `-o ${job.output}: expected a .png or .jpg file (or --n N with a folder)`);
  }
  if (many && existsSync(job.output) && !statSync(job.output).isDirectory()) {
    throw new InterpError('usage', `-o ${job.output}: with --n the output is a folder, and this is a file`);
  }
  for (const file of files) checkOutput(file, [job.a, job.b], job.overwrite ?? false);
  const scaled = autoScale(job.engine, a.width, a.height, job.tile !== undefined);
  if (scaled.note) ctx.stderr.write(`daek-interp: note: ${scaled.note}\n`);
  const engine = await ctx.createEngine(scaled.options);
  const stats = emptyStats();
  try {
    const pair = new PairFrames(a, b, job.pairs, engineMiddle(engine, job.tile), stats);
    if (pair.cut) ctx.stderr.write('daek-interp: note: the two images look like different shots (a scene cut): ' +
      `${job.pairs.sceneCut === 'blend' ? 'cross-fading' : 'writing the nearer input image'}; --scene-threshold 1 turns detection off\n`);
    const progress = new Progress(ctx.stderr, files.length, 'frames', ctx.quiet);
    await mkdir(many ? job.output : path.dirname(path.resolve(job.output)), {recursive: true});
    for (let i = 0; i < files.length; i++) {
      if (ctx.signal?.aborted) throw new StoppedError(`stopped after ${i} of ${files.length} frames`);
      await writeImage(files[i]!, await pair.at(times[i]!));
      progress.tick();
    }
    progress.end();
  } finally {
    disposeQuietly(engine);
  }
  return {...stats, written: files, engine: engine.name, model: engine.model, seconds: (Date.now() - started) / 1000};
}

/** Settings of {@link interpolateFolder}. */
export interface FolderJob {
  /** Folder of numbered frames. */
  input: string;
  /** Output folder. */
  output: string;
  /** Frames per input interval. */
  multi: number;
  /** Pair settings. */
  pairs: PairSettings;
  /** The model. */
  engine: EngineOptions;
  /** Tiles. */
  tile?: TileOptions;
  /** Replace existing files. */
  overwrite?: boolean;
  /** Keep frames an interrupted run already wrote. */
  resume?: boolean;
}

/** The images of a folder in natural order (`frame2` before `frame10`). */
export function listFrames(folder: string): string[] {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new InterpError('input-not-found', `frame folder not found: ${folder}`);
  const names = readdirSync(folder).filter((n) => IMAGE.test(n)).sort((x, y) => x.localeCompare(y, 'en', {numeric: true}));
  return names.map((n) => path.join(folder, n));
}

/**
 * A folder of N numbered frames in, (N - 1)·multi + 1 frames out (every input frame kept, `multi - 1` between each
 * pair; a folder has no duration to keep, so the last frame is not held), named `000000.png`, `000001.png`, ...
 */
export async function interpolateFolder(job: FolderJob, ctx: RunContext): Promise<ImagesSummary> {
  const started = Date.now();
  const inputs = listFrames(job.input);
  if (inputs.length === 0) throw new InterpError('zero-frames', `${job.input} holds no .png or .jpg frames`);
  if (sameFile(job.input, job.output)) throw new InterpError('output-is-input', 'the output folder is the input folder; choose another');
  checkWritableFolder(path.resolve(job.output));
  const total = (inputs.length - 1) * job.multi + 1;
  const digits = Math.max(6, String(total - 1).length);
  const name = (j: number): string => path.join(job.output, `${String(j).padStart(digits, '0')}.png`);
  if (!job.overwrite && !job.resume) {
    for (let j = 0; j < total; j++) {
      if (existsSync(name(j))) {
        throw new InterpError('output-exists', `${name(j)} exists; pass --overwrite to replace, or --resume to keep the frames already written`);
      }
    }
  }
  await mkdir(job.output, {recursive: true});
  const first = await loadImage(inputs[0]!);
  const scaled = autoScale(job.engine, first.width, first.height, job.tile !== undefined);
  if (scaled.note) ctx.stderr.write(`daek-interp: note: ${scaled.note}\n`);
  const engine = await ctx.createEngine(scaled.options);
  const stats = emptyStats();
  const middle = engineMiddle(engine, job.tile);
  const written: string[] = [];
  const progress = new Progress(ctx.stderr, total, 'frames', ctx.quiet);
  try {
    let current = first;
    for (let i = 0; i < inputs.length; i++) {
      const last = i === inputs.length - 1;
      const outputs = last ? [i * job.multi] : Array.from({length: job.multi}, (_, k) => i * job.multi + k);
      const pending = outputs.filter((j) => !(job.resume && existsSync(name(j))));
      const next = last ? null : await loadImage(inputs[i + 1]!);
      if (next) checkSameSize(current, next, inputs[i]!, inputs[i + 1]!);
      const pair = next ? new PairFrames(current, next, job.pairs, middle, stats) : null;
      for (const j of outputs) {
        if (ctx.signal?.aborted) throw new StoppedError(`stopped after ${written.length} frames; run again with --resume to continue`);
        if (pending.includes(j)) {
          await writeImage(name(j), pair ? await pair.at((j - i * job.multi) / job.multi) : current);
          written.push(name(j));
        }
        progress.tick();
      }
      if (next) current = next;
    }
    progress.end();
  } finally {
    disposeQuietly(engine);
  }
  return {...stats, written, engine: engine.name, model: engine.model, seconds: (Date.now() - started) / 1000};
}
