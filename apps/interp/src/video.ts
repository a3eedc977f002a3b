// daek-interp video: decode -> pairs -> encode in segments -> join with the input's audio and subtitles.
import {mkdir, readFile, rename, rm, stat, writeFile} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import path from 'node:path';
import type {RgbImage} from '@daek/datasets';
import type {ProgressStream} from '@daek/cli-support';
import type {MiddleFn} from './bisection.js';
import {autoScale, disposeQuietly, type Engine, type EngineFactory, type EngineOptions} from './engine.js';
import {InterpError, StoppedError} from './errors.js';
import {chooseEncoder, type EncoderChoice} from './ffmpeg/codecs.js';
import {FrameDecoder} from './ffmpeg/decode.js';
import {SegmentEncoder, type EncodeSettings} from './ffmpeg/encode.js';
import {muxOutput, planStreams, type StreamPlan} from './ffmpeg/mux.js';
import {probeTimestamps, probeVideo, type VideoInfo} from './ffmpeg/probe.js';
import {findFfmpeg, type Ffmpeg} from './ffmpeg/tools.js';
import {emptyStats, PairFrames, type PairSettings, type PairStats} from './pair.js';
import {checkInput, checkOutput, temporaryName} from './paths.js';
import {Progress} from './progress.js';
import {formatRational, toNumber} from './rational.js';
import {buildSchedule, classifyTiming, type InputTiming, type RateRequest, type Schedule} from './schedule.js';
import {tiledMiddle, type TileOptions} from './tiles.js';

/** Settings of {@link interpolateVideo}. */
export interface VideoJob {
  /** Input video. */
  input: string;
  /** Output video (its extension picks the container). */
  output: string;
  /** `--multi N` or `--fps F`. */
  rate: RateRequest;
  /** Frame pairs and scene cuts. */
  pairs: PairSettings;
  /** The model. */
  engine: EngineOptions;
  /** Tiles for large frames (none by default). */
  tile?: TileOptions;
  /** `--codec`. */
  codec?: string;
  /** `--pix-fmt`. */
  pixFmt?: string;
  /** `--crf`. */
  crf?: number;
  /** Continue an interrupted job. */
  resume?: boolean;
  /** Replace an existing output. */
  overwrite?: boolean;
  /** Input frames per segment (the unit of --resume; default 60). */
  segmentFrames?: number;
}

/** What the command needs from its surroundings; tests pass their own. */
export interface RunContext {
  /** Messages and progress (stderr). */
  stderr: ProgressStream;
  /** Loads the model. */
  createEngine: EngineFactory;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
  /** No progress line. */
  quiet?: boolean;
  /** Called after each output frame is queued (tests stop runs mid-way with it). */
  onFrame?: (index: number) => void;
}

/** Audio and subtitle streams carried over. */
export interface StreamCounts {
  /** Copied unchanged. */
  copied: number;
  /** Re-encoded because the container cannot hold them. */
  reencoded: number;
}

/** The summary `--json` prints. */
export interface VideoSummary extends PairStats {
  /** Input file. */
  input: string;
  /** Output file. */
  output: string;
  /** Input frames decoded. */
  inputFrames: number;
  /** Output frames written. */
  outputFrames: number;
  /** Input rate (nominal). */
  inputRate: string;
  /** Output rate. */
  outputRate: string;
  /** Whether the input's frame times were uneven (mapped by timestamps). */
  variableFrameRate: boolean;
  /** Duration kept, seconds. */
  duration: number;
  /** Largest timing error of an interpolated frame, in frame intervals (half the bisection grid). */
  maxTimingError: number;
  /** Engine, model and weights. */
  engine: string;
  /** Model name. */
  model: string;
  /** Encoder and pixel format. */
  encoder: string;
  /** Audio/subtitle streams copied, re-encoded. */
  streams: StreamCounts;
  /** Segments skipped because an earlier run completed them. */
  resumedSegments: number;
  /** Seconds spent. */
  seconds: number;
  /** Output frames per second of this run. */
  fps: number;
  /** Seconds spent in the network (the rest is decoding, encoding, muxing and start-up, partly overlapped). */
  networkSeconds: number;
  /** Messages given on the way. */
  notes: string[];
}

interface State {
  version: 1;
  input: {path: string; size: number; mtimeMs: number};
  key: string;
  /** Completed segment indexes, in order, each with its file (null when it had no output frames). */
  segments: {index: number; file: string | null; frames: number}[];
}

/** Folder of a job's segments and state, beside the output. */
export function workFolder(output: string): string {
  return path.join(path.dirname(path.resolve(output)), `.${path.basename(output)}.daek-interp`);
}

/** Interpolate a video. @throws InterpError for bad input, StoppedError when stopped (resumable). */
export async function interpolateVideo(job: VideoJob, ctx: RunContext): Promise<VideoSummary> {
  const started = Date.now();
  const notes: string[] = [];
  const note = (text: string): void => {
    notes.push(text);
    ctx.stderr.write(`daek-interp: note: ${text}\n`);
  };
  checkInput(job.input, 'input video');
  checkOutput(job.output, [job.input], job.overwrite ?? false);
  const work = workFolder(job.output);
  if (existsSync(work) && !job.resume) {
    if (!job.overwrite) {
      throw new InterpError('resume', `an interrupted run left ${work}; add --resume to continue it, or --overwrite to start again`);
    }
    await rm(work, {recursive: true, force: true});
  }
  const ff = findFfmpeg();
  const info = await probeVideo(ff, job.input);
  if (info.width <= 0 || info.height <= 0) throw new InterpError('no-video-stream', `${job.input}: the video stream has no frame size`);
  const {times, count} = await probeTimestamps(ff, job.input, info);
  if (count === 0) throw new InterpError('zero-frames', `${job.input} has a video stream with zero frames; nothing to interpolate`);
  if (info.bitDepth > 8) note(`${info.bitDepth}-bit input (${info.pixFmt}) is read at 8 bits per channel`);
  const lastDuration = times && Number.isFinite(info.duration) && times.length > 0
    ? Math.max(info.duration - (times[times.length - 1]! - times[0]!), 1 / toNumber(info.rate)) : undefined;
  const timing: InputTiming = times && times.length > 1
    ? classifyTiming(times, info.rate, info.tick, lastDuration !== undefined && lastDuration <= 2 / toNumber(info.rate) ? lastDuration : undefined)
    : {kind: 'constant', rate: info.rate, count};
  if (timing.kind === 'variable') note('variable frame rate: output frames are placed by the input\'s timestamps');
  const schedule = buildSchedule(timing, job.rate);
  const choice = chooseEncoder(ff, info, job.output, job);
  for (const text of choice.notes) note(text);
  const plans = planStreams(info, job.output);
  for (const plan of plans) if (plan.note) note(plan.note);

  // The model loads before the work folder exists, so a bad --weights leaves nothing behind.
  const scaled = autoScale(job.engine, info.width, info.height, job.tile !== undefined);
  if (scaled.note) note(scaled.note);
  const engine: Engine = await ctx.createEngine(scaled.options);
  try {
    // The resolved engine settings (refine true or false, the automatic --scale) go into the resume key, so a run made
    // with other refinement is never resumed into this one.
    return await runJob({...job, engine: scaled.options}, ctx, {ff, info, timing, schedule, choice, plans, engine, work, notes, note, count, started});
  } finally {
    disposeQuietly(engine);
  }
}

/** What is known once the input is probed and the model loaded. */
interface Prepared {
  ff: Ffmpeg;
  info: VideoInfo;
  timing: InputTiming;
  schedule: Schedule;
  choice: EncoderChoice;
  plans: StreamPlan[];
  engine: Engine;
  work: string;
  notes: string[];
  note: (text: string) => void;
  count: number;
  started: number;
}

/** The decode -> pairs -> encode loop, then the mux. */
async function runJob(job: VideoJob, ctx: RunContext, prepared: Prepared): Promise<VideoSummary> {
  const {ff, info, timing, schedule, choice, plans, engine, work, notes, note, count, started} = prepared;
  const segmentFrames = job.segmentFrames ?? 60;
  const inputStat = await stat(job.input);
  const key = JSON.stringify({rate: job.rate, pairs: job.pairs, engine: job.engine, tile: job.tile ?? null,
    encoder: choice, segmentFrames});
  const stateFile = path.join(work, 'state.json');
  let state: State = {version: 1, input: {path: path.resolve(job.input), size: inputStat.size, mtimeMs: inputStat.mtimeMs}, key, segments: []};
  if (job.resume && existsSync(stateFile)) {
    const old = JSON.parse(await readFile(stateFile, 'utf8')) as State;
    if (old.input.size !== state.input.size || old.input.mtimeMs !== state.input.mtimeMs || old.input.path !== state.input.path) {
      throw new InterpError('resume', `${work} belongs to a run on another or a changed input; remove it or pass --overwrite`);
    }
    if (old.key !== key) throw new InterpError('resume', `${work} was made with other settings; rerun with the same flags, or pass --overwrite`);
    state = old;
  } else if (job.resume) {
    note('--resume: no interrupted run found, starting from the beginning');
  }
  await mkdir(work, {recursive: true}).catch((error: Error) => {
    throw new InterpError('unwritable-output', `cannot create ${work}: ${error.message}`);
  });
  const saveState = async (): Promise<void> => {
    await writeFile(`${stateFile}.partial`, JSON.stringify(state, null, 1));
    await rename(`${stateFile}.partial`, stateFile);
  };
  await saveState();
  const done = new Set(state.segments.map((s) => s.index));
  let resumedSegments = 0;
  while (done.has(resumedSegments)) resumedSegments++;
  if (resumedSegments > 0) note(`resuming after ${resumedSegments} complete segment(s)`);

  const stats = emptyStats();
  const settings: EncodeSettings = {width: info.width, height: info.height, rate: schedule.rate, choice, colour: info.colour};
  let networkSeconds = 0;
  let middle: MiddleFn = async (a, b) => {
    const t0 = performance.now();
    const out = await engine.middle(a, b);
    networkSeconds += (performance.now() - t0) / 1000;
    if (out.width !== a.width || out.height !== a.height || out.data.length !== a.data.length) {
      throw new Error(`the engine returned a ${out.width}x${out.height} frame for ${a.width}x${a.height} input`);
    }
    return out;
  };
  if (job.tile) middle = tiledMiddle(middle, job.tile);
  const progress = new Progress(ctx.stderr, schedule.count, 'frames', ctx.quiet);
  const decoder = new FrameDecoder(ff, job.input, info);
  let encoder: SegmentEncoder | null = null;
  let encoderSegment = -1;
  let segmentCount = 0;
  let j = 0;
  let written = 0;
  const segmentFile = (s: number): string => path.join(work, `seg-${String(s).padStart(6, '0')}.nut`);
  const closeSegment = async (s: number): Promise<void> => {
    if (s < resumedSegments || done.has(s)) return;
    if (encoder && encoderSegment === s) {
      await encoder.finish();
      encoder = null;
      state.segments.push({index: s, file: path.basename(segmentFile(s)), frames: segmentCount});
    } else {
      state.segments.push({index: s, file: null, frames: 0});
    }
    done.add(s);
    await saveState();
  };
  try {
    let current = await decoder.next();
    if (!current) throw new InterpError('zero-frames', `${job.input}: ffmpeg decoded zero frames; nothing to interpolate`);
    let i = 0;
    let lastSegment = 0;
    while (current) {
      const next: RgbImage | null = await decoder.next();
      const segment = Math.floor(i / segmentFrames);
      if (segment !== lastSegment) {
        for (let s = lastSegment; s < segment; s++) await closeSegment(s);
        lastSegment = segment;
      }
      const skip = segment < resumedSegments;
      const pair = next ? new PairFrames(current, next, job.pairs, middle, skip ? emptyStats() : stats) : null;
      while (j < schedule.count) {
        const source = schedule.source(j);
        if (pair && source.pair !== i) break;
        if (!skip) {
          const frame = pair ? await pair.at(source.t) : current;
          if (!encoder) {
            encoder = new SegmentEncoder(ff, settings, segmentFile(segment));
            encoderSegment = segment;
            segmentCount = 0;
          }
          await encoder.write(frame);
          segmentCount++;
          written++;
        }
        j++;
        progress.tick();
        ctx.onFrame?.(j - 1);
        if (ctx.signal?.aborted) throw new StoppedError(`stopped after ${j} of ${schedule.count} frames`);
      }
      current = next;
      i++;
      if (j >= schedule.count) break;
    }
    await closeSegment(lastSegment);
    if (!current && decoder.count < count) note(`the input decoded to ${decoder.count} frames, fewer than its ${count} packets; the last frame is held`);
    progress.end();
  } catch (error) {
    progress.end();
    const enc = encoder as SegmentEncoder | null;
    if (enc) await enc.abort();
    if (error instanceof StoppedError) {
      throw new StoppedError(`${error.message}; ${state.segments.length} complete segment(s) kept in ${work}: run the same command with --resume to continue`);
    }
    throw error;
  } finally {
    await decoder.close();
  }
  const segments = state.segments.filter((s) => s.file !== null).sort((a, b) => a.index - b.index).map((s) => path.join(work, s.file!));
  const temporary = temporaryName(path.resolve(job.output));
  try {
    await muxOutput(ff, job.input, info, segments, path.join(work, 'segments.txt'), temporary, plans);
    await rename(temporary, job.output);
  } catch (error) {
    await rm(temporary, {force: true});
    throw error;
  }
  await rm(work, {recursive: true, force: true});
  const seconds = (Date.now() - started) / 1000;
  return {
    ...stats,
    input: job.input, output: job.output, inputFrames: decoder.count, outputFrames: j,
    inputRate: formatRational(info.rate), outputRate: formatRational(schedule.rate), variableFrameRate: timing.kind === 'variable',
    duration: schedule.duration, maxTimingError: 2 ** -(job.pairs.depth + 1),
    engine: engine.name, model: engine.model, encoder: `${choice.encoder} ${choice.pixFmt}`,
    streams: {copied: plans.filter((p) => !p.note).length, reencoded: plans.filter((p) => p.note).length},
    resumedSegments, seconds, fps: written / seconds, networkSeconds, notes,
  };
}
