// ffmpeg's classical motion-compensated interpolation (`minterpolate`) as a benchmark method, through a
// lossless pipe: the RGB bytes go in as planes and come back as planes, and no colour matrix ever touches them.
import type {RawTriplet, RgbImage} from '@daek/datasets';
import {checkFfmpeg, ffmpegCommand, runTool} from '../ffmpeg.js';
import type {Prediction} from '../metrics.js';
import type {Method, MethodInfo} from './method.js';

/** The filter options of the default `minterpolate` method: mci with overlapped blocks, bidirectional search. */
export const DEFAULT_MINTERPOLATE_OPTIONS = 'mi_mode=mci:mc_mode=aobmc:me_mode=bidir:vsbmc=1:scd=none';

/** The smallest width and height ffmpeg's minterpolate accepts. */
export const MINTERPOLATE_MIN_SIZE = 32;

/** Options of {@link createMinterpolate}. */
export interface MinterpolateOptions {
  /**
   * minterpolate's options, `key=value` pairs joined by `:` (default {@link DEFAULT_MINTERPOLATE_OPTIONS}).
   * `fps` is set by the method; `scd=none` is added unless given (scene detection turns large motion into
   * copies of frame0).
   */
  filterOptions?: string;
  /** Row label (default `minterpolate`, or `minterpolate (OPTIONS)` for other options). */
  label?: string;
}

/**
 * RGB bytes as three planes in gbrp order (G, B, R). Fed to ffmpeg labelled `yuv444p`, G is what minterpolate
 * takes for luma (its block matching runs on the first plane), which is the closest RGB plane to luma.
 */
export function toPlanes(image: RgbImage): Uint8Array {
  const n = image.width * image.height;
  const out = new Uint8Array(n * 3);
  const src = image.data;
  for (let i = 0; i < n; i++) {
    out[i] = src[i * 3 + 1];
    out[n + i] = src[i * 3 + 2];
    out[2 * n + i] = src[i * 3];
  }
  return out;
}

/** The inverse of {@link toPlanes}: G, B, R planes back to interleaved RGB. */
export function fromPlanes(planes: Uint8Array, width: number, height: number): Uint8Array {
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[i * 3] = planes[2 * n + i];
    out[i * 3 + 1] = planes[i];
    out[i * 3 + 2] = planes[n + i];
  }
  return out;
}

/** The options with `scd=none` added unless scene detection is set explicitly; `fps` is reserved. */
function normaliseOptions(text: string): string {
  const pairs = text.split(':').map((p) => p.trim()).filter(Boolean);
  for (const pair of pairs) {
    if (!/^[a-z_]+=[^=]+$/.test(pair)) throw new Error(`minterpolate: expected key=value options joined by ':', got '${pair}' in '${text}'`);
    if (pair.startsWith('fps=')) throw new Error('minterpolate: fps is set by the benchmark (twice the input rate); leave it out');
  }
  if (!pairs.some((p) => p.startsWith('scd='))) pairs.push('scd=none');
  return pairs.join(':');
}

/**
 * The middle frame of `frame0` and `frame1` by ffmpeg's `minterpolate` with `filterOptions`.
 *
 * The pipeline is lossless: frames go in as raw planes (gbrp order) labelled `yuv444p`, because minterpolate
 * accepts only YUV formats, and come out the same way, so no YUV matrix or range conversion touches them. The clip
 * is [frame0, frame1, frame1] at 1 fps, doubled to 2 fps; the second output frame is the one at t = 0.5 (a
 * two-frame clip yields no interpolated frame).
 *
 * @throws Error when ffmpeg is missing or fails, or the frames differ in size or are under 32x32.
 */
export async function minterpolateMiddle(frame0: RgbImage, frame1: RgbImage, filterOptions = DEFAULT_MINTERPOLATE_OPTIONS): Promise<Uint8Array> {
  const {width, height} = frame0;
  if (frame1.width !== width || frame1.height !== height) {
    throw new Error(`minterpolate: frame0 is ${width}x${height} but frame1 is ${frame1.width}x${frame1.height}`);
  }
  if (width < MINTERPOLATE_MIN_SIZE || height < MINTERPOLATE_MIN_SIZE) {
    throw new Error(`minterpolate: ffmpeg's filter needs frames of at least ${MINTERPOLATE_MIN_SIZE}x${MINTERPOLATE_MIN_SIZE}, got ${width}x${height}`);
  }
  const a = toPlanes(frame0), b = toPlanes(frame1);
  const input = new Uint8Array(a.length * 3);
  input.set(a, 0);
  input.set(b, a.length);
  input.set(b, a.length * 2);
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'rawvideo', '-pix_fmt', 'yuv444p', '-s', `${width}x${height}`,
    '-r', '1', '-i', 'pipe:0', '-vf', `minterpolate=fps=2:${normaliseOptions(filterOptions)}`, '-f', 'rawvideo', '-pix_fmt', 'yuv444p',
    'pipe:1'];
  const out = await runTool(ffmpegCommand(), args, input, 'the minterpolate method');
  const frameBytes = a.length;
  if (out.length < frameBytes * 2) {
    throw new Error(`minterpolate: ffmpeg returned ${out.length} bytes, expected at least 2 frames of ${frameBytes} (${width}x${height})`);
  }
  return fromPlanes(out.subarray(frameBytes, frameBytes * 2), width, height);
}

/**
 * ffmpeg's `minterpolate` as a method (`--method minterpolate[=OPTIONS]`); needs ffmpeg on PATH.
 * See {@link minterpolateMiddle} for the lossless pipeline. Triplets with t other than 0.5 are refused.
 */
export function createMinterpolate(options: MinterpolateOptions = {}): Method {
  const filterOptions = normaliseOptions(options.filterOptions ?? DEFAULT_MINTERPOLATE_OPTIONS);
  const name = options.label ?? (options.filterOptions === undefined ? 'minterpolate' : `minterpolate (${filterOptions})`);
  const info: MethodInfo = {
    name,
    kind: 'external',
    parameters: 0,
    source: `ffmpeg minterpolate=${filterOptions}`,
    notes: [`ffmpeg -vf minterpolate=fps=2:${filterOptions} on the clip [frame0, frame1, frame1] at 1 fps, middle output frame; ` +
        'RGB fed as gbrp planes labelled yuv444p (no YUV matrix touches the pixels); 8-bit output, no rounding'],
  };
  let version: string | undefined;
  return {
    name,
    describe: () => info,
    prepare: async () => {
      if (version !== undefined) return;
      version = checkFfmpeg('the minterpolate method', 'minterpolate');
      info.notes.push(version);
    },
    predict: async (triplet: RawTriplet): Promise<Prediction> => {
      if (version === undefined) throw new Error(`${name}: predict before prepare`);
      if (Math.abs(triplet.t - 0.5) > 1e-9) throw new Error(`${name}: only the middle frame (t = 0.5) is supported, triplet ${triplet.id} has t = ${triplet.t}`);
      const data = await minterpolateMiddle(triplet.frame0, triplet.frame1, filterOptions);
      return {data, width: triplet.frame0.width, height: triplet.frame0.height};
    },
    dispose: () => undefined,
  };
}
