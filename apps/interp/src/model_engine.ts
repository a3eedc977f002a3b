// The engines: @daek/models' createInterpolator with the tfjs or the ONNX Runtime engine. With `scale` < 1 (tfjs) the
// network runs on downscaled frames, and its last flow, mask and synthesis residual are upsampled to warp and blend the
// full-resolution frames (RIFE's `--scale`): motion is estimated at low resolution, detail stays sharp.
import * as tf from '@tensorflow/tfjs';
import type {RgbImage} from '@daek/datasets';
import {backwardWarp, cropPadding, padToMultiple, resizeBilinear} from '@daek/flow-ops';
import {asModelName, createInterpolator, disposeOutputs, MEMORY_LIGHT_ABOVE, type Interpolator, type ModelName} from '@daek/models';
import {asRgbImage, type Engine, type EngineOptions} from './engine.js';
import {InterpError} from './errors.js';

/**
 * Load the model through @daek/models' `createInterpolator`: `engine: 'tfjs'` runs the network on tfjs-wasm,
 * `engine: 'onnxruntime'` on ONNX Runtime (onnxruntime-node, through @daek/onnx); frame handling (padding,
 * cropping) is tfjs-wasm in both. `--scale` needs the network's flow, mask and residual, which only the tfjs network
 * gives (the ONNX graph outputs the frame alone), so it is refused with the ONNX engine. `refine` must be true or false
 * (resolve the default with `autoScale`); it is passed to `createInterpolator` explicitly either way.
 */
export async function createModelEngine(options: EngineOptions): Promise<Engine> {
  const scale = options.scale ?? 1;
  if (!(scale > 0 && scale <= 1)) throw new InterpError('usage', `--scale: expected a number in (0, 1], got ${scale}`);
  const onnx = options.engine === 'onnxruntime';
  if (scale !== 1 && onnx) {
    throw new InterpError('engine', `--scale ${scale} needs the network's flow and blend mask, which the ONNX graph does not ` +
      'output (only the frame): use --engine tfjs with --scale, or --tile N with --engine onnxruntime');
  }
  if (options.refine === undefined) {
    throw new InterpError('usage', 'createModelEngine: refine is undefined; resolve the default with autoScale() (which ' +
      'says when refinement is off at a reduced scale) or pass refine: true or false');
  }
  if (options.refine && scale !== 1) {
    throw new InterpError('usage', `--refine searches the network's full-resolution flow and does not combine with --scale ${scale}; ` +
      'use --scale 1, or --tile N for large frames');
  }
  const weightsOnnx = options.weights?.toLowerCase().endsWith('.onnx') ?? false;
  if (weightsOnnx && !onnx) throw new InterpError('weights', `--weights ${options.weights}: an .onnx file needs --engine onnxruntime`);
  let model: ModelName | undefined;
  try {
    model = options.model === undefined ? undefined : asModelName(options.model);
  } catch (error) {
    throw new InterpError('usage', `--model: ${(error as Error).message}`);
  }
  let interp: Interpolator;
  try {
    interp = await createInterpolator({
      ...(model !== undefined ? {model} : {}),
      // An .onnx runs on ONNX Runtime; the network's weights are then the shipped ones it was exported from.
      ...(options.weights !== undefined ? (weightsOnnx ? {onnx: options.weights} : {weights: options.weights}) : {}),
      engine: options.engine, backend: 'wasm', checkFrames: false,
      ...(options.threads !== undefined ? {threads: options.threads} : {}),
      ...(options.ensemble ? {ensemble: true} : {}),
      // Always explicit: createInterpolator's default (refinement on) is not relied on either way.
      refine: options.refine,
    });
  } catch (error) {
    const message = (error as Error).message;
    if (/onnxruntime|@daek\/onnx/i.test(message) && onnx) throw new InterpError('engine', `--engine onnxruntime: ${message}`);
    throw new InterpError('weights', `cannot load the model: ${message}`);
  }
  return {
    name: interp.executor, model: interp.model, weights: interp.weights,
    async middle(a, b) {
      try {
        if (scale !== 1 && options.ensemble) return meanImage(await scaledMiddle(interp, a, b, scale), await scaledMiddle(interp, b, a, scale));
        if (scale !== 1) return await scaledMiddle(interp, a, b, scale);
        const out = await interp.interpolate({...a, channels: 3}, {...b, channels: 3});
        return asRgbImage(out.data as Uint8ClampedArray, out.width, out.height);
      } catch (error) {
        throw outOfMemory(error, a.width, a.height, scale);
      }
    },
    dispose: () => interp.dispose(),
  };
}

/** The rounded mean of two frames (`--ensemble` with `--scale`, where the interpolator's own float ensemble is bypassed). */
function meanImage(x: RgbImage, y: RgbImage): RgbImage {
  const data = new Uint8ClampedArray(x.data.length);
  for (let i = 0; i < data.length; i++) data[i] = (x.data[i]! + y.data[i]! + 1) >> 1;
  return asRgbImage(data, x.width, x.height);
}

/** wasm's heap is 4 GiB: a frame too large for it aborts. Name it, with the ways out. */
function outOfMemory(error: unknown, width: number, height: number, scale: number): unknown {
  const text = error instanceof Error ? `${error.name} ${error.message}` : String(error);
  if (!/memory|Aborted|RuntimeError|allocat/i.test(text)) return error;
  return new InterpError('out-of-memory', `${width}x${height} frames${scale !== 1 ? ` at --scale ${scale}` : ''} do not fit in ` +
    `memory (${text.slice(0, 120)}); use --scale 0.5 (or smaller, --engine tfjs), or --tile 512, or the other --engine`);
}

function toTensor(image: RgbImage): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.tensor4d(Int32Array.from(image.data), [1, image.height, image.width, 3], 'int32'), 255) as tf.Tensor4D);
}

/**
 * One network pass at `scale` of the resolution; flow, mask and residual upsampled to warp the full frames. The
 * full-resolution steps run one at a time, each releasing what it used, so the peak stays near the network's own.
 */
export async function scaledMiddle(interp: Interpolator, a: RgbImage, b: RgbImage, scale: number): Promise<RgbImage> {
  const {width, height} = a;
  const lw = Math.max(1, Math.round(width * scale));
  const lh = Math.max(1, Math.round(height * scale));
  const size: [number, number] = [height, width];
  // Low resolution: the network's last flow, mask logit and synthesis residual (output minus blend).
  const [flow, logit, residual] = tf.tidy(() => {
    const la = tf.tidy(() => resizeBilinear(toTensor(a), {size: [lh, lw]}));
    const lb = tf.tidy(() => resizeBilinear(toTensor(b), {size: [lh, lw]}));
    const pa = padToMultiple(la, 32, {mode: 'replicate', minSize: 128});
    const pb = padToMultiple(lb, 32, {mode: 'replicate', minSize: 128});
    const [, ph, pw] = pa.padded.shape;
    const correlation = (ph / 8) * (pw / 8) > MEMORY_LIGHT_ABOVE ? 'memory-light' as const : 'all-pairs' as const;
    const out = interp.network.forward(pa.padded, pb.padded, {correlation});
    const last = out.flows.length - 1;
    const kept = [
      cropPadding(out.flows[last]!, pa.padding),
      cropPadding(out.maskLogit, pa.padding),
      tf.sub(cropPadding(out.output, pa.padding), cropPadding(out.blends[last]!, pa.padding)),
    ].map((t) => tf.keep(t)) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    disposeOutputs(out);
    return kept;
  });
  // Full resolution, step by step. Flow vectors grow with the image (dx by the width ratio, dy by the height ratio).
  const fullFlow = tf.tidy(() => tf.mul(resizeBilinear(flow, {size}), tf.tensor1d([width / lw, height / lh, width / lw, height / lh])) as tf.Tensor4D);
  flow.dispose();
  const warp = (image: RgbImage, channel: number): tf.Tensor4D => tf.tidy(() =>
    backwardWarp(toTensor(image), tf.slice(fullFlow, [0, 0, 0, channel], [1, height, width, 2]), {checkFinite: false}));
  const w0 = warp(a, 0);
  const w1 = warp(b, 2);
  fullFlow.dispose();
  const blended = tf.tidy(() => {
    const mask = tf.sigmoid(resizeBilinear(logit, {size}));
    return tf.add(w1, tf.mul(tf.sub(w0, w1), mask)) as tf.Tensor4D; // w0·m + w1·(1 − m)
  });
  tf.dispose([w0, w1, logit]);
  const bytes = tf.tidy(() => tf.cast(tf.round(tf.mul(tf.clipByValue(tf.add(blended, resizeBilinear(residual, {size})), 0, 1), 255)), 'int32'));
  tf.dispose([blended, residual]);
  const values = await bytes.data() as Int32Array;
  bytes.dispose();
  return {data: Uint8Array.from(values), width, height};
}
