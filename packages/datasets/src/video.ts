// Triplets from any video file ffmpeg can read. ffmpeg decodes to RGB frames written to a pipe (PPM:
// raw RGB bytes after a short text header that carries the size), so no temporary images touch the disk
// and the frame size is known without ffprobe.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync, statSync} from 'node:fs';
import path from 'node:path';
import {createDataset, SampleError, type LoaderOptions, type StreamItem, type TripletDataset} from './dataset.js';
import {resolveSchedule, type FrameScheduleOptions} from './frame-schedule.js';
import type {RgbImage} from './image.js';
import {frameSignature, resolveSceneCut, signatureDistance, type SceneCutOptions} from './scene-cut.js';

/** A frame size in pixels. */
export interface FrameSize {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/** Options of {@link openVideo}. */
export interface VideoOptions extends LoaderOptions, FrameScheduleOptions {
  /** Scene-cut detection (default on, threshold 0.3); `false` turns it off. */
  sceneCut?: SceneCutOptions | false;
  /** Scale every frame to this size in ffmpeg (`scale=W:H:flags=area`); default: the video's own size. */
  size?: FrameSize;
  /** The ffmpeg executable (default `ffmpeg`, found on PATH). */
  ffmpegPath?: string;
}

interface FfmpegInfo {
  executable: string;
  /** `-fps_mode` exists from ffmpeg 5.1; older builds spell it `-vsync`. */
  passthroughArgs: string[];
}

const probed = new Map<string, FfmpegInfo>();

/**
 * Find ffmpeg and learn its version (once per executable).
 *
 * @throws Error saying how to install ffmpeg when it cannot be run.
 */
export function findFfmpeg(executable = 'ffmpeg'): FfmpegInfo {
  const known = probed.get(executable);
  if (known) return known;
  const result = spawnSync(executable, ['-hide_banner', '-version'], {encoding: 'utf8', timeout: 20000});
  if (result.error || result.status !== 0) {
    const why = result.error ? (result.error as NodeJS.ErrnoException).code ?? result.error.message : `exit code ${result.status}`;
    throw new Error(`ffmpeg was not found or does not run (tried '${executable}'${executable === 'ffmpeg' ? ' on PATH' : ''}: ${why}). ` +
        'openVideo decodes video files with it: install it (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg; ' +
        'Windows: winget install ffmpeg) or pass options.ffmpegPath');
  }
  const version = /version\s+n?(\d+)\.(\d+)/.exec(result.stdout ?? '');
  const modern = !version || Number(version[1]) > 5 || (Number(version[1]) === 5 && Number(version[2]) >= 1);
  const info = {executable, passthroughArgs: modern ? ['-fps_mode', 'passthrough'] : ['-vsync', 'passthrough']};
  probed.set(executable, info);
  return info;
}

/** Incremental parser of a stream of binary PPM (P6, maxval 255) images. */
class PpmReader {
  private tokens: string[] = [];
  private token = '';
  private comment = false;
  private frame: Uint8Array | null = null;
  private width = 0;
  private height = 0;
  private filled = 0;

  /** Feed bytes; returns the frames completed by them. */
  push(chunk: Uint8Array): RgbImage[] {
    const frames: RgbImage[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.frame) {
        const n = Math.min(this.frame.length - this.filled, chunk.length - i);
        this.frame.set(chunk.subarray(i, i + n), this.filled);
        this.filled += n;
        i += n;
        if (this.filled === this.frame.length) {
          frames.push({data: this.frame, width: this.width, height: this.height});
          this.frame = null;
        }
        continue;
      }
      const c = chunk[i++];
      if (this.comment) {
        if (c === 0x0a || c === 0x0d) this.comment = false;
        continue;
      }
      const space = c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
      if (c === 0x23 && this.token === '') {
        this.comment = true;
      } else if (!space) {
        this.token += String.fromCharCode(c);
        if (this.token.length > 16) throw new Error(`malformed PPM header token '${this.token}'`);
      } else if (this.token !== '') {
        this.tokens.push(this.token);
        this.token = '';
        if (this.tokens.length === 4) this.startFrame(); // exactly one whitespace byte ends the header
      }
    }
    return frames;
  }

  /** Whether a frame was cut off (the stream ended inside one). */
  get partial(): boolean {
    return this.frame !== null || this.tokens.length > 0 || this.token !== '';
  }

  private startFrame(): void {
    const [magic, w, h, max] = this.tokens;
    this.tokens = [];
    this.width = Number(w);
    this.height = Number(h);
    if (magic !== 'P6' || max !== '255' || !(this.width > 0 && this.height > 0)) {
      throw new Error(`unexpected PPM header '${magic} ${w} ${h} ${max}' (expected P6 <width> <height> 255)`);
    }
    this.frame = new Uint8Array(this.width * this.height * 3);
    this.filled = 0;
  }
}

function pad4(n: number): string {
  return String(n).padStart(4, '0');
}

/** Stop a child process we started, and wait until it is gone. */
async function stop(child: ChildProcess, closed: Promise<unknown>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await closed;
}

/**
 * Open a video file as a stream of triplets. Frames are numbered 0, 1, 2 ... in decode order (ffmpeg with
 * `-fps_mode passthrough`: no frame dropped or duplicated); a triplet is frames (s, s + gap, s + 2 gap),
 * t = 0.5, with id `<file name without extension>/f<gt frame, 4 digits>` (the naming of
 * `shared/data/video-clips/triplets`). Scene cuts are detected between every pair of consecutive frames;
 * a triplet that spans one is dropped and counted in the pass summary. Decoding stops as soon as the
 * schedule (`starts`) or `limit` needs no more frames; the consumer stopping early kills ffmpeg.
 * `length` and `ids` are undefined (unknown before decoding) and `shuffle` is refused.
 *
 * @param file a video file (anything the installed ffmpeg reads).
 *
 * @example
 * ```ts
 * const clip = openVideo('clip.mp4', {stride: 2, exclude: exclusionRanges([[18, 19, 20]], 2)});
 * for await (const raw of clip.rawSamples()) console.log(raw.id, raw.frames);
 * ```
 */
export function openVideo(file: string, options: VideoOptions = {}): TripletDataset {
  if (typeof file !== 'string' || file.length === 0) throw new Error(`openVideo(file): expected a file path, received ${JSON.stringify(file)}`);
  const clip = path.basename(file, path.extname(file));
  const name = `video:${path.basename(file)}`;
  if (!existsSync(file)) throw new Error(`${name}: video file not found: ${file}`);
  if (!statSync(file).isFile()) throw new Error(`${name}: not a file: ${file}`);
  const schedule = resolveSchedule(options, 0, name);
  const threshold = resolveSceneCut(options.sceneCut, name);
  const size = options.size;
  if (size !== undefined && !(Number.isInteger(size.width) && Number.isInteger(size.height) && size.width > 0 && size.height > 0)) {
    throw new Error(`${name}: options.size: expected positive integer {width, height}, received ${JSON.stringify(size)}`);
  }
  const ffmpeg = findFfmpeg(options.ffmpegPath ?? 'ffmpeg');
  const {gap} = schedule;
  const span = 2 * gap;

  async function* open(): AsyncGenerator<StreamItem, void, undefined> {
    const args = ['-nostdin', '-hide_banner', '-v', 'error', '-i', file, '-map', '0:v:0', ...ffmpeg.passthroughArgs,
      ...(size ? ['-vf', `scale=${size.width}:${size.height}:flags=area`] : []),
      '-f', 'image2pipe', '-c:v', 'ppm', '-pix_fmt', 'rgb24', '-'];
    const child = spawn(ffmpeg.executable, args, {stdio: ['ignore', 'pipe', 'pipe']});
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => { stderr = (stderr + text).slice(-4000); });
    let spawnError: Error | undefined;
    child.on('error', (error) => { spawnError = error; });
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const reader = new PpmReader();
    const window = new Map<number, RgbImage>();
    const cuts: number[] = [];
    let previous: Float64Array | null = null;
    let index = 0;
    try {
      for await (const chunk of child.stdout!) {
        let frames: RgbImage[];
        try {
          frames = reader.push(chunk as Buffer);
        } catch (error) {
          yield {error: new SampleError(`${name}: cannot read ffmpeg's output for ${file}: ${(error as Error).message}`, file, clip)};
          return;
        }
        for (const frame of frames) {
          window.set(index, frame);
          window.delete(index - span - 1);
          if (threshold !== null) {
            const signature = frameSignature(frame);
            if (previous && signatureDistance(previous, signature) > threshold) {
              cuts.push(index);
              yield {sceneCut: index};
            }
            previous = signature;
          }
          const s = index - span;
          if (s >= 0 && schedule.isStart(s)) {
            const frames3 = [s, s + gap, s + span] as const;
            if (schedule.isExcluded(s)) {
              yield {dropped: 'excluded'};
            } else if (cuts.some((c) => c > s && c <= s + span)) {
              yield {dropped: 'scene-cut'};
            } else {
              yield {raw: {frame0: window.get(s)!, gt: window.get(s + gap)!, frame1: window.get(s + span)!, t: 0.5,
                id: `${clip}/f${pad4(s + gap)}`, frames: frames3}};
            }
          }
          index++;
          if (s >= schedule.lastStart) return; // the schedule needs no more frames
        }
      }
      const code = await closed;
      if (spawnError) throw spawnError;
      if (code !== 0 || reader.partial) {
        const why = code !== 0 ? `exit code ${code}` : 'the output ended inside a frame';
        yield {error: new SampleError(`${name}: ffmpeg failed to decode ${file} after ${index} frames (${why}): ` +
            `${stderr.trim() || 'no message'}`, file, clip)};
        return;
      }
      // Triplets asked for but past the end are errors, not silently absent.
      const unreached = [...new Set(options.starts ?? [])].filter((s) => s + span >= index).sort((a, b) => a - b);
      const first = options.first ?? 0;
      if (unreached.length > 0) {
        yield {error: new SampleError(`${name}: ${file} has ${index} frames, but the triplets starting at frame ` +
            `${unreached.join(', ')} need frames up to ${unreached[unreached.length - 1] + span}`, file, clip)};
      } else if (options.starts === undefined && index <= first + span) {
        yield {error: new SampleError(`${name}: ${file} has ${index} frames, too few for a triplet from frame ${first} ` +
            `with gap ${gap} (frames ${first}..${first + span})`, file, clip)};
      }
    } finally {
      await stop(child, closed);
    }
  }

  return createDataset({kind: 'stream', name, open}, options);
}
