// Frame input handling for the interpolation API: tensors (uint8 or float) or `{data, width, height}`
// pixel buffers (RGB or RGBA), batched or not, checked and turned into float32 [B,H,W,3] in [0,1].
import * as tf from '@tensorflow/tfjs';

/** Raw pixels, e.g. a canvas `ImageData` or a decoded PNG: `data` holds `width·height·channels` bytes, row-major. */
export interface PixelFrame {
  /** Row-major pixels: bytes 0-255, or floats in [0,1]. */
  data: Uint8Array | Uint8ClampedArray | Float32Array;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** 3 (RGB) or 4 (RGBA); inferred from `data.length` when absent. The alpha channel is ignored. */
  channels?: 3 | 4;
}

/**
 * A frame: a tensor `[H,W,3]` / `[B,H,W,3]` (uint8 0-255 or float 0-1; 4 channels are accepted as RGBA) or a
 * {@link PixelFrame}. A batch of pairs is a `[B,H,W,C]` tensor per side.
 */
export type FrameInput = tf.Tensor3D | tf.Tensor4D | PixelFrame;

/** What {@link toFloatBatch} found out about a frame, so the result can be given back in the same form. */
export interface FrameForm {
  kind: 'tensor' | 'pixels';
  /** Rank of the input tensor (3 or 4). */
  rank: number;
  channels: 3 | 4;
  height: number;
  width: number;
  batch: number;
}

function isPixelFrame(x: unknown): x is PixelFrame {
  return typeof x === 'object' && x !== null && !(x instanceof tf.Tensor) && 'data' in x && 'width' in x && 'height' in x;
}

/** Validate a frame and convert it to float32 `[B,H,W,3]` in [0,1]. `what` names it in errors. */
export function toFloatBatch(frame: FrameInput, what: string): {batch: tf.Tensor4D; form: FrameForm} {
  if (isPixelFrame(frame)) {
    const {data, width, height} = frame;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new Error(`${what}: width and height must be positive integers, got ${width}x${height}.`);
    }
    const channels = frame.channels ?? (data.length === width * height * 4 ? 4 : 3);
    if (channels !== 3 && channels !== 4) throw new Error(`${what}: channels must be 3 (RGB) or 4 (RGBA), got ${String(channels)}.`);
    if (data.length !== width * height * channels) {
      throw new Error(`${what}: data has ${data.length} values, but ${width}x${height}x${channels} needs ${width * height * channels}. ` +
        'Pass `channels` or check the size.');
    }
    const isFloat = data instanceof Float32Array;
    const batch = tf.tidy(() => {
      const t = tf.tensor4d(isFloat ? data : Int32Array.from(data), [1, height, width, channels], isFloat ? 'float32' : 'int32');
      return normalise(t, channels, isFloat);
    });
    return {batch, form: {kind: 'pixels', rank: 3, channels, height, width, batch: 1}};
  }
  if (!(frame instanceof tf.Tensor)) {
    throw new Error(`${what}: expected a tensor [H,W,3] / [B,H,W,3] or {data, width, height}; got ${typeof frame}.`);
  }
  if (frame.isDisposed) {
    throw new Error(`${what} was disposed before interpolate() could read it; keep the tensor until the call resolves.`);
  }
  if (frame.rank !== 3 && frame.rank !== 4) {
    throw new Error(`${what}: expected a [H,W,C] or [B,H,W,C] tensor, got rank ${frame.rank} [${frame.shape}].`);
  }
  const shape4 = (frame.rank === 3 ? [1, ...frame.shape] : frame.shape) as [number, number, number, number];
  const channels = shape4[3];
  if (channels !== 3 && channels !== 4) {
    throw new Error(`${what}: expected 3 (RGB) or 4 (RGBA) channels on the last axis, got ${channels} ([${frame.shape}]). ` +
      'Frames are NHWC; convert grayscale to RGB first.');
  }
  if (frame.dtype !== 'float32' && frame.dtype !== 'int32') {
    throw new Error(`${what}: expected a float32 (0-1) or int32/uint8 (0-255) tensor, got ${frame.dtype}.`);
  }
  const batch = tf.tidy(() => normalise(tf.reshape(frame, shape4) as tf.Tensor4D, channels, frame.dtype === 'float32'));
  return {batch, form: {kind: 'tensor', rank: frame.rank, channels, height: shape4[1], width: shape4[2], batch: shape4[0]}};
}

/** Drop alpha, scale integers to [0,1]. */
function normalise(t: tf.Tensor4D, channels: number, isFloat: boolean): tf.Tensor4D {
  const [b, h, w] = t.shape;
  const rgb = channels === 4 ? tf.slice(t, [0, 0, 0, 0], [b, h, w, 3]) : t;
  return (isFloat ? tf.cast(rgb, 'float32') : tf.div(tf.cast(rgb, 'float32'), 255)) as tf.Tensor4D;
}

/**
 * Reject non-finite values and floats far outside [0,1] (a sign of 0-255 data in a float tensor).
 * Reads the data back once per call.
 */
export async function checkFrameValues(batch: tf.Tensor4D, what: string): Promise<void> {
  const [min, max] = await Promise.all([tf.min(batch), tf.max(batch)].map(async (t) => {
    const v = (await t.data())[0]!;
    t.dispose();
    return v;
  }));
  if (!Number.isFinite(min!) || !Number.isFinite(max!)) {
    throw new Error(`${what}: contains NaN or Infinity. Check the decoder or the preprocessing.`);
  }
  if (min! < -0.01 || max! > 1.01) {
    throw new Error(`${what}: float values must be in [0,1], found [${min}, ${max}]. ` +
      'Divide 0-255 data by 255, or pass an int32 tensor.');
  }
}

/** Give a float `[B,H,W,3]` result back in the form the frames came in. */
export async function fromFloatBatch(result: tf.Tensor4D, form: FrameForm): Promise<tf.Tensor3D | tf.Tensor4D | PixelFrame> {
  if (form.kind === 'tensor') return form.rank === 3 ? tf.squeeze(result, [0]) as tf.Tensor3D : tf.clone(result);
  const bytes = tf.tidy(() => tf.cast(tf.round(tf.mul(result, 255)), 'int32'));
  const rgb = await bytes.data() as Int32Array;
  bytes.dispose();
  const {width, height, channels} = form;
  const out = new Uint8ClampedArray(width * height * channels);
  for (let i = 0, j = 0; i < width * height; i++) {
    out[j++] = rgb[3 * i]!;
    out[j++] = rgb[3 * i + 1]!;
    out[j++] = rgb[3 * i + 2]!;
    if (channels === 4) out[j++] = 255;
  }
  return {data: out, width, height, channels};
}
